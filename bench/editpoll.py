#!/usr/bin/env python3
"""Time how long a policy change takes to show in a running resolver.

usage: editpoll.py PORT NAME EXPECT TIMEOUT COMMAND...

Asks 127.0.0.1:PORT for "NAME A" once and checks that the answer is not
EXPECT yet; then starts COMMAND (sinkhole-ctl block, allow, exempt,
publish) and asks again every 20 ms until the answer is EXPECT:
  sinkhole   an A record 0.0.0.0 (the sinkhole answer)
  resolved   an A record other than 0.0.0.0 (resolved from upstream)
Prints "CMD_MS VISIBLE_MS STATUS": how long COMMAND ran, the time from
its start to the first changed answer, and COMMAND's exit status; "-" for
VISIBLE_MS after TIMEOUT seconds. Exit status 0 when the change was seen
and COMMAND succeeded, 1 otherwise (the reason on standard error). The
queries go from Python sockets rather than dig, so that starting a
process every 20 ms does not count.
"""

import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
import dnswire  # noqa: E402  (the packet helpers)

INTERVAL = 0.020


def query(sock, port, name, qid):
    """One A query; the answer's class: sinkhole, resolved, other."""
    sock.sendto(dnswire.query(qid, name), ("127.0.0.1", port))
    deadline = time.monotonic() + 1.0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        sock.settimeout(left)
        try:
            data = sock.recv(4096)
        except socket.timeout:
            return "timeout"
        if len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid:
            break
    rcode, addrs = dnswire.answer(data)
    if rcode:
        return "rcode%d" % rcode
    if not addrs:
        return "nodata"
    return "sinkhole" if "0.0.0.0" in addrs else "resolved"


def main(argv):
    if len(argv) < 6 or argv[3] not in ("sinkhole", "resolved"):
        sys.stderr.write(__doc__)
        return 2
    port, name, expect = int(argv[1]), argv[2], argv[3]
    timeout, command = float(argv[4]), argv[5:]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    qid = os.getpid() & 0x7FFF
    before = query(sock, port, name, qid)
    if before == expect:
        sys.stderr.write("editpoll: %s is %s before the change\n" %
                         (name, before))
        print("- - -")
        return 1
    done = {}

    def run():
        p = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        done["rc"] = p.wait()
        done["t"] = time.monotonic()

    t0 = time.monotonic()
    th = threading.Thread(target=run)
    th.start()
    seen = None
    last = before
    tick = t0
    while time.monotonic() - t0 < timeout:
        qid = (qid + 1) & 0xFFFF
        last = query(sock, port, name, qid)
        if last == expect:
            seen = time.monotonic()
            break
        tick += INTERVAL
        time.sleep(max(0.0, tick - time.monotonic()))
    th.join()
    cmd_ms = (done["t"] - t0) * 1e3
    vis = "%.1f" % ((seen - t0) * 1e3) if seen is not None else "-"
    print("%.1f %s %d" % (cmd_ms, vis, done["rc"]))
    if seen is None:
        sys.stderr.write("editpoll: %s still %s after %g s\n" %
                         (name, last, timeout))
    return 0 if seen is not None and done["rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
