#!/usr/bin/python3
"""Serves one guest connection of HTTP/1.1 on stdin/stdout, for qemu's guestfwd=...-cmd:.

qemu starts this program once per TCP connection the guest opens to the forwarded address, so the guest reaches the
stand-in package repository without a route to the host. GET and HEAD of files under ROOT; keep-alive until the
guest closes. If the file DOWN_FLAG exists the connection is closed at once: the repository is "unreachable".
proxy_http.py serves the same files through a proxy with read_request and respond.

    serve_http.py ROOT DOWN_FLAG ACCESS_LOG
"""

import os
import sys
import urllib.parse


def read_request(reader):
    """(method, target, headers) of the next request on the connection, or None when it ends."""
    request_line = reader.readline()
    if not request_line:
        return None
    headers = {}
    while True:
        line = reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    try:
        method, target, _ = request_line.decode("latin-1").split(" ", 2)
    except ValueError:
        return None
    return method, target, headers


def reply(writer, status, body=b"", close=False, length=None):
    writer.write(
        f"HTTP/1.1 {status}\r\nContent-Length: {len(body) if length is None else length}\r\n"
        f"Content-Type: application/octet-stream\r\nConnection: {'close' if close else 'keep-alive'}\r\n\r\n".encode("latin-1")
    )
    writer.write(body)
    writer.flush()


def respond(method, target, headers, root, writer, access_log):
    """Answers one request for a file under ROOT (target in origin or absolute form); True when the connection ends."""
    path = os.path.realpath(os.path.join(root, urllib.parse.unquote(urllib.parse.urlsplit(target).path).lstrip("/")))
    status, body = "200 OK", b""
    if not path.startswith(root + os.sep) or not os.path.isfile(path):
        status, body = "404 Not Found", b"not found\n"
    elif method == "GET":
        with open(path, "rb") as f:
            body = f.read()
    elif method != "HEAD":
        status, body = "405 Method Not Allowed", b""
    length = os.path.getsize(path) if status.startswith("200") and method == "HEAD" else len(body)
    with open(access_log, "a", encoding="utf-8") as log:
        log.write(f"{method} {target} {status.split()[0]}\n")
    close = headers.get("connection", "").lower() == "close"
    reply(writer, status, body if method == "GET" else b"", close, length)
    return close


def main() -> int:
    root, down_flag, access_log = sys.argv[1], sys.argv[2], sys.argv[3]
    if os.path.exists(down_flag):
        with open(access_log, "a", encoding="utf-8") as log:
            log.write("refused (repository down)\n")
        return 0
    reader = sys.stdin.buffer
    writer = sys.stdout.buffer
    root = os.path.realpath(root)
    while True:
        request = read_request(reader)
        if request is None or respond(*request, root, writer, access_log):
            return 0


if __name__ == "__main__":
    sys.exit(main())
