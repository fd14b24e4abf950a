#!/usr/bin/env python3
"""Summarise bench/publish-load.sh results: a Markdown table and the target.

usage: publish-summary.py RESULTS.tsv RATE EVENTS GAP

Input lines: run, configuration, metric, value (tab-separated). Medians
over runs, sums of sent and lost queries, maxima of the worst latencies;
then one line per run and the target "publishing under load: zero lost
queries".
"""

import statistics
import sys
from collections import defaultdict

if len(sys.argv) != 5:
    sys.stderr.write(__doc__)
    sys.exit(2)
res, rate, events, gap = sys.argv[1:]
CONFIGS = ["plain", "sk-steady", "sk-publish", "rpz-zone-reload",
           "rpz-reload"]
LABELS = {
    "plain": "plain Unbound, no changes (calibration)",
    "sk-steady": "sinkhole 1M, no changes",
    "sk-publish": "sinkhole 1M: sinkhole-ctl publish",
    "rpz-zone-reload": "Unbound RPZ 1M: auth_zone_reload",
    "rpz-reload": "Unbound RPZ 1M: unbound-control reload",
}
d = defaultdict(lambda: defaultdict(list))  # cfg -> key -> [(run, value)]
for line in open(res):
    p = line.rstrip("\n").split("\t")
    if len(p) == 4:
        d[p[1]][p[2]].append((p[0], p[3]))
def nums(cfg, key):
    out = []
    for _, v in d[cfg].get(key, []):
        try:
            out.append(float(v))
        except ValueError:
            pass
    return out
def med(cfg, key):
    v = nums(cfg, key)
    return statistics.median(v) if v else None
def mx(cfg, key):
    v = nums(cfg, key)
    return max(v) if v else None
def tot(cfg, key):
    return int(sum(nums(cfg, key)))
def f(v, p=1):
    return "-" if v is None else "%.*f" % (p, v)
def runs(cfg):
    return len({r for r, _ in d[cfg].get("sent", [])})
cfgs = [c for c in CONFIGS if c in d]
nruns = max([runs(c) for c in cfgs if c != "plain"] or [0])
print("dnsperf at -Q %s (-q 2000, 5 s timeout) over the mix (90 %% cached, "
      "9 %% uncached, 1 %% blocked); %s changes per run, %s s apart after "
      "each change shows; %d run(s), medians over runs unless noted."
      % (rate, events, gap, nruns))
print()
print("| configuration | runs | window s | change visible median ms | "
      "max ms | queries sent | lost | poller unanswered % | latency avg ms | "
      "p99 ms | max ms (worst run) | cached+blocked names p99 ms | max ms "
      "(worst run) | longest stall ms | poller: not blocked | "
      "others on CPU % |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      "---:|---:|---:|")
for c in cfgs:
    un = []
    for (r, n), (_, t) in zip(d[c]["probe_sent"], d[c]["probe_timeouts"]):
        if float(n) > 0:
            un.append(float(t) / float(n) * 100)
    print("| %s | %d | %s | %s | %s | %d | %d | %s | %s | %s | %s | %s | %s "
          "| %s | %s | %s |" % (
              LABELS[c], runs(c), f(med(c, "window_s"), 0),
              f(med(c, "visible_ms"), 0), f(mx(c, "visible_ms"), 0),
              tot(c, "sent"), tot(c, "lost"),
              f(statistics.median(un) if un else None, 2),
              f(med(c, "lat_avg_ms"), 3), f(med(c, "lat_p99_ms"), 3),
              f(mx(c, "lat_max_ms"), 1), f(med(c, "local_p99_ms"), 3),
              f(mx(c, "local_max_ms"), 1), f(med(c, "stall_ms"), 0),
              "n/a" if c == "plain" else tot(c, "probe_wrong"),
              f(med(c, "other_pct"), 0)))
print()
print("'queries sent' and 'lost' are sums over runs; lost = dnsperf's "
      "timeouts (no answer within 5 s; dnsperf stops sending while 2,000 "
      "are outstanding, and after a stall its rate limiter catches up in a "
      "burst, so 'sent' hides stalls). A second poller asks listed names "
      "100 times a second at a steady pace: 'poller unanswered' is the "
      "share of its queries without an answer within 3 s, 'longest stall' "
      "the longest time between two answers, 'not blocked' any answer "
      "other than 0.0.0.0 or NXDOMAIN. 'change visible': from the start of "
      "the command to the first changed answer for a marker name. "
      "'cached+blocked names': the queries of the mix that the resolver "
      "answers itself (cache, policy; for plain Unbound the cached ones "
      "only), without the uncached names' upstream resolution. Latency "
      "counts answered queries only (at most 5 s).")
print()
print("Per run (lost / sent, worst latency ms, longest stall ms, change "
      "visible max ms); start-up and command medians:")
for c in cfgs:
    if c == "plain":
        continue
    parts = []
    for r in sorted({r for r, _ in d[c]["sent"]}):
        g = lambda k: [v for rr, v in d[c].get(k, []) if rr == r]
        vis = [float(v) for v in g("visible_ms") if v != "-"]
        parts.append("%s / %s, %s, %s, %s" % (
            g("lost")[0], g("sent")[0], g("lat_max_ms")[0], g("stall_ms")[0],
            "%.0f" % max(vis) if vis else "-"))
    st = med(c, "startup_ms")
    print("- %s: %s; start-up %s s, command %s ms" % (
        LABELS[c], "; ".join(parts), f(None if st is None else st / 1e3, 1),
        f(med(c, "cmd_ms"), 0)))
failed = sum(len(d[c].get("failed_change", [])) for c in cfgs)
sw = nums("sk-publish", "switches")
extra = (", module switches per run %s (expected %s)" %
         ("/".join("%d" % x for x in sw), events)) if sw else ""
loads = [float(v) for c in cfgs for _, v in d[c].get("loadavg", [])]
if loads:
    print("- load average at the starts: %.2f to %.2f" % (min(loads),
                                                          max(loads)))
print()
print("Changes that did not show within the time limit or whose command "
      "failed: %d%s." % (failed, extra))
lost = tot("sk-publish", "lost") if "sk-publish" in d else None
if lost is not None:
    print("target: publishing under load: zero lost queries: %d lost: %s"
          % (lost, "met" if lost == 0 and failed == 0 else "not met"))
