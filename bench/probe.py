#!/usr/bin/env python3
"""Small measuring helpers for bench/resolver.sh.

  probe.py latency FILE [NAMES...]
      Read `dnsperf -v` output; print "avg_ms p99_ms max_ms answered
      timeouts" over the per-query lines ("> RCODE name type seconds").
      With files of NAMES (first word of each line), two more fields:
      "p99_ms max_ms" over the queries for those names alone.
  probe.py launch PORT LOG CPU COMMAND...
      Start COMMAND pinned to CPU (stdout and stderr to LOG), then ask
      127.0.0.1:PORT for "localhost. A" every 2 ms until any answer comes;
      print "PID MS": the process id and the milliseconds from launch to
      the first answer ("PID timeout" after 300 s). The process keeps
      running; stop it by its PID.
  probe.py wait PORT
      The same for a server that is already starting (exit status only).
  probe.py cpu PID CPU
      Print "TICKS BUSY TOTAL": the process's utime+stime in clock ticks
      (/proc/PID/stat, all threads), and the busy and total ticks of CPU
      (/proc/stat), to tell how much of that core others used.
  probe.py mem PID [MAPPED_FILE]
      Print "rss_kib anon_kib private_kib shared_kib map_kib": VmRSS, and
      from smaps_rollup Anonymous, Private_Clean+Private_Dirty and
      Shared_Clean+Shared_Dirty; map_kib is the resident part of the
      mappings of MAPPED_FILE (the snapshot), from smaps.
"""

import os
import socket
import struct
import subprocess
import sys
import time


def wait_answer(port, timeout):
    q = struct.pack(">HHHHHH", 0x5eed, 0x0100, 1, 0, 0, 0)
    q += b"\x09localhost\x00" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.002)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            s.sendto(q, ("127.0.0.1", port))
            data = s.recv(512)
            if len(data) >= 2 and data[:2] == q[:2]:
                return True
        except (socket.timeout, ConnectionRefusedError):
            time.sleep(0.001)
    return False


def cmd_launch(port, log, cpu, command):
    out = open(log, "ab")
    t0 = time.monotonic()
    p = subprocess.Popen(["taskset", "-c", cpu] + command, stdout=out,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    ok = wait_answer(port, 300.0)
    ms = (time.monotonic() - t0) * 1e3
    print(p.pid, "%.1f" % ms if ok else "timeout")
    # Leave the child running: the caller stops it by PID.
    return 0 if ok else 1


def percentiles(lat):
    """ "p99 max" of a list of seconds, in milliseconds."""
    if not lat:
        return "- -"
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return "%.3f %.3f" % (p99 * 1e3, lat[-1] * 1e3)


def cmd_latency(path, name_files):
    names = set()
    for nf in name_files:
        with open(nf) as f:
            names.update(line.split()[0] for line in f if line.strip())
    lat, some = [], []
    timeouts = 0
    with open(path, errors="replace") as f:
        for line in f:
            if not line.startswith("> "):
                continue
            parts = line.split()
            if len(parts) < 5 or parts[1] == "I":
                continue
            if parts[1] == "T":
                timeouts += 1
                continue
            try:
                v = float(parts[-1])
            except ValueError:
                continue
            lat.append(v)
            if parts[2] in names:
                some.append(v)
    avg = "%.3f" % (sum(lat) / len(lat) * 1e3) if lat else "-"
    line = "%s %s %d %d" % (avg, percentiles(lat), len(lat), timeouts)
    if name_files:
        line += " " + percentiles(some)
    print(line)
    return 0


def cmd_cpu(pid, cpu):
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    ticks = int(fields[11]) + int(fields[12])
    busy = total = 0
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu%s " % cpu):
                v = [int(x) for x in line.split()[1:]]
                total = sum(v[:8])
                busy = total - v[3] - v[4]  # minus idle and iowait
    print(ticks, busy, total)
    return 0


def cmd_mem(pid, mapped=None):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    roll = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0].endswith(":"):
                roll[parts[0][:-1]] = int(parts[1])
    mapkib = 0
    if mapped:
        cur = False
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                first = line.split(None, 1)[0]
                if "-" in first and not first.endswith(":"):
                    cur = line.rstrip().endswith(mapped)
                elif cur and first == "Rss:":
                    mapkib += int(line.split()[1])
    print(rss, roll.get("Anonymous", 0),
          roll.get("Private_Clean", 0) + roll.get("Private_Dirty", 0),
          roll.get("Shared_Clean", 0) + roll.get("Shared_Dirty", 0), mapkib)
    return 0


def main(argv):
    if len(argv) >= 6 and argv[1] == "launch":
        return cmd_launch(int(argv[2]), argv[3], argv[4], argv[5:])
    if len(argv) == 3 and argv[1] == "wait":
        return 0 if wait_answer(int(argv[2]), 10.0) else 1
    if len(argv) >= 3 and argv[1] == "latency":
        return cmd_latency(argv[2], argv[3:])
    if len(argv) == 4 and argv[1] == "cpu":
        return cmd_cpu(int(argv[2]), argv[3])
    if len(argv) in (3, 4) and argv[1] == "mem":
        return cmd_mem(int(argv[2]), argv[3] if len(argv) == 4 else None)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
