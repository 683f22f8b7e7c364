#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Turns bench/run's raw samples into the table (Markdown), the JSON record, and optionally the README section.
#
#   report.py RAW.tsv META.json JSON_OUT MD_OUT [README]
#
# RAW.tsv has one "helper<TAB>metric<TAB>value" line per sample; every figure
# is the median of its samples. Ratios are slirp-filter (large policy) over
# each other helper measured in the same run. With README, the part between
# the bench-table markers is replaced by the new table.
import json
import statistics
import sys
from collections import OrderedDict

HELPERS = OrderedDict([
    ("s4n-1.2.0", "slirp4netns 1.2.0"),
    ("s4n-1.2.1", "slirp4netns 1.2.1"),
    ("pasta-2023", "pasta 2023-03"),
    ("pasta-2025", "pasta 2025-05"),
    ("sf-allow", "slirp-filter, allow-all"),
    ("sf-large", "slirp-filter, large policy"),
    ("sf-alt", "slirp-filter (alternative binary), large policy"),
])
SUBJECT = "sf-large"

# key, label, format, better ("hi" or "lo")
METRICS = [
    ("tput_up_65520", "TCP container→server, MTU 65520 (Gbit/s)", "%.2f", "hi"),
    ("tput_down_65520", "TCP server→container, MTU 65520 (Gbit/s)", "%.2f", "hi"),
    ("tput_up_1500", "TCP container→server, MTU 1500 (Gbit/s)", "%.2f", "hi"),
    ("tput_down_1500", "TCP server→container, MTU 1500 (Gbit/s)", "%.2f", "hi"),
    ("cpu_up_65520", "helper CPU per GiB up, MTU 65520 (ms)", "%.0f", "lo"),
    ("cpu_down_65520", "helper CPU per GiB down, MTU 65520 (ms)", "%.0f", "lo"),
    ("cpu_up_1500", "helper CPU per GiB up, MTU 1500 (ms)", "%.0f", "lo"),
    ("cpu_down_1500", "helper CPU per GiB down, MTU 1500 (ms)", "%.0f", "lo"),
    ("conn_rate", "new TCP connections/s", "%.0f", "hi"),
    ("conn_p50_ms", "connect latency p50 (ms)", "%.3f", "lo"),
    ("conn_p99_ms", "connect latency p99 (ms)", "%.3f", "lo"),
    ("conn_cpu_us", "helper CPU per connection (µs)", "%.0f", "lo"),
    ("dns_ok_qps", "DNS queries/s, allowed name (cached)", "%.0f", "hi"),
    ("dns_ok_p50_ms", "DNS latency p50, allowed name (ms)", "%.3f", "lo"),
    ("dns_ok_p99_ms", "DNS latency p99, allowed name (ms)", "%.3f", "lo"),
    ("dns_ok_cpu_us", "helper CPU per query, allowed name (µs)", "%.1f", "lo"),
    ("dns_deny_qps", "DNS queries/s, denied name", "%.0f", "hi"),
    ("dns_deny_p50_ms", "DNS latency p50, denied name (ms)", "%.3f", "lo"),
    ("dns_deny_p99_ms", "DNS latency p99, denied name (ms)", "%.3f", "lo"),
    ("dns_deny_cpu_us", "helper CPU per query, denied name (µs)", "%.1f", "lo"),
    ("dns_new_qps", "DNS queries/s, allowed name, every name new (uncached)", "%.0f", "hi"),
    ("dns_new_cpu_us", "helper CPU per query, every name new (µs)", "%.1f", "lo"),
    ("dns_learn_empty_qps", "DNS answers/s, learned table empty (64 new addresses each)", "%.0f", "hi"),
    ("dns_learn_full_qps", "DNS answers/s, learned table full (64 new addresses each)", "%.0f", "hi"),
    ("flood_base_gbps", "TCP up, before the flood (Gbit/s)", "%.2f", "hi"),
    ("flood_gbps", "TCP up, during the flood (Gbit/s)", "%.2f", "hi"),
    ("flood_kept_pct", "throughput kept under the flood (%)", "%.0f", "hi"),
    ("flood_hwm_mib", "peak RSS during the flood (MiB)", "%.1f", "lo"),
    ("flood_hwm_over_idle_mib", "peak RSS over idle, flood (MiB)", "%.1f", "lo"),
    ("idle_rss_mib", "idle RSS (MiB)", "%.1f", "lo"),
    ("startup_ms", "start-up to ready (ms)", "%.1f", "lo"),
]
LABEL = {k: l for k, l, _, _ in METRICS}

# the targets for the large policy against slirp4netns: key -> (text, test(sf, s4n))
TARGETS = {
    "tput_up_65520": (">= 1.2x", lambda s, o: s >= 1.2 * o),
    "tput_down_65520": (">= 1.2x", lambda s, o: s >= 1.2 * o),
    "tput_up_1500": (">= 1.2x", lambda s, o: s >= 1.2 * o),
    "tput_down_1500": (">= 1.2x", lambda s, o: s >= 1.2 * o),
    "conn_rate": (">= 1.0x", lambda s, o: s >= o),
    "conn_p99_ms": ("<= slirp4netns", lambda s, o: s <= o),
    "dns_ok_qps": (">= 2x", lambda s, o: s >= 2 * o),
    "dns_ok_p99_ms": ("< slirp4netns", lambda s, o: s < o),
    "dns_new_qps": (">= 1.0x", lambda s, o: s >= o),
    "flood_kept_pct": ("> 80 %", lambda s, o: s > 80),
    "flood_hwm_over_idle_mib": ("<= 16 MiB", lambda s, o: s <= 16),
    "idle_rss_mib": ("<= +4 MiB", lambda s, o: s <= o + 4),
    "startup_ms": ("<= +20 ms", lambda s, o: s <= o + 20),
}


