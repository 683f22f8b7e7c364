#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hand-built Ethernet/IPv4 frames written straight to the container's tap.

Run inside the container's namespace (ip netns exec NS python3 rawframe.py ...),
as root (AF_PACKET). Each KIND sends what a misbehaving container could send,
bypassing its kernel's stack:

  udp        a well-formed UDP datagram (the control: it must arrive)
  fragment   one UDP datagram split in two IPv4 fragments (MF, then offset)
  options    a UDP datagram in an IPv4 header with options (IHL 6: NOP NOP NOP EOL)
  gre        a GRE packet (IP protocol 47) carrying an IPv4/UDP packet
  syn        a TCP SYN (use --src to spoof the source address)

  rawframe.py --ifname tap0 --gw-mac MAC KIND --dst ADDR --dport N [--src ADDR] [--payload TEXT]
              [--vnet-csum START:OFFSET]

--vnet-csum sends through a packet socket with PACKET_VNET_HDR, each frame behind a
virtio-net header that asks for a checksum at START+OFFSET (what a container with
CAP_NET_RAW can make the tap carry); the frame's TCP/UDP checksum field is filled with
garbage, so the frame is only good if the helper computes it.
"""
import argparse
import random
import socket
import struct


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(src, dst, proto, payload, ident=None, flags_frag=0, options=b""):
    """An IPv4 header (+ options) before payload; payload may be one fragment of a datagram."""
    if ident is None:
        ident = random.randrange(1, 0xFFFF)
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), ident, flags_frag,
                      64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(src, dst, sport, dport, data):
    length = 8 + len(data)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, length)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = csum(pseudo + hdr + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + data


def tcp_syn(src, dst, sport, dport):
    seq = random.randrange(0, 1 << 32)
    opts = struct.pack("!BBH", 2, 4, 1460)  # MSS
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (5 + len(opts) // 4) << 4, 0x02, 64240, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    c = csum(pseudo + hdr)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ifname", default="tap0")
    p.add_argument("--gw-mac", required=True, help="the gateway's MAC (the frames' destination)")
    p.add_argument("kind", choices=["udp", "fragment", "options", "gre", "syn"])
    p.add_argument("--src", default="10.0.2.100")
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, default=7)
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--payload", default="rawframe")
    p.add_argument("--vnet-csum", help="START:OFFSET of a checksum request in a virtio-net header")
    a = p.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    vnet = b""
    if a.vnet_csum:
        start, offset = (int(x) for x in a.vnet_csum.split(":"))
        s.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
        # struct virtio_net_hdr: flags NEEDS_CSUM, no GSO, hdr_len, gso_size, csum_start, csum_offset
        vnet = struct.pack("=BBHHHH", 1, 0, 0, 0, start, offset)
    s.bind((a.ifname, 0))
    own_mac = s.getsockname()[4]
    eth = mac(a.gw_mac) + own_mac + struct.pack("!H", 0x0800)
    sport = a.sport or random.randrange(20000, 60000)
    data = a.payload.encode()

    frames = []
    if a.kind == "udp":
        frames.append(ip4(a.src, a.dst, 17, udp(a.src, a.dst, sport, a.dport, data)))
    elif a.kind == "fragment":
        dgram = udp(a.src, a.dst, sport, a.dport, data + b"." * 32)
        ident = random.randrange(1, 0xFFFF)
        first, rest = dgram[:16], dgram[16:]  # offsets are in 8-byte units
        frames.append(ip4(a.src, a.dst, 17, first, ident, 0x2000))  # MF, offset 0
        frames.append(ip4(a.src, a.dst, 17, rest, ident, 16 // 8))  # last, offset 16
    elif a.kind == "options":
        frames.append(ip4(a.src, a.dst, 17, udp(a.src, a.dst, sport, a.dport, data),
                          options=b"\x01\x01\x01\x00"))
    elif a.kind == "gre":
        inner = ip4(a.src, a.dst, 17, udp(a.src, a.dst, sport, a.dport, data))
        frames.append(ip4(a.src, a.dst, 47, struct.pack("!HH", 0, 0x0800) + inner))
    elif a.kind == "syn":
        frames.append(ip4(a.src, a.dst, 6, tcp_syn(a.src, a.dst, sport, a.dport)))
    for f in frames:
        if vnet:
            ihl = (f[0] & 0x0F) * 4
            field = ihl + (16 if f[9] == 6 else 6)
            f = f[:field] + b"\xde\xad" + f[field + 2:]
        s.send(vnet + eth + f)
    print(f"sent {len(frames)} frame(s)")


if __name__ == "__main__":
    main()
