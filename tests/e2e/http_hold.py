#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Holds TCP connections open to an HTTP server, as idle or slow clients do.

From --local, opens one slow client first (it sends a GET one byte a second
and never ends its header), then --idle connections that send nothing. Every
half second it appends a JSON line to --status: seconds since start, how
many idle connections the server has not closed yet, and whether the slow
one is still open. Stops after --seconds, or on SIGTERM, closing everything.
"""
import argparse
import json
import resource
import select
import signal
import socket
import sys
import time

SLOW_REQUEST = b"GET /metrics HTTP/1.1\r\nHost: sipxdp\r\nUser-Agent: " + b"s" * 4096


def connect(server, port, local):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((local, 0))
    s.settimeout(2)
    try:
        s.connect((server, port))
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


def closed_by_server(s):
    """True once the server closed s (EOF or reset)."""
    readable, _, _ = select.select([s], [], [], 0)
    if not readable:
        return False
    try:
        return s.recv(65536) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--local", required=True)
    p.add_argument("--idle", type=int, default=120)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--status", required=True)
    a = p.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # a thousand sockets need more than the usual 1024 descriptors' soft limit
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    start = time.monotonic()
    slow = connect(a.server, a.port, a.local)
    idle = [c for c in (connect(a.server, a.port, a.local) for _ in range(a.idle)) if c]
    open_idle = {id(c): c for c in idle}
    slow_open, sent, next_byte, next_report = slow is not None, 0, start, start
    with open(a.status, "a", buffering=1) as status:
        status.write(json.dumps({"t": 0, "connected": len(idle), "idle_open": len(idle),
                                 "slow_open": slow_open}) + "\n")
        while time.monotonic() - start < a.seconds:
            now = time.monotonic()
            if slow_open and now >= next_byte:
                try:
                    slow.send(SLOW_REQUEST[sent % len(SLOW_REQUEST):][:1])
                    sent += 1
                except OSError:
                    slow_open = False
                next_byte += 1
            if slow_open and closed_by_server(slow):
                slow_open = False
            for key, c in list(open_idle.items()):
                if closed_by_server(c):
                    del open_idle[key]
            if now >= next_report:
                status.write(json.dumps({"t": round(now - start, 1), "idle_open": len(open_idle),
                                         "slow_open": slow_open, "slow_bytes": sent}) + "\n")
                next_report += 0.5
            time.sleep(0.05)


if __name__ == "__main__":
    main()
