#!/usr/bin/env python3
"""Ask a resolver for listed names at a steady pace and report what it did.

usage: blockpoll.py PORT FILE

Asks 127.0.0.1:PORT for the names of FILE (first word of each line, type
A), one every 10 ms, on one socket without waiting for the answers, which
are matched by id; a query without an answer within 3 s is a timeout. It
keeps its pace whatever the resolver does, unlike dnsperf, which stops
sending while its outstanding limit is reached: a stall shows here as
timeouts and as a long gap between answers.

On SIGTERM or SIGINT it stops sending, waits for the outstanding answers
(at most 3 s) and prints one line:
  sent answered blocked leaked other timeouts late lat_max_ms gap_max_ms
blocked = 0.0.0.0 or NXDOMAIN; leaked = any other address (resolved from
the upstream); other = any other answer; late = answers after their
timeout; gap_max_ms = the longest time between two answers.
"""

import os
import select
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
import dnswire  # noqa: E402  (the packet helpers)

INTERVAL, TIMEOUT = 0.010, 3.0


def verdict(data):
    rcode, addrs = dnswire.answer(data)
    if rcode == 3:
        return "blocked"
    if rcode or not addrs:
        return "other"
    return "blocked" if addrs == ["0.0.0.0"] else "leaked"


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    port = int(argv[1])
    with open(argv[2]) as fh:
        names = [line.split()[0] for line in fh if line.strip()]
    if not names:
        sys.stderr.write("blockpoll: no names in %s\n" % argv[2])
        return 2
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    c = dict(sent=0, answered=0, blocked=0, leaked=0, other=0, timeouts=0,
             late=0)
    pending, qid, lat_max, gap_max, last = {}, 0, 0.0, 0.0, None
    next_send, t_stop = time.monotonic(), None
    while True:
        now = time.monotonic()
        if stop and t_stop is None:
            t_stop = now
        if t_stop is not None and (not pending or now - t_stop > TIMEOUT):
            break
        if t_stop is None and now >= next_send:
            qid = (qid + 1) & 0xFFFF
            try:
                s.sendto(dnswire.query(qid, names[qid % len(names)]),
                         ("127.0.0.1", port))
            except OSError:
                pass
            pending[qid] = now
            c["sent"] += 1
            next_send += INTERVAL
            if next_send < now - 1.0:
                next_send = now
        for q in [q for q, t in pending.items() if now - t > TIMEOUT]:
            del pending[q]
            c["timeouts"] += 1
        if t_stop is not None:
            wait = 0.01
        else:
            wait = max(0.0, min(next_send - now, 0.01))
        try:
            ready = select.select([s], [], [], wait)[0]
        except InterruptedError:
            continue
        if not ready:
            continue
        while True:
            try:
                data = s.recv(4096)
            except (BlockingIOError, ConnectionRefusedError):
                break
            t = time.monotonic()
            if len(data) < 12:
                continue
            if last is not None:
                gap_max = max(gap_max, t - last)
            last = t
            rid = struct.unpack(">H", data[:2])[0]
            if rid not in pending:
                c["late"] += 1
                continue
            lat_max = max(lat_max, t - pending.pop(rid))
            c["answered"] += 1
            c[verdict(data)] += 1
    print(c["sent"], c["answered"], c["blocked"], c["leaked"], c["other"],
          c["timeouts"], c["late"], "%.1f" % (lat_max * 1e3),
          "%.1f" % (gap_max * 1e3))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
