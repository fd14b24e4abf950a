#!/usr/bin/env python3
"""Summarise bench/resolver.sh results: medians, within-run ratios, targets.

usage: summarize.py RESULTS.tsv

Input lines: run, configuration, query set, metric, value (tab-separated).
A ratio is taken inside each run (both sides measured minutes apart on the
same machine state) and the median of those ratios is printed. Output is
Markdown, ready for doc/PERFORMANCE.md.
"""

import statistics
import sys
from collections import defaultdict

ONE_THREAD = ["plain", "sk-empty", "sk-1m", "sk-1m-before", "sk-1m-metrics",
              "sk-5m", "rpz-1m", "lz-1m"]
# Two worker threads (the headline) first, then one.
CONFIGS = [c + "-2t" for c in ONE_THREAD] + ONE_THREAD
LABELS = {
    "plain": "plain Unbound",
    "sk-empty": "sinkhole, empty policy",
    "sk-1m": "sinkhole, 1M names",
    "sk-1m-before": "sinkhole, 1M names, BASE_BUILD (no counters)",
    "sk-1m-metrics": "sinkhole, 1M names, metrics scraped every second",
    "sk-5m": "sinkhole, 5M names",
    "rpz-1m": "Unbound RPZ, 1M names",
    "lz-1m": "local-zone always_nxdomain, 1M",
}
LABELS.update({c + "-2t": LABELS[c] + ", 2 threads" for c in ONE_THREAD})
LABELS.update({c: LABELS[c] + ", 1 thread" for c in ONE_THREAD})
SETS = ["cached", "uncached", "blocked", "mix"]


