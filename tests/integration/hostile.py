#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile containers and faulty servers for the test-hostile-*.sh and test-fault-*.sh tests.

Run inside a test namespace (ip netns exec NS python3 hostile.py ...). Every
command is bounded in packets and in time and stops by itself; none sends
anything but to the address it is given (the container's tap, the test's
documentation addresses, a Unix socket of the test).

Frames (container namespace, root, AF_PACKET on the tap; IPv4 and IPv6 checksums
computed unless a kind breaks them on purpose):
  frames --gw-mac MAC KIND [--count N] [--seconds S] [--rate PER_S] [--dst ADDR] [--dport N] [--sport N]
         [--last-dport N]         (then one frame more, at once, to port N)
      syn-denied / syn-allowed   TCP SYNs from random source ports (one new flow each; --sport: one flow)
      udp                        UDP datagrams from random source ports (or --sport)
      dns-random                 DNS queries for random names --prefix...--suffix (to --dst, port 53)
      arp                        ARP requests for the gateway, DNS and random addresses, from random
                                 MACs and addresses 10.0.2.150-249 (never the container's own)
      nd                         IPv6 neighbour and router solicitations (hop limit 255)
      max                        frames of the MTU (IPv4/UDP, 65520 bytes of IP) to --dst
      min                        short frames: every length from 0 to 60 bytes, random contents (the
                                 kernel refuses those under an Ethernet header: "refused")
      bad-csum                   UDP and TCP with wrong L4 checksums, IPv4 with a wrong header checksum
      bad-len                    IPv4/UDP/IPv6 length fields that disagree with the frame
    prints "sent N refused R in S s" (frames the kernel took / refused) when done.

Servers (internet namespace):
  reset-server --bind ADDR --port P --bytes N [--mode download|upload] [--seconds S]
      each connection: send N bytes (download) or read N bytes (upload), then RST (SO_LINGER 0)
  hold-server --bind ADDR --port P [--seconds S]
      accepts and holds every connection, echoes what it reads; "listening" once up
  dns-server --bind ADDR [--forge-from ADDR] [--seconds S] [--log FILE]
      a faulty DNS upstream (--log: every datagram received, in hex, one a line, as it came);
      the behaviour depends on the first label of the question:
        slow-*      the right answer after 3 s
        garbage-*   random bytes, then replies with a wrong id, with the wrong question, without
                    the QR bit, with counts that overrun the message; never the right answer
        stray-*     the right id and question, but the one A record is owned by another name
        mixed-*     the garbage above, then the right answer
        forged-*    a "right" answer (right id and question) from --forge-from, and the same from
                    the right address but the wrong port; then the right answer 0.3 s later
        forgedonly-*  only the forgeries, never the right answer
        silent-*    nothing
        random-*    an address picked at random from 192.0.2.0/24 and 198.51.100.0/24 (not .1, .254)
        wide-*      AAAA: 64 addresses never answered before (2001:db8:f000::/36, counting up), TTL
                    3600, in one datagram whatever the EDNS size (A: the right answer); not logged
        anything else: the right answer
      the right answer is 203.0.113.10; every forged or garbage answer says 203.0.113.66.

  dns-load ADDR [--prefix P] [--suffix S] [--qtype 28] [--count N] [--window W] [--seconds S]
      N queries (EDNS, 4096 bytes) for names P<random>.S to ADDR port 53, W outstanding at once,
      each waited for 2 s at most; prints "dns answered=A of N timeouts=T records=R
      p50_ms=.. p99_ms=.. max_ms=.. seconds=.. qps=.." (records: answer records received)

Signals (anywhere):
  storm PID [--count 200] [--seconds 2] [--target FILE --files F1 F2 ... [--last F]]
      COUNT SIGHUPs spread evenly over SECONDS; with --files, each one preceded by an atomic
      rename of the next of F1 F2 ... over FILE (and --last renamed over it at the end)

Clients (container namespace):
  reset-client ADDR PORT [--mode download|upload] [--timeout S]
      prints "eof N MS", "ECONNRESET N MS" (N bytes moved before the end) or "timeout N MS"
  slow-get ADDR PATH --size N [--seconds S] --out FILE
      HTTP/1.0 GET of PATH on ADDR port 80, read slowly enough to last S seconds for N bytes;
      prints "ok BYTES MS STATUS-LINE" (the body in FILE) or "ERRNO BYTES MS"
  connect-loop ADDR:PORT... [--interval S] [--seconds S] [--stop FILE]
      TCP connects to each target in turn every S seconds until the time is up or FILE exists;
      prints "ADDR:PORT RESULT=COUNT ..." per target
  http-loop ADDR [--interval S] [--seconds S] [--stop FILE] [--timeout S] [--min-ok N]
      GET / on ADDR port 80 every S seconds; prints "http ok=N errors=E ... max_ms=M median_ms=D"
  udp-hold ADDR PORT [--interval S] [--duration S] [--stop FILE]
      one UDP flow to an echo server, a datagram every S s; prints "udp sent=N replies=R lost=L
      errors=E ... longest_gap_s=G" at the end (UDP may lose datagrams; errors are ICMP refusals)
  tcp-hold ADDR PORT [--interval S] [--duration S] [--timeout S] [--stop FILE]
      one TCP connection to an echo server, a line every S s, each echo within --timeout; prints
      "tcp sent=N echoed=E errors=X ... longest_rtt_s=R" at the end
  many ADDR PORT N [--hold-file F] [--timeout S]
      opens N connections (raising its own RLIMIT_NOFILE), then one more; sends one byte on
      each of the N and reads it back; prints "connected C failed F", "extra RESULT MS",
      "echoed E of N lost L"; then, if --hold-file is given, waits until that file exists
      (at most --timeout) before closing them all
  api-silent PATH --n N --seconds S       N connections that send nothing, held S s
  api-burst PATH --n N                    N get_counters requests at once
  api-oversized PATH --n N --size B [--no-shut]   N requests of B bytes (past the 8 KiB limit)
  api-slow PATH --n N --byte-interval S   N get_counters requests, one byte every S s
      each prints a tally of how the clients ended: counters (a right get_counters reply),
      too-large (the "too large message" error), no-reply (closed without a word), unfinished
"""
import argparse
import errno
import os
import random
import resource
import select
import signal
import socket
import struct
import sys
import time


def err_name(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    if isinstance(e, OSError) and e.errno is not None:
        return errno.errorcode.get(e.errno, str(e.errno))
    return type(e).__name__


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def deadline_after(seconds):
    return time.monotonic() + seconds


# ---------------------------------------------------------------- frames

def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(src, dst, proto, payload, total=None, bad_csum=False):
    tl = 20 + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tl, random.randrange(1, 0xFFFF), 0, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(hdr) ^ (0x5555 if bad_csum else 0)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def l4_csum4(src, dst, proto, seg):
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg)


def l4_csum6(src, dst, proto, seg):
    pseudo = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) +
              struct.pack("!IxxxB", len(seg), proto))
    return csum(pseudo + seg)


def udp4(src, dst, sport, dport, data, bad_csum=False, ulen=None):
    length = 8 + len(data) if ulen is None else ulen
    seg = struct.pack("!HHHH", sport, dport, length, 0) + data
    c = (l4_csum4(src, dst, 17, seg) or 0xFFFF) ^ (0x5555 if bad_csum else 0)
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp4(src, dst, sport, dport, flags=0x02, bad_csum=False):
    seq = random.randrange(0, 1 << 32)
    opts = struct.pack("!BBH", 2, 4, 1460)
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 6 << 4, flags, 64240, 0, 0) + opts
    c = l4_csum4(src, dst, 6, seg) ^ (0x5555 if bad_csum else 0)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ip6(src, dst, nxt, payload, hlim=64, plen=None):
    pl = len(payload) if plen is None else plen
    return (struct.pack("!IHBB", 6 << 28, pl, nxt, hlim) + socket.inet_pton(socket.AF_INET6, src) +
            socket.inet_pton(socket.AF_INET6, dst) + payload)


def icmp6(src, dst, typ, body):
    msg = struct.pack("!BBH", typ, 0, 0) + body
    c = l4_csum6(src, dst, 58, msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def dns_query_edns(name, qtype, qid):
    q = encode_name(name) + struct.pack("!HH", qtype, 1)
    opt = b"\x00" + struct.pack("!HHIH", 41, 4096, 0, 0)
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1) + q + opt


def dns_query(name, qid=None):
    qid = random.randrange(0, 0x10000) if qid is None else qid
    q = b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split("."))
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + b"\x00" + struct.pack("!HH", 1, 1)


def rand_label(n=12):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def frame_gen(a, own_mac):
    """Yields the frames of kind a.kind, forever (the caller bounds it). Source ports are random
    (a new flow each) unless --sport fixes one (one flow)."""
    gw = mac_bytes(a.gw_mac)
    eth4 = gw + own_mac + b"\x08\x00"
    src = a.src

    def sp():
        return a.sport or random.randrange(1024, 65536)
    if a.kind in ("syn-denied", "syn-allowed"):
        while True:
            yield eth4 + ip4(src, a.dst, 6, tcp4(src, a.dst, sp(), a.dport))
    elif a.kind == "udp":
        while True:
            yield eth4 + ip4(src, a.dst, 17, udp4(src, a.dst, sp(), a.dport, b"flood"))
    elif a.kind == "dns-random":
        while True:
            name = f"{a.prefix}{rand_label()}.{a.suffix}"
            yield eth4 + ip4(src, a.dst, 17, udp4(src, a.dst, sp(), 53, dns_query(name)))
    elif a.kind == "arp":
        while True:
            # from made-up neighbours (not the container's own address: that would only
            # mislead libslirp about the container itself), asking for the gateway, the DNS
            # address, other neighbours and addresses off the link
            smac = bytes([0x02] + [random.randrange(256) for _ in range(5)])
            target = socket.inet_aton(random.choice(["10.0.2.2", "10.0.2.3", f"10.0.2.{random.randrange(1, 255)}",
                                                     f"203.0.113.{random.randrange(1, 255)}"]))
            sip = socket.inet_aton(f"10.0.2.{random.randrange(150, 250)}")
            arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, smac, sip, b"\x00" * 6, target)
            yield b"\xff" * 6 + smac + b"\x08\x06" + arp
    elif a.kind == "nd":
        lladdr = "fe80::" + ":".join(f"{random.randrange(0x10000):x}" for _ in range(4))
        eth6 = b"\x33\x33\xff\x00\x00\x02" + own_mac + b"\x86\xdd"
        while True:
            if random.random() < 0.2:
                body = struct.pack("!I", 0) + struct.pack("!BB6s", 1, 1, own_mac)  # RS with source lladdr
                yield eth6 + ip6(lladdr, "ff02::2", 58, icmp6(lladdr, "ff02::2", 133, body), hlim=255)
            else:
                tgt = "fd00::" + ":".join(f"{random.randrange(0x10000):x}" for _ in range(4))
                if random.random() < 0.3:
                    tgt = "fd00::2"
                smac = bytes([0x02] + [random.randrange(256) for _ in range(5)])
                body = struct.pack("!I", 0) + socket.inet_pton(socket.AF_INET6, tgt) + struct.pack("!BB6s", 1, 1, smac)
                yield eth6 + ip6(lladdr, "ff02::1:ff00:2", 58, icmp6(lladdr, "ff02::1:ff00:2", 135, body), hlim=255)
    elif a.kind == "max":
        data = os.urandom(a.mtu - 20 - 8)
        while True:
            yield eth4 + ip4(src, a.dst, 17, udp4(src, a.dst, a.sport or 40000, a.dport, data))
    elif a.kind == "min":
        while True:
            for n in range(0, 61):
                yield gw[:n] + os.urandom(max(0, n - 6)) if n <= 14 else eth4 + os.urandom(n - 14)
    elif a.kind == "bad-csum":
        while True:
            r = random.randrange(3)
            sport = sp()
            if r == 0:
                yield eth4 + ip4(src, a.dst, 17, udp4(src, a.dst, sport, a.dport, b"bad-udp", bad_csum=True))
            elif r == 1:
                yield eth4 + ip4(src, a.dst, 6, tcp4(src, a.dst, sport, a.dport, bad_csum=True))
            else:
                yield eth4 + ip4(src, a.dst, 17, udp4(src, a.dst, sport, a.dport, b"bad-ip"), bad_csum=True)
    elif a.kind == "bad-len":
        eth6 = gw + own_mac + b"\x86\xdd"
        while True:
            r = random.randrange(5)
            sport = sp()
            seg = udp4(src, a.dst, sport, a.dport, b"bad-length")
            if r == 0:    # IP total length beyond the frame
                yield eth4 + ip4(src, a.dst, 17, seg, total=20 + len(seg) + 100)
            elif r == 1:  # IP total length shorter than its header
                yield eth4 + ip4(src, a.dst, 17, seg, total=12)
            elif r == 2:  # UDP length beyond the IP packet
                yield eth4 + ip4(src, a.dst, 17, udp4(src, a.dst, sport, a.dport, b"bad-length", ulen=400))
            elif r == 3:  # UDP length below its header
                yield eth4 + ip4(src, a.dst, 17, udp4(src, a.dst, sport, a.dport, b"bad-length", ulen=3))
            else:         # IPv6 payload length beyond the frame
                yield eth6 + ip6("fd00::1234", "2001:db8::99", 17, seg, plen=len(seg) + 500)
    else:
        raise SystemExit(f"unknown kind {a.kind}")


def cmd_frames(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.ifname, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    own_mac = s.getsockname()[4]
    sent = refused = 0
    end = deadline_after(a.seconds)
    gen = frame_gen(a, own_mac)
    pace = a.rate and 1.0 / a.rate
    t0 = time.monotonic()
    for i in range(a.count):
        if time.monotonic() >= end:
            break
        f = next(gen)
        try:
            s.send(f)
            sent += 1
        except OSError as e:
            refused += 1
            if e.errno in (errno.ENOBUFS, errno.EAGAIN):
                time.sleep(0.001)
            elif e.errno not in (errno.EINVAL, errno.EMSGSIZE):
                raise
        if pace:
            due = t0 + (i + 1) * pace
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
    if a.last_dport:
        # one more frame of the same kind right behind the others, to --last-dport
        a.dport = a.last_dport
        for _ in range(100):
            try:
                s.send(next(frame_gen(a, own_mac)))
                sent += 1
                break
            except OSError as e:
                if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                    raise
                time.sleep(0.001)
    print(f"sent {sent} refused {refused} in {time.monotonic() - t0:.1f} s", flush=True)


# ---------------------------------------------------------------- servers

def listener(bind, port, backlog=4096):
    fam = socket.AF_INET6 if ":" in bind else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(backlog)
    s.setblocking(False)
    return s


def rst_close(c):
    try:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    c.close()


def cmd_reset_server(a):
    ls = listener(a.bind, a.port, 64)
    print("listening", flush=True)
    end = deadline_after(a.seconds)
    conns = {}  # fd -> [sock, bytes moved]
    chunk = b"r" * 65536
    while time.monotonic() < end:
        rl = [ls] + [c for c, _ in conns.values()] if a.mode == "upload" else [ls]
        wl = [c for c, _ in conns.values()] if a.mode == "download" else []
        r, w, _ = select.select(rl, wl, [], 0.5)
        if ls in r:
            try:
                c, _ = ls.accept()
                c.setblocking(False)
                conns[c.fileno()] = [c, 0]
            except OSError:
                pass
        for c in [x for x in r if x is not ls] + w:
            st = conns.get(c.fileno())
            if st is None:
                continue
            try:
                if a.mode == "download":
                    n = c.send(chunk[:max(1, min(len(chunk), a.bytes - st[1]))])
                else:
                    n = len(c.recv(65536))
                    if n == 0:
                        raise OSError(errno.ECONNRESET, "eof")
            except OSError:
                del conns[c.fileno()]
                c.close()
                continue
            st[1] += n
            if st[1] >= a.bytes:
                del conns[c.fileno()]
                print(f"reset after {st[1]}", flush=True)
                rst_close(c)


def cmd_hold_server(a):
    raise_nofile()
    ls = listener(a.bind, a.port)
    ep = select.epoll()
    ep.register(ls.fileno(), select.EPOLLIN)
    conns = {}
    print("listening", flush=True)
    end = deadline_after(a.seconds)
    while time.monotonic() < end:
        for fd, ev in ep.poll(0.5):
            if fd == ls.fileno():
                while True:
                    try:
                        c, _ = ls.accept()
                    except OSError:
                        break
                    c.setblocking(False)
                    conns[c.fileno()] = c
                    ep.register(c.fileno(), select.EPOLLIN)
                continue
            c = conns.get(fd)
            if c is None:
                continue
            try:
                data = c.recv(4096)
            except OSError:
                data = b""
            if data:
                try:
                    c.send(data)
                except OSError:
                    pass
            else:
                ep.unregister(fd)
                del conns[fd]
                c.close()


# ---------------------------------------------------------------- DNS upstream

def dns_parse_question(msg):
    """(id, qname labels lower-case, question bytes) or None."""
    if len(msg) < 12:
        return None
    qid, _, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1:
        return None
    i, labels = 12, []
    while i < len(msg) and msg[i] != 0:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode(errors="replace").lower())
        i += 1 + n
    if i + 5 > len(msg):
        return None
    return qid, labels, msg[12:i + 5]


def encode_name(name):
    return b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\x00"


def dns_reply(qid, question, addr, owner=None, flags=0x8180):
    """A reply to @question: one A record (pointer to the question's name unless @owner is given)."""
    qtype = struct.unpack("!H", question[-4:-2])[0]
    rr = b""
    if qtype == 1:
        name = encode_name(owner) if owner else b"\xc0\x0c"
        rr = name + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    return struct.pack("!HHHHHH", qid, flags, 1, 1 if rr else 0, 0, 0) + question + rr


def udp_from(addr, port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    return s


def cmd_dns_server(a):
    s = udp_from(a.bind, 53)
    forger = udp_from(a.forge_from) if a.forge_from else None
    wrong_port = udp_from(a.bind, 5353)
    later = []  # (due, sock, data, peer)
    print("listening", flush=True)
    end = deadline_after(a.seconds)
    good, bad = "203.0.113.10", "203.0.113.66"
    wide_next = 0
    while time.monotonic() < end:
        now = time.monotonic()
        timeout = 0.2
        if later:
            timeout = max(0.0, min(timeout, min(x[0] for x in later) - now))
        r, _, _ = select.select([s], [], [], timeout)
        now = time.monotonic()
        for item in [x for x in later if x[0] <= now]:
            later.remove(item)
            try:
                item[1].sendto(item[2], item[3])
                print(f"{now:.3f} sent a delayed reply", flush=True)
            except OSError as e:
                print(f"{now:.3f} delayed reply: {e}", flush=True)
        if not r:
            continue
        try:
            msg, peer = s.recvfrom(4096)
        except OSError:
            continue
        if a.log:
            with open(a.log, "a") as f:
                f.write(msg.hex() + "\n")
        q = dns_parse_question(msg)
        if q is None:
            continue
        qid, labels, question = q
        kind = labels[0].split("-")[0] if labels else ""
        name = ".".join(labels)
        if kind == "wide" and struct.unpack("!H", question[-4:-2])[0] == 28:
            rrs = b""
            for _ in range(64):
                addr = bytes([0x20, 0x01, 0x0d, 0xb8, 0xf0, 0, 0, 0]) + struct.pack("!Q", wide_next)
                wide_next += 1
                rrs += b"\xc0\x0c" + struct.pack("!HHIH", 28, 1, 3600, 16) + addr
            s.sendto(struct.pack("!HHHHHH", qid, 0x8180, 1, 64, 0, 0) + question + rrs, peer)
            continue
        print(f"{time.monotonic():.3f} query {name} id {qid} from {peer[0]}:{peer[1]}", flush=True)
        right = dns_reply(qid, question, good)
        garbage = [
            os.urandom(random.randrange(1, 80)),
            dns_reply((qid + 1) & 0xFFFF, question, bad),                            # wrong id
            dns_reply(qid, encode_name("other.example") + question[-4:], bad),     # wrong question
            dns_reply(qid, question, bad, flags=0x0100),                            # not a response
            struct.pack("!HHHHHH", qid, 0x8180, 1, 40, 0, 0) + question,            # counts lie
        ]
        if kind == "slow":
            later.append((now + 3.0, s, right, peer))
        elif kind in ("garbage", "mixed"):
            for g in garbage:
                s.sendto(g, peer)
            if kind == "mixed":
                later.append((now + 0.2, s, right, peer))
        elif kind == "stray":
            s.sendto(dns_reply(qid, question, bad, owner="other.example"), peer)
        elif kind in ("forged", "forgedonly"):
            forged = dns_reply(qid, question, bad)
            if forger is not None:
                forger.sendto(forged, peer)
            wrong_port.sendto(forged, peer)
            if kind == "forged":
                later.append((now + 0.3, s, right, peer))
        elif kind == "silent":
            pass
        elif kind == "random":
            # (not 203.0.113.0/24, where the test servers are, nor 198.51.100.1 and .254)
            octets = random.choice(["198.51.100", "192.0.2"])
            s.sendto(dns_reply(qid, question, f"{octets}.{random.randrange(2, 254)}"), peer)
        else:
            s.sendto(right, peer)


# ---------------------------------------------------------------- clients

def cmd_dns_load(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.connect((a.addr, 53))
    out = {}  # id -> sent at
    lat, answered, timeouts, records, sent = [], 0, 0, 0, 0
    t0 = time.monotonic()
    end = t0 + a.seconds
    while (sent < a.count or out) and time.monotonic() < end:
        now = time.monotonic()
        while sent < a.count and len(out) < a.window:
            qid = random.randrange(65536)
            if qid in out:
                continue
            out[qid] = now
            s.send(dns_query_edns(f"{a.prefix}{rand_label(16)}.{a.suffix}", a.qtype, qid))
            sent += 1
        for qid in [q for q, t in out.items() if now - t > 2.0]:
            del out[qid]
            timeouts += 1
        r, _, _ = select.select([s], [], [], 0.05)
        if not r:
            continue
        while True:
            try:
                msg = s.recv(65536, socket.MSG_DONTWAIT)
            except (BlockingIOError, ConnectionRefusedError):
                break
            if len(msg) < 12:
                continue
            qid, _, _, an = struct.unpack("!HHHH", msg[:8])
            t = out.pop(qid, None)
            if t is None:
                continue
            answered += 1
            records += an
            lat.append((time.monotonic() - t) * 1000)
    timeouts += len(out)
    secs = time.monotonic() - t0
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0.0
    print(f"dns answered={answered} of {sent} timeouts={timeouts} records={records} "
          f"p50_ms={pct(0.5):.1f} p99_ms={pct(0.99):.1f} max_ms={(lat[-1] if lat else 0):.1f} "
          f"seconds={secs:.1f} qps={answered / secs if secs > 0 else 0:.0f}", flush=True)


def cmd_reset_client(a):
    s = socket.create_connection((a.addr, a.port), timeout=a.timeout)
    s.settimeout(a.timeout)
    t0 = time.monotonic()
    moved = 0
    try:
        if a.mode == "download":
            while True:
                d = s.recv(65536)
                if not d:
                    print(f"eof {moved} {(time.monotonic() - t0) * 1000:.0f}")
                    return
                moved += len(d)
        else:
            chunk = b"u" * 65536
            while True:
                moved += s.send(chunk)
    except OSError as e:
        print(f"{err_name(e)} {moved} {(time.monotonic() - t0) * 1000:.0f}")


def cmd_slow_get(a):
    """HTTP/1.0 GET of a.path from a.addr:80, read at a pace that spreads a.size bytes over
    a.seconds; the body goes to a.out. Prints "ok BYTES MS" or "ERROR BYTES MS"."""
    t0 = time.monotonic()
    s = socket.create_connection((a.addr, 80), timeout=10)
    s.settimeout(10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(f"GET {a.path} HTTP/1.0\r\nHost: {a.addr}\r\n\r\n".encode())
    data = bytearray()
    rate = a.size / a.seconds
    try:
        while True:
            d = s.recv(16384)
            if not d:
                break
            data += d
            ahead = len(data) / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    except OSError as e:
        print(f"{err_name(e)} {len(data)} {(time.monotonic() - t0) * 1000:.0f}", flush=True)
        return
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    with open(a.out, "wb") as f:
        f.write(body)
    status = head.split(b"\r\n")[0].decode(errors="replace")
    print(f"{'ok' if ' 200 ' in status else 'http-error'} {len(body)} {(time.monotonic() - t0) * 1000:.0f} {status}",
          flush=True)


def cmd_connect_loop(a):
    """TCP connects to each ADDR:PORT in turn every a.interval s for a.seconds (or until a.stop
    exists); prints one line per target: "ADDR:PORT RESULT=COUNT ..." (ok, ECONNREFUSED, ...)."""
    targets = []
    for t in a.targets:
        host, _, port = t.rpartition(":")
        targets.append((host.strip("[]"), int(port)))
    counts = [dict() for _ in targets]
    end = deadline_after(a.seconds)
    while time.monotonic() < end and not (a.stop and os.path.exists(a.stop)):
        for i, (host, port) in enumerate(targets):
            c = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
            c.settimeout(1)
            try:
                c.connect((host, port))
                r = "ok"
            except OSError as e:
                r = err_name(e)
            c.close()
            counts[i][r] = counts[i].get(r, 0) + 1
        time.sleep(a.interval)
    for (host, port), cnt in zip(targets, counts):
        print(f"{host}:{port} " + " ".join(f"{k}={v}" for k, v in sorted(cnt.items())), flush=True)


def cmd_http_loop(a):
    """GET / from a.addr port 80 every a.interval s until a.seconds pass or a.stop exists (and,
    with --min-ok N, N fetches have succeeded); prints "http ok=N errors=E max_ms=M median_ms=D"
    (E counts failures of any kind)."""
    end = deadline_after(a.seconds)
    times, errors = [], {}
    while time.monotonic() < end and not (a.stop and os.path.exists(a.stop) and len(times) >= a.min_ok):
        t0 = time.monotonic()
        try:
            s = socket.create_connection((a.addr, 80), timeout=a.timeout)
            s.settimeout(a.timeout)
            s.sendall(f"GET / HTTP/1.0\r\nHost: {a.addr}\r\n\r\n".encode())
            data = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
            s.close()
            if b" 200 " not in data.split(b"\r\n")[0]:
                raise OSError(errno.EPROTO, "not 200")
            times.append((time.monotonic() - t0) * 1000)
        except OSError as e:
            errors[err_name(e)] = errors.get(err_name(e), 0) + 1
        time.sleep(a.interval)
    times.sort()
    med = times[len(times) // 2] if times else 0
    print(f"http ok={len(times)} errors={sum(errors.values())} {fmt(errors)} max_ms={max(times or [0]):.0f} "
          f"median_ms={med:.1f}", flush=True)


def cmd_udp_hold(a):
    """One connected UDP socket to an echo server: a datagram every a.interval s for a.duration s
    (or until a.stop exists). UDP may lose a datagram under load; what must not happen is an
    ICMP error (the flow refused or cut) or a long silence. Prints, at the end,
    "udp sent=N replies=R lost=L errors=E longest_gap_s=G"."""
    s = socket.socket(socket.AF_INET6 if ":" in a.addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((a.addr, a.port))
    s.setblocking(False)
    end = deadline_after(a.duration)
    sent = replies = 0
    errors = {}
    last_reply = time.monotonic()
    gap = 0.0
    nxt = time.monotonic()
    while time.monotonic() < end and not (a.stop and os.path.exists(a.stop)):
        now = time.monotonic()
        if now >= nxt:
            try:
                s.send(f"udp-{sent}".encode())
                sent += 1
            except OSError as e:
                errors[err_name(e)] = errors.get(err_name(e), 0) + 1
            nxt += a.interval
        r, _, _ = select.select([s], [], [], max(0.0, nxt - time.monotonic()))
        if r:
            try:
                s.recv(4096)
                replies += 1
                now = time.monotonic()
                gap = max(gap, now - last_reply)
                last_reply = now
                if replies == 3:
                    print("replies 3", flush=True)
            except OSError as e:
                errors[err_name(e)] = errors.get(err_name(e), 0) + 1
    gap = max(gap, time.monotonic() - last_reply)
    print(f"udp sent={sent} replies={replies} lost={sent - replies} errors={sum(errors.values())} {fmt(errors)} "
          f"longest_gap_s={gap:.1f}", flush=True)


def cmd_tcp_hold(a):
    """One TCP connection to an echo server, a line every a.interval s until a.duration s pass or
    a.stop exists; each echo must come back whole within a.timeout s (TCP retransmits what the
    container's own queues drop under a flood; what must not happen is a reset, an EOF, a wrong
    echo or a stall). Prints "connected", "echo 3" once, and at the end
    "tcp sent=N echoed=E errors=X ... longest_rtt_s=R"."""
    s = socket.create_connection((a.addr, a.port), timeout=a.timeout)
    s.settimeout(a.timeout)
    print("connected", flush=True)
    end = deadline_after(a.duration)
    sent = echoed = 0
    errors = {}
    rtt = 0.0
    while time.monotonic() < end and not (a.stop and os.path.exists(a.stop)):
        line = f"tcp-{sent}\n".encode()
        t0 = time.monotonic()
        try:
            s.sendall(line)
            sent += 1
            got = b""
            while not got.endswith(b"\n"):
                d = s.recv(4096)
                if not d:
                    raise OSError(errno.EPIPE, "eof")
                got += d
            if got != line:
                raise OSError(errno.EPROTO, "mismatch")
        except OSError as e:
            errors[err_name(e)] = errors.get(err_name(e), 0) + 1
            break
        echoed += 1
        rtt = max(rtt, time.monotonic() - t0)
        if echoed == 3:
            print("echo 3", flush=True)
        time.sleep(a.interval)
    print(f"tcp sent={sent} echoed={echoed} errors={sum(errors.values())} {fmt(errors)} longest_rtt_s={rtt:.1f}",
          flush=True)


def cmd_many(a):
    hard = raise_nofile()
    if hard < a.n + 64:
        print(f"nofile {hard} is too low for {a.n} connections", flush=True)
        sys.exit(2)
    t0 = time.monotonic()
    end = deadline_after(a.timeout)
    socks, failed = [], {}
    ep = select.epoll()
    pending = {}
    batch = 256
    i = 0
    # at most `batch` connects in flight: the SYNs do not overrun the tap queue
    while (i < a.n or pending) and time.monotonic() < end:
        while i < a.n and len(pending) < batch:
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect((a.addr, a.port))
            except BlockingIOError:
                pass
            except OSError as e:
                failed[err_name(e)] = failed.get(err_name(e), 0) + 1
                c.close()
                i += 1
                continue
            pending[c.fileno()] = c
            ep.register(c.fileno(), select.EPOLLOUT)
            i += 1
        for fd, ev in ep.poll(0.5):
            c = pending.pop(fd)
            ep.unregister(fd)
            e = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e:
                name = errno.errorcode.get(e, str(e))
                failed[name] = failed.get(name, 0) + 1
                c.close()
            else:
                socks.append(c)
    for c in pending.values():
        failed["timeout"] = failed.get("timeout", 0) + 1
        c.close()
    print(f"connected {len(socks)} failed {sum(failed.values())} {failed} in {time.monotonic() - t0:.1f} s",
          flush=True)
    # the one past the bound
    x = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    x.settimeout(3)
    t1 = time.monotonic()
    try:
        x.connect((a.addr, a.port))
        print(f"extra ok {(time.monotonic() - t1) * 1000:.1f}", flush=True)
    except OSError as e:
        print(f"extra {err_name(e)} {(time.monotonic() - t1) * 1000:.1f}", flush=True)
    x.close()
    # one byte on each, read back: a connection the helper dropped does not answer
    t2 = time.monotonic()
    echoed = 0
    want = {}
    for k, c in enumerate(socks):
        b = bytes([65 + k % 26])
        try:
            c.send(b)
            want[c.fileno()] = (c, b)
            ep.register(c.fileno(), select.EPOLLIN)
        except OSError:
            pass
    end = deadline_after(min(a.timeout, 60))
    bad = {}
    while want and time.monotonic() < end:
        for fd, ev in ep.poll(0.5):
            c, b = want.pop(fd)
            ep.unregister(fd)
            try:
                got = c.recv(16)
            except OSError as e:
                got = err_name(e)
            if got == b:
                echoed += 1
            else:
                bad[str(got)[:20]] = bad.get(str(got)[:20], 0) + 1
    print(f"echoed {echoed} of {len(socks)} lost {len(socks) - echoed} {bad} in {time.monotonic() - t2:.1f} s",
          flush=True)
    if a.hold_file:
        end = deadline_after(a.timeout)
        while not os.path.exists(a.hold_file) and time.monotonic() < end:
            time.sleep(0.1)
    for c in socks:
        c.close()
    print("closed", flush=True)


def api_reply_kind(data):
    """What an API reply was: "counters", "too-large", "no-reply", or its first bytes."""
    if not data:
        return "no-reply"
    if data.startswith(b'{"return":{"frames"'):
        return "counters"
    if b"too large" in data:
        return "too-large"
    return data[:50].decode(errors="replace")


def unix_connect_nb(path):
    """A non-blocking connect: the socket, or None when the listener's backlog is full (EAGAIN)."""
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.setblocking(False)
    try:
        c.connect(path)
    except (BlockingIOError, InterruptedError):
        c.close()
        return None
    return c


def api_clients(a, payloads, byte_interval=0.0, shut=True):
    """Runs one client per payload against a.path at once (connects retried while the backlog is
    full, until a.seconds); each sends its payload (a byte per byte_interval s if given), shuts
    its write side if shut, and reads the reply to EOF. Returns {kind: count} and how many never
    got connected."""
    end = deadline_after(a.seconds)
    todo = list(range(len(payloads)))
    live = {}  # fd -> [sock, index, sent, got, next_byte_time]
    tally, unconnected = {}, 0
    while (todo or live) and time.monotonic() < end:
        while todo and len(live) < 256:
            c = unix_connect_nb(a.path)
            if c is None:
                break
            live[c.fileno()] = [c, todo.pop(0), 0, b"", 0.0]
        now = time.monotonic()
        wl, rl = [], []
        for st in live.values():
            p = payloads[st[1]]
            if st[2] < len(p):
                if now >= st[4]:
                    wl.append(st[0])
            rl.append(st[0])
        r, w, _ = select.select(rl, wl, [], 0.02)
        for c in w:
            st = live.get(c.fileno())
            if st is None:
                continue
            p = payloads[st[1]]
            n = 1 if byte_interval else 65536
            try:
                st[2] += c.send(p[st[2]:st[2] + n])
                st[4] = time.monotonic() + byte_interval
                if st[2] >= len(p) and shut:
                    c.shutdown(socket.SHUT_WR)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                st[2] = len(p)  # the helper closed its side: read what it said
        for c in r:
            st = live.get(c.fileno())
            if st is None:
                continue
            try:
                d = c.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            if d:
                st[3] += d
                continue
            k = api_reply_kind(st[3])
            tally[k] = tally.get(k, 0) + 1
            del live[c.fileno()]
            c.close()
    for st in live.values():
        tally["unfinished"] = tally.get("unfinished", 0) + 1
        st[0].close()
    unconnected = len(todo)
    return tally, unconnected


def fmt(tally):
    return " ".join(f"{k}={v}" for k, v in sorted(tally.items())) or "-"


def cmd_api_silent(a):
    """a.n connections that never send a byte, held a.seconds: how many the listener took (the
    rest found its backlog full), and how many the helper closed by the end (its deadline)."""
    raise_nofile()
    socks, full = [], 0
    for _ in range(a.n):
        c = unix_connect_nb(a.path)
        if c is None:
            full += 1
        else:
            socks.append(c)
    print(f"silent: connected {len(socks)} backlog-full {full}", flush=True)
    time.sleep(a.seconds)
    closed = 0
    for c in socks:
        try:
            if c.recv(1) == b"":
                closed += 1
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            closed += 1
        c.close()
    print(f"silent: closed by the helper {closed} of {len(socks)} after {a.seconds:.0f} s", flush=True)


def cmd_api_burst(a):
    """a.n well-formed get_counters requests at once."""
    raise_nofile()
    t0 = time.monotonic()
    tally, unconnected = api_clients(a, [b'{"execute":"get_counters"}'] * a.n)
    print(f"burst: {fmt(tally)} unconnected={unconnected} in {time.monotonic() - t0:.1f} s", flush=True)


def cmd_api_oversized(a):
    """a.n requests of a.size bytes at once (a valid request padded past the 8 KiB limit); with
    --no-shut the clients keep their write side open (a request that never ends)."""
    raise_nofile()
    big = b'{"execute":"get_counters","pad":"' + b"x" * a.size + b'"}'
    t0 = time.monotonic()
    tally, unconnected = api_clients(a, [big] * a.n, shut=not a.no_shut)
    print(f"oversized: {fmt(tally)} unconnected={unconnected} in {time.monotonic() - t0:.1f} s", flush=True)


def cmd_api_slow(a):
    """a.n get_counters requests sent one byte every a.byte_interval s, at once."""
    t0 = time.monotonic()
    tally, unconnected = api_clients(a, [b'{"execute":"get_counters"}'] * a.n, byte_interval=a.byte_interval)
    print(f"slow: {fmt(tally)} unconnected={unconnected} in {time.monotonic() - t0:.1f} s", flush=True)


def cmd_storm(a):
    """SIGHUPs to a.pid, a.count of them evenly over a.seconds; with --files, before each one the
    next of those files is copied over --target by an atomic rename (as an editor saves)."""
    variants = [open(f, "rb").read() for f in a.files] if a.files else []
    t0 = time.monotonic()
    sent = 0
    for i in range(a.count):
        if variants:
            tmp = a.target + ".storm"
            with open(tmp, "wb") as f:
                f.write(variants[i % len(variants)])
            os.rename(tmp, a.target)
        try:
            os.kill(a.pid, signal.SIGHUP)
        except ProcessLookupError:
            print(f"the process is gone after {sent} signals", flush=True)
            sys.exit(1)
        sent += 1
        due = t0 + (i + 1) * a.seconds / a.count
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
    if variants and a.last:
        tmp = a.target + ".storm"
        with open(tmp, "wb") as f:
            f.write(open(a.last, "rb").read())
        os.rename(tmp, a.target)
    print(f"sent {sent} SIGHUPs in {time.monotonic() - t0:.2f} s", flush=True)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("frames")
    f.add_argument("kind")
    f.add_argument("--ifname", default="tap0")
    f.add_argument("--gw-mac", required=True)
    f.add_argument("--src", default="10.0.2.100")
    f.add_argument("--dst", default="203.0.113.99")
    f.add_argument("--dport", type=int, default=7)
    f.add_argument("--sport", type=int, default=0)
    f.add_argument("--suffix", default="flood.example")
    f.add_argument("--prefix", default="", help="dns-random: the names' first label starts with this")
    f.add_argument("--mtu", type=int, default=65520)
    f.add_argument("--count", type=int, default=1000)
    f.add_argument("--seconds", type=float, default=10)
    f.add_argument("--rate", type=float, default=0, help="frames per second (0: as fast as possible)")
    f.add_argument("--last-dport", type=int, default=0, help="then one more frame to this port, at once")
    rs = sub.add_parser("reset-server")
    rs.add_argument("--bind", required=True)
    rs.add_argument("--port", type=int, required=True)
    rs.add_argument("--bytes", type=int, default=300000)
    rs.add_argument("--mode", choices=["download", "upload"], default="download")
    rs.add_argument("--seconds", type=float, default=60)
    hs = sub.add_parser("hold-server")
    hs.add_argument("--bind", required=True)
    hs.add_argument("--port", type=int, required=True)
    hs.add_argument("--seconds", type=float, default=120)
    ds = sub.add_parser("dns-server")
    ds.add_argument("--bind", required=True)
    ds.add_argument("--forge-from")
    ds.add_argument("--seconds", type=float, default=60)
    ds.add_argument("--log")
    dl = sub.add_parser("dns-load")
    dl.add_argument("addr")
    dl.add_argument("--prefix", default="wide-")
    dl.add_argument("--suffix", default="wide.example")
    dl.add_argument("--qtype", type=int, default=28)
    dl.add_argument("--count", type=int, default=1000)
    dl.add_argument("--window", type=int, default=8)
    dl.add_argument("--seconds", type=float, default=60)
    rc = sub.add_parser("reset-client")
    rc.add_argument("addr")
    rc.add_argument("port", type=int)
    rc.add_argument("--mode", choices=["download", "upload"], default="download")
    rc.add_argument("--timeout", type=float, default=10)
    sg = sub.add_parser("slow-get")
    sg.add_argument("addr")
    sg.add_argument("path")
    sg.add_argument("--size", type=int, required=True, help="the expected size, for the pace")
    sg.add_argument("--seconds", type=float, default=3)
    sg.add_argument("--out", required=True)
    cl = sub.add_parser("connect-loop")
    cl.add_argument("targets", nargs="+")
    cl.add_argument("--interval", type=float, default=0.01)
    cl.add_argument("--seconds", type=float, default=10)
    cl.add_argument("--stop", help="stop once this file exists")
    hl = sub.add_parser("http-loop")
    hl.add_argument("--min-ok", type=int, default=0)
    hl.add_argument("addr")
    hl.add_argument("--interval", type=float, default=0.05)
    hl.add_argument("--seconds", type=float, default=20)
    hl.add_argument("--stop")
    hl.add_argument("--timeout", type=float, default=5, help="for each fetch")
    uh = sub.add_parser("udp-hold")
    uh.add_argument("addr")
    uh.add_argument("port", type=int)
    uh.add_argument("--interval", type=float, default=0.1)
    uh.add_argument("--duration", type=float, default=60)
    uh.add_argument("--stop")
    th = sub.add_parser("tcp-hold")
    th.add_argument("addr")
    th.add_argument("port", type=int)
    th.add_argument("--interval", type=float, default=0.1)
    th.add_argument("--duration", type=float, default=60)
    th.add_argument("--timeout", type=float, default=10)
    th.add_argument("--stop")
    m = sub.add_parser("many")
    m.add_argument("addr")
    m.add_argument("port", type=int)
    m.add_argument("n", type=int)
    m.add_argument("--hold-file")
    m.add_argument("--timeout", type=float, default=90)
    for name in ("api-silent", "api-burst", "api-oversized", "api-slow"):
        x = sub.add_parser(name)
        x.add_argument("path")
        x.add_argument("--n", type=int, default=100)
        x.add_argument("--seconds", type=float, default=20)
        if name == "api-oversized":
            x.add_argument("--size", type=int, default=64 * 1024)
            x.add_argument("--no-shut", action="store_true")
        if name == "api-slow":
            x.add_argument("--byte-interval", type=float, default=0.1)
    st = sub.add_parser("storm")
    st.add_argument("pid", type=int)
    st.add_argument("--count", type=int, default=200)
    st.add_argument("--seconds", type=float, default=2)
    st.add_argument("--target")
    st.add_argument("--files", nargs="*")
    st.add_argument("--last", help="copied over --target after the storm (no signal)")
    a = p.parse_args()
    {"frames": cmd_frames, "reset-server": cmd_reset_server, "hold-server": cmd_hold_server,
     "dns-server": cmd_dns_server, "dns-load": cmd_dns_load, "reset-client": cmd_reset_client, "slow-get": cmd_slow_get,
     "connect-loop": cmd_connect_loop, "http-loop": cmd_http_loop, "udp-hold": cmd_udp_hold, "tcp-hold": cmd_tcp_hold,
     "many": cmd_many, "api-silent": cmd_api_silent, "api-burst": cmd_api_burst,
     "api-oversized": cmd_api_oversized, "api-slow": cmd_api_slow, "storm": cmd_storm}[a.cmd](a)


if __name__ == "__main__":
    main()
