#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Small, timed network probes and log queries for the policy integration tests.

Run inside a test namespace (ip netns exec NS python3 netprobe.py ...).
Every probe prints one line "RESULT MILLISECONDS [DETAIL]" where RESULT is
"ok", an errno name (ECONNREFUSED, EHOSTUNREACH, EACCES, ...) or "timeout";
the exit status is 0 whatever the result, so the caller judges it.

  tcp  ADDR PORT [--timeout S] [--send TEXT]   connect (and send TEXT, read the reply to EOF)
  udp  ADDR PORT [--timeout S] (--send TEXT | --dns NAME)
                                               connected UDP: send, wait for a reply or an ICMP error
  tcpdns ADDR PORT NAME [--timeout S]          a DNS query over TCP (length-prefixed)
  hold ADDR PORT [--interval S] [--duration S] [--udp]
                                               one TCP connection (or connected UDP socket) to an
                                               echo server, one line round trip per interval;
                                               prints "connected SPORT", "echo N" per round trip,
                                               and "error ERRNO" / "eof" when it ends
  audit LOG KEY=VALUE...                       prints how many JSON lines of LOG have every
                                               KEY equal to VALUE (compared as text)
  json PATH                                    reads one JSON document on stdin, prints the value
                                               at the dotted PATH (e.g. return.drops.fragment)
"""
import argparse
import errno
import json
import os
import socket
import struct
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def sockaddr(addr, port):
    """(addr, port), or for "ADDR%IFNAME" the 4-tuple with the interface's scope id."""
    if "%" in addr:
        host, _, ifname = addr.partition("%")
        return (host, port, 0, socket.if_nametoindex(ifname))
    return (addr, port)


def err_name(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    if isinstance(e, OSError) and e.errno is not None:
        return errno.errorcode.get(e.errno, str(e.errno))
    return type(e).__name__


def ms_since(t0):
    return (time.monotonic() - t0) * 1000.0


def dns_query(name, qtype=1):
    """A standard query for NAME (type A by default), recursion desired."""
    qid = os.getpid() & 0xFFFF
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q = b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split("."))
    return header + q + b"\x00" + struct.pack("!HH", qtype, 1)


def cmd_tcp(a):
    s = socket.socket(family_of(a.addr), socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    t0 = time.monotonic()
    try:
        s.connect(sockaddr(a.addr, a.port))
    except OSError as e:
        print(f"{err_name(e)} {ms_since(t0):.1f}")
        return
    if a.send is None:
        print(f"ok {ms_since(t0):.1f}")
        s.close()
        return
    try:
        s.sendall(a.send.encode())
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        print(f"ok {ms_since(t0):.1f} {data.decode(errors='replace').strip()}")
    except OSError as e:
        print(f"{err_name(e)} {ms_since(t0):.1f}")


def cmd_udp(a):
    s = socket.socket(family_of(a.addr), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    payload = dns_query(a.dns) if a.dns else a.send.encode()
    t0 = time.monotonic()
    try:
        s.connect(sockaddr(a.addr, a.port))
        s.send(payload)
        data = s.recv(65536)
    except OSError as e:
        print(f"{err_name(e)} {ms_since(t0):.1f}")
        return
    detail = data.hex() if a.dns else data.decode(errors="replace").strip()
    print(f"ok {ms_since(t0):.1f} {detail}")


def cmd_tcpdns(a):
    s = socket.socket(family_of(a.addr), socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    q = dns_query(a.name)
    t0 = time.monotonic()
    try:
        s.connect(sockaddr(a.addr, a.port))
        s.sendall(struct.pack("!H", len(q)) + q)
        data = s.recv(65536)
    except OSError as e:
        print(f"{err_name(e)} {ms_since(t0):.1f}")
        return
    print(f"ok {ms_since(t0):.1f} {data.hex()}")


def cmd_hold(a):
    kind = socket.SOCK_DGRAM if a.udp else socket.SOCK_STREAM
    s = socket.socket(family_of(a.addr), kind)
    s.settimeout(2)
    try:
        s.connect(sockaddr(a.addr, a.port))
    except OSError as e:
        print(f"error {err_name(e)}", flush=True)
        return
    print(f"connected {s.getsockname()[1]}", flush=True)
    deadline = time.monotonic() + a.duration
    n = 0
    while time.monotonic() < deadline:
        n += 1
        line = f"round-{n}\n".encode()
        try:
            s.sendall(line)
            got = b""
            while not got.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    print("eof", flush=True)
                    return
                got += chunk
        except OSError as e:
            print(f"error {err_name(e)}", flush=True)
            return
        if got != line:
            print(f"mismatch {got!r}", flush=True)
            return
        print(f"echo {n}", flush=True)
        time.sleep(a.interval)
    print("done", flush=True)


def cmd_audit(a):
    want = []
    for kv in a.match:
        k, _, v = kv.partition("=")
        want.append((k, v))
    n = 0
    try:
        f = open(a.log, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        print(0)
        return
    with f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if all(k in rec and str(rec[k]) == v for k, v in want):
                n += 1
    print(n)


def cmd_json(a):
    d = json.load(sys.stdin)
    for part in a.path.split("."):
        d = d[int(part)] if isinstance(d, list) else d[part]
    print(json.dumps(d) if isinstance(d, (dict, list)) else d)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tcp")
    t.add_argument("addr")
    t.add_argument("port", type=int)
    t.add_argument("--timeout", type=float, default=3)
    t.add_argument("--send")
    u = sub.add_parser("udp")
    u.add_argument("addr")
    u.add_argument("port", type=int)
    u.add_argument("--timeout", type=float, default=2)
    g = u.add_mutually_exclusive_group(required=True)
    g.add_argument("--send")
    g.add_argument("--dns")
    td = sub.add_parser("tcpdns")
    td.add_argument("addr")
    td.add_argument("port", type=int)
    td.add_argument("name")
    td.add_argument("--timeout", type=float, default=3)
    h = sub.add_parser("hold")
    h.add_argument("addr")
    h.add_argument("port", type=int)
    h.add_argument("--interval", type=float, default=0.2)
    h.add_argument("--duration", type=float, default=30)
    h.add_argument("--udp", action="store_true")
    au = sub.add_parser("audit")
    au.add_argument("log")
    au.add_argument("match", nargs="*")
    j = sub.add_parser("json")
    j.add_argument("path")
    a = p.parse_args()
    {"tcp": cmd_tcp, "udp": cmd_udp, "tcpdns": cmd_tcpdns, "hold": cmd_hold, "audit": cmd_audit,
     "json": cmd_json}[a.cmd](a)


if __name__ == "__main__":
    main()
