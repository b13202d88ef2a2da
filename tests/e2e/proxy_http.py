#!/usr/bin/python3
"""A forwarding HTTP proxy for one guest connection (qemu guestfwd=...-cmd:): the only way out of the e2e's proxy boot.

It answers as a forwarding proxy such as squid does: CONNECT HOST:PORT opens a tunnel ("200 Connection established",
RFC 9110 9.3.6), through which the origin's requests follow; GET and HEAD in absolute form (RFC 9112 3.2.2,
"GET http://HOST/PATH") are forwarded. Only the stand-in repository's address ORIGIN (HOST:PORT) is reachable through
it: any other is 403. While DOWN_FLAG exists the origin is unreachable and each request is 502 Bad Gateway, as a
proxy whose upstream refuses answers. The origin's files are ROOT's (serve_http.py's rules). Each request is logged
to ACCESS_LOG as "METHOD TARGET STATUS".

    proxy_http.py ORIGIN ROOT DOWN_FLAG ACCESS_LOG
"""

import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_http import read_request, reply, respond  # noqa: E402


def log(access_log, line):
    with open(access_log, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def main() -> int:
    origin, root, down_flag, access_log = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3], sys.argv[4]
    reader = sys.stdin.buffer
    writer = sys.stdout.buffer
    while True:
        request = read_request(reader)
        if request is None:
            return 0
        method, target, headers = request
        if method == "CONNECT":
            host = target
        else:
            parts = urllib.parse.urlsplit(target)
            host = f"{parts.hostname}:{parts.port or 80}" if parts.scheme == "http" and parts.hostname else ""
        if host != origin:
            log(access_log, f"{method} {target} 403")
            reply(writer, "403 Forbidden", b"not an allowed destination\n", close=True)
            return 0
        if os.path.exists(down_flag):
            log(access_log, f"{method} {target} 502")
            reply(writer, "502 Bad Gateway", b"the origin refused the connection\n", close=True)
            return 0
        if method == "CONNECT":
            log(access_log, f"CONNECT {target} 200")
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            writer.flush()
            # The tunnel: the origin's own requests, in origin form, until the client closes.
            while True:
                inner = read_request(reader)
                if inner is None or respond(*inner, root, writer, access_log):
                    return 0
        if respond(method, target, headers, root, writer, access_log):
            return 0


if __name__ == "__main__":
    sys.exit(main())
