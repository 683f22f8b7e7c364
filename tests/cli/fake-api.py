#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A unix socket that is not a working slirp-filter API, for `slirp-filter status` error tests.

  fake-api.py MODE PATH   listen on PATH, print "ready", serve until killed. MODE:
    garbage   answer a line of HTTP and close        silent    accept, read, never answer
    close     accept and close at once                unknown   answer like slirp4netns: unknown execute
    notstatus answer valid JSON that is no status     stale     bind, close, leave the socket file
Nothing here uses the network: a unix socket in the test's own directory.
"""
import os
import socket
import sys
import time

mode, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
if mode == "stale":
    s.close()  # the file stays; nothing listens
    print("ready", flush=True)
    sys.exit(0)
s.listen(8)
print("ready", flush=True)
held = []
while True:
    c, _ = s.accept()
    if mode == "silent":
        held.append(c)  # never answer, never close
        continue
    if mode != "close":
        c.settimeout(2)
        try:
            c.recv(4096)
        except OSError:
            pass
        reply = {
            "garbage": b"HTTP/1.0 400 Bad Request\r\n\r\n",
            "unknown": b'{"error":{"desc":"bad request: unknown execute"}}',
            "notstatus": b'{"return":{}}',
        }[mode]
        c.sendall(reply)
    c.close()