def load_raw(path):
    samples = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[2] in ("", "null", "None"):
                continue
            try:
                v = float(parts[2])
            except ValueError:
                continue
            samples.setdefault(parts[0], {}).setdefault(parts[1], []).append(v)
    return samples


def derive(m):
    """Figures computed from medians of others."""
    b, f = m.get("flood_base_gbps"), m.get("flood_gbps")
    if b and f is not None:
        m["flood_kept_pct"] = 100.0 * f / b
    h, i = m.get("flood_hwm_mib"), m.get("flood_idle_mib")
    if h is not None and i is not None:
        m["flood_hwm_over_idle_mib"] = h - i


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def main():
    raw, meta_path, json_out, md_out = sys.argv[1:5]
    readme = sys.argv[5] if len(sys.argv) > 5 else None
    meta = json.load(open(meta_path))
    samples = load_raw(raw)
    present = [h for h in HELPERS if h in samples]
    med = {}
    for h in present:
        med[h] = {k: statistics.median(v) for k, v in samples[h].items()}
        derive(med[h])
    pasta = "pasta-2025" if "pasta-2025" in present else "pasta-2023"
    refs = [r for r in ("s4n-1.2.0", "s4n-1.2.1", pasta) if r in present]

    record = OrderedDict()
    record.update(meta)
    record["helpers"] = OrderedDict()
    for h in present:
        record["helpers"][h] = {
            "label": HELPERS[h],
            "version": meta.get("versions", {}).get(h),
            "metrics": {k: {"median": med[h].get(k), "samples": samples[h].get(k, [])}
                        for k in sorted(set(samples[h]) | set(med[h]))},
        }
    record["ratios"] = {}
    record["targets"] = []
    if SUBJECT in present:
        for r in refs:
            record["ratios"]["%s/%s" % (SUBJECT, r)] = {
                k: ratio(med[SUBJECT].get(k), med[r].get(k)) for k, _, _, _ in METRICS}
        for k, (text, test) in TARGETS.items():
            s = med[SUBJECT].get(k)
            for r in ("s4n-1.2.0", "s4n-1.2.1"):
                o = med.get(r, {}).get(k)
                absolute = k.startswith("flood_")
                if r not in present or s is None or (o is None and not absolute):
                    continue
                met = bool(test(s, o))
                record["targets"].append({"metric": k, "target": text, "against": r,
                                          "slirp_filter": s, "other": o, "met": met})
    with open(json_out, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")

    # the table
    fmt = {k: f for k, _, f, _ in METRICS}
    head = ["figure"] + [HELPERS[h] for h in present]
    head += ["large / %s" % HELPERS[r].replace("slirp4netns", "s4n") for r in refs if SUBJECT in present]
    head += ["target (large vs s4n 1.2.0 / 1.2.1)"] if SUBJECT in present else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for k, label, _, better in METRICS:
        if not any(k in med[h] for h in present):
            continue
        row = [label]
        for h in present:
            v = med[h].get(k)
            row.append(fmt[k] % v if v is not None else "–")
        if SUBJECT in present:
            for r in refs:
                q = ratio(med[SUBJECT].get(k), med[r].get(k))
                row.append("%.2f×" % q if q is not None else "–")
            t = [x for x in record["targets"] if x["metric"] == k]
            if t:
                row.append("%s: %s" % (t[0]["target"], " / ".join("met" if x["met"] else "MISSED" for x in t)))
            else:
                row.append("")
        lines.append("| " + " | ".join(row) + " |")
    pb = meta.get("policy_bench") or {}
    tail = []
    if pb:
        tail.append("Policy engine (bench/policy-bench, %d rules: %d CIDR, %d name): load (parse + compile) "
                    "%.1f ms; decision %.0f ns (CIDR hit/miss mix with learned addresses), name match %.0f ns."
                    % (pb.get("rules", 0), pb.get("cidr_rules", 0), pb.get("name_rules", 0),
                       pb.get("load_ms", 0), pb.get("decide_ns", 0), pb.get("name_match_ns", 0)))
    m = meta.get("machine", {})
    header = ("Measured %s on %s (%s cores, %s), load average before/after %s / %s; `%s` (%s mode). "
              "Figures are medians; ratios are slirp-filter with the large policy over each helper, "
              "same run; for latencies, RSS and start-up lower is better."
              % (meta.get("date"), m.get("kernel"), m.get("nproc"), m.get("cpu"),
                 meta.get("load_before"), meta.get("load_after"), meta.get("command"), meta.get("mode")))
    notes = meta.get("notes", [])
    md = [header, ""] + lines + [""] + tail + ([""] if tail else []) + ["- " + n for n in notes]
    text = "\n".join(md).rstrip() + "\n"
    with open(md_out, "w") as f:
        f.write(text)
    print(text)
    if readme:
        begin, end = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"
        src = open(readme).read()
        a, b = src.find(begin), src.find(end)
        if a < 0 or b < a:
            sys.exit("report.py: no bench-table markers in %s" % readme)
        src = src[:a + len(begin)] + "\n" + text + src[b:]
        with open(readme, "w") as f:
            f.write(src)


if __name__ == "__main__":
    main()
