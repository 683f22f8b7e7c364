#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# New-connection benchmark: a one-reply TCP server, and a client that connects, asks, reads, closes.
#
#   tcpconn.py serve ADDR PORT                  (in the "internet" namespace)
#   tcpconn.py client ADDR PORT SECONDS MAX     (in the container namespace; prints one JSON object)
#
# The client is sequential: one connection at a time, so the rate is what one
# connecting program gets, and the connect latency is the helper's own cost
# (SYN in, host socket connected, SYN-ACK out). The first 20 connections warm
# up and are not counted. Addresses are the test topology's; nothing else is reached.
import json
import socket
import sys
import time

REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
REQUEST = b"GET / HTTP/1.0\r\n\r\n"


def serve(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1024)
    while True:
        c, _ = s.accept()
        try:
            c.settimeout(5)
            c.recv(4096)
            c.sendall(REPLY)
        except OSError:
            pass
        c.close()


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def client(addr, port, seconds, max_conns):
    lat = []
    errors = 0
    n = 0
    warm = 20
    t_start = None
    deadline = time.monotonic() + seconds + 5
    while True:
        now = time.monotonic()
        if n == warm:
            t_start = now
            deadline = now + seconds
        if n >= warm and (now >= deadline or n - warm >= max_conns):
            break
        if now >= deadline:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            t0 = time.perf_counter()
            s.connect((addr, port))
            t1 = time.perf_counter()
            s.sendall(REQUEST)
            while s.recv(4096):
                pass
            if n >= warm:
                lat.append((t1 - t0) * 1000.0)
        except OSError:
            errors += 1
        finally:
            s.close()
        n += 1
    elapsed = time.monotonic() - (t_start or time.monotonic())
    lat.sort()
    out = {
        "connections": len(lat),
        "errors": errors,
        "seconds": round(elapsed, 3),
        "rate": round(len(lat) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(pct(lat, 50), 4) if lat else None,
        "p99_ms": round(pct(lat, 99), 4) if lat else None,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 6 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit("usage: tcpconn.py serve ADDR PORT | client ADDR PORT SECONDS MAX")
