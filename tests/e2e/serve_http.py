#!/usr/bin/python3
"""Serves one guest connection of HTTP/1.1 on stdin/stdout, for qemu's guestfwd=...-cmd:.

qemu starts this program once per TCP connection the guest opens to the forwarded address, so the guest reaches the
stand-in package repository without a route to the host. GET and HEAD of files under ROOT; keep-alive until the
guest closes. If the file DOWN_FLAG exists the connection is closed at once: the repository is "unreachable".

    serve_http.py ROOT DOWN_FLAG ACCESS_LOG
"""

import os
import sys
import urllib.parse


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
        request_line = reader.readline()
        if not request_line:
            return 0
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
            return 0
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
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Length: {length}\r\nContent-Type: application/octet-stream\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n".encode("latin-1")
        )
        if method == "GET":
            writer.write(body)
        writer.flush()
        if close:
            return 0


if __name__ == "__main__":
    sys.exit(main())
