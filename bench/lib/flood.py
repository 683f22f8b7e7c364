#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Denied-flow flood from the container: TCP SYNs and UDP datagrams to many new flows, paced.
#
#   flood.py PREFIX COUNT SECONDS   e.g. flood.py 192.0.2 100000 10
#
# COUNT SYNs and COUNT datagrams, alternating, to PREFIX.1-254 on varying
# ports, spread evenly over SECONDS. Each SYN comes from a fresh non-blocking
# connect() that is closed at once (the kernel sends one SYN with a correct
# checksum and forgets it); each datagram from a fresh socket, so every
# packet is a new flow for the helper. PREFIX must be an address range of the
# test topology (the bench uses 192.0.2.0/24, made local in its "internet"
# namespace): no packet is aimed anywhere else. Prints one JSON object.
import json
import socket
import sys
import time


def main():
    prefix, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if not prefix.startswith("192.0.2"):
        sys.exit("flood.py: only the documentation range 192.0.2.0/24 of the test topology")
    per_batch = 200
    batches = max(1, (2 * count) // per_batch)
    interval = seconds / batches
    sent_syn = sent_udp = errors = 0
    t0 = time.monotonic()
    i = 0
    for b in range(batches):
        for _ in range(per_batch // 2):
            host = "%s.%d" % (prefix, 1 + i % 254)
            port = 1 + (i * 7919) % 65535
            i += 1
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect_ex((host, port))
                sent_syn += 1
            except OSError:
                errors += 1
            s.close()
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.sendto(b"flood", (host, port))
                sent_udp += 1
            except OSError:
                errors += 1
            u.close()
        ahead = t0 + (b + 1) * interval - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print(json.dumps({"syn": sent_syn, "udp": sent_udp, "errors": errors,
                      "seconds": round(time.monotonic() - t0, 3)}))


if __name__ == "__main__":
    main()
