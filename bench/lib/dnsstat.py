#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Reads dnsperf's output (with -v: one "> RCODE NAME TYPE SECONDS" line per query) and prints one JSON object.
import json
import re
import sys


def main():
    lat = []
    out = {"qps": None, "sent": None, "completed": None, "lost": None, "rcodes": ""}
    for line in sys.stdin:
        if line.startswith("> "):
            f = line.split()
            try:
                lat.append(float(f[-1]) * 1000.0)
            except ValueError:
                pass
            continue
        m = re.match(r"\s*Queries per second:\s*([\d.]+)", line)
        if m:
            out["qps"] = float(m.group(1))
        m = re.match(r"\s*Queries sent:\s*(\d+)", line)
        if m:
            out["sent"] = int(m.group(1))
        m = re.match(r"\s*Queries completed:\s*(\d+)", line)
        if m:
            out["completed"] = int(m.group(1))
        m = re.match(r"\s*Queries lost:\s*(\d+)", line)
        if m:
            out["lost"] = int(m.group(1))
        m = re.match(r"\s*Response codes:\s*(.*)", line)
        if m:
            out["rcodes"] = m.group(1).strip()
    if lat:
        lat.sort()
        def pct(p):
            return round(lat[min(len(lat) - 1, max(0, int(p / 100.0 * len(lat) + 0.5) - 1))], 4)
        out["samples"] = len(lat)
        out["p50_ms"] = pct(50)
        out["p99_ms"] = pct(99)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