def same_threads(base, cfg):
    """BASE with CFG's number of worker threads (ratios never cross them)."""
    return base + "-2t" if cfg.endswith("-2t") else base


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def main(path):
    data = defaultdict(dict)  # (cfg, set, metric) -> {run: value}
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 5:
            continue
        run, cfg, qset, metric, value = parts
        v = num(value)
        if v is not None:
            data[(cfg, qset, metric)][run] = v
    configs = [c for c in CONFIGS if any(k[0] == c for k in data)]
    runs = sorted({r for d in data.values() for r in d})

    def med(cfg, qset, metric):
        vals = list(data.get((cfg, qset, metric), {}).values())
        return statistics.median(vals) if vals else None

    def ratio(a, b, qset, metric, bset=None, diff=False):
        da = data.get((a, qset, metric), {})
        db = data.get((b, bset or qset, metric), {})
        vals = []
        for r in runs:
            if r in da and r in db and (diff or db[r]):
                vals.append(da[r] - db[r] if diff else da[r] / db[r])
        return statistics.median(vals) if vals else None

    def f(v, fmt="%.2f"):
        return "-" if v is None else fmt % v

    out = []
    out.append("Medians of %d run(s); ratios are medians of within-run "
               "ratios." % len(runs))
    out.append("")
    for qset in SETS:
        if not any((c, qset, "cpu_us") in data for c in configs):
            continue
        out.append("### Query set: %s" % qset)
        out.append("")
        out.append("| configuration | CPU us/query | x plain | QPS | "
                   "lost | latency avg ms | p99 ms | max ms | "
                   "others on CPU % |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for c in configs:
            lost = data.get((c, qset, "lost"), {}).values()
            llost = data.get((c, qset, "lat_lost"), {}).values()
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                LABELS[c], f(med(c, qset, "cpu_us"), "%.2f"),
                f(ratio(c, same_threads("plain", c), qset, "cpu_us"),
                  "%.3f"),
                f(med(c, qset, "qps"), "%.0f"),
                "%d / %d" % (sum(lost), sum(llost)) if lost else "-",
                f(med(c, qset, "lat_avg_ms"), "%.3f"),
                f(med(c, qset, "lat_p99_ms"), "%.3f"),
                f(med(c, qset, "lat_max_ms"), "%.2f"),
                f(med(c, qset, "other_pct"), "%.0f")))
        out.append("")
    out.append("'x plain' is against plain Unbound with the same number "
               "of worker threads. "
               "'lost' is the sum over runs: saturated phase / fixed-rate "
               "latency phase. 'others on CPU' is the share of the "
               "resolver's core used by other processes during the "
               "saturated phase (the machine may be shared).")
    out.append("")
    out.append("### Start-up and memory")
    out.append("")
    out.append("| configuration | start-up ms | - plain ms | RSS MiB "
               "(start / end) | anonymous MiB (start / end) | + plain "
               "(start) | private MiB (end) | shared MiB (end) | "
               "snapshot mapped MiB (end) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in configs:
        def mib(qset, metric):
            v = med(c, qset, metric)
            return None if v is None else v / 1024
        plain = same_threads("plain", c)
        d = ratio(c, plain, "start", "anon_kib", diff=True)
        out.append("| %s | %s | %s | %s / %s | %s / %s | %s | %s | %s | %s |"
                   % (LABELS[c], f(med(c, "all", "startup_ms"), "%.0f"),
                      f(ratio(c, plain, "all", "startup_ms", diff=True),
                        "%+.0f"),
                      f(mib("start", "rss_kib"), "%.1f"),
                      f(mib("end", "rss_kib"), "%.1f"),
                      f(mib("start", "anon_kib"), "%.1f"),
                      f(mib("end", "anon_kib"), "%.1f"),
                      f(None if d is None else d / 1024, "%+.1f"),
                      f(mib("end", "private_kib"), "%.1f"),
                      f(mib("end", "shared_kib"), "%.1f"),
                      f(mib("end", "snapmap_kib"), "%.1f")))
    out.append("")

    # Targets of issue 5, each a within-run ratio.
    out.append("### Targets (issue 5)")
    out.append("")

    def verdict(ok):
        return "**met**" if ok else "**NOT met**"

    for t in ("-2t", ""):
        targets(t, ratio, med, f, verdict, out)
    loads = [v for (c, q, m), d in data.items() if m == "loadavg"
             for v in d.values()]
    if loads:
        out.append("- (load average at the starts: %.2f to %.2f)"
                   % (min(loads), max(loads)))
    out.append("- publishing under load: bench/publish-load.sh; hit records "
               "at 50,000/s: bench/hitlog.sh")
    print("\n".join(out))
    return 0


def targets(t, ratio, med, f, verdict, out):
    """Issue 5's targets for the configurations with suffix T ("-2t": two
    worker threads; "": one), each a within-run ratio."""
    for c in ("sk-empty" + t, "sk-1m" + t, "sk-5m" + t):
        r = ratio(c, "plain" + t, "cached", "cpu_us")
        if r is not None:
            out.append("- cached, not blocked, %s: CPU/query %.3fx plain "
                       "(target <= 1.02x): %s" % (LABELS[c], r,
                                                  verdict(r <= 1.02)))
    for c in ("sk-1m" + t, "sk-5m" + t):
        r = ratio(c, "rpz-1m" + t, "blocked", "cpu_us")
        if r is not None:
            out.append("- blocked answers, %s: CPU/query %.3fx Unbound RPZ "
                       "1M (%s vs %s us; target <= 1.00x): %s" % (
                           LABELS[c], r, f(med(c, "blocked", "cpu_us")),
                           f(med("rpz-1m" + t, "blocked", "cpu_us")),
                           verdict(r <= 1.0)))
    for qset in ("cached", "blocked"):
        for c, base, what in (
                ("sk-1m-metrics" + t, "sk-1m" + t,
                 "metrics endpoint on and scraped"),
                ("sk-1m" + t, "sk-1m-before" + t,
                 "counters against BASE_BUILD")):
            r = ratio(c, base, qset, "cpu_us")
            if r is not None:
                out.append("- %s, %s: CPU/query %.3fx (%s vs %s us; no "
                           "measurable cost: within 0.98-1.02x): %s" % (
                               qset, what, r, f(med(c, qset, "cpu_us")),
                               f(med(base, qset, "cpu_us")),
                               verdict(0.98 <= r <= 1.02)))
    d = ratio("sk-5m" + t, "plain" + t, "all", "startup_ms", diff=True)
    if d is not None:
        out.append("- start-up, %s: %+.0f ms against plain (%s vs %s ms; "
                   "target <= +100 ms): %s" % (
                       LABELS["sk-5m" + t], d,
                       f(med("sk-5m" + t, "all", "startup_ms"), "%.0f"),
                       f(med("plain" + t, "all", "startup_ms"), "%.0f"),
                       verdict(d <= 100)))
    d = ratio("sk-5m" + t, "plain" + t, "start", "anon_kib", diff=True)
    if d is not None:
        out.append("- private (anonymous) memory added by 5M names (%s), "
                   "after start-up: %+.1f MiB vs plain (target <= 20 MB): %s"
                   % (LABELS["sk-5m" + t], d / 1024,
                      verdict(d / 1024 <= 20 * 1e6 / 2**20)))
    d = ratio("sk-5m" + t, "plain" + t, "end", "anon_kib", diff=True)
    if d is not None:
        out.append("- the same after the run (same queries, caches "
                   "filled): %+.1f MiB" % (d / 1024))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
