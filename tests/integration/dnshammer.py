#!/usr/bin/env python3
"""Many UDP DNS queries from several client addresses at once, every reply
classified: the load of the cache-window stress test (t25).

usage: dnshammer.py PORT CLIENTS NAMES WINDOW SECONDS REAL OUT

  PORT     the resolver's port on 127.0.0.1
  CLIENTS  comma-separated source addresses (127.0.0.N), one socket each
  NAMES    comma-separated query names (type A): socket i asks name i
           (modulo their number), again and again
  WINDOW   queries each socket keeps in flight: a reply is followed at
           once by the next query
  SECONDS  how long each socket sends
  REAL     comma-separated addresses that must never be in an answer
  OUT      one line per reply: client-ip client-port qname verdict, where
           verdict is "real" (an address of REAL in the answer), "sinkhole"
           (0.0.0.0), or the rcode name with "-empty" or "-other"

Prints one summary line: sent, replies, real, sinkhole, other, lost.
Replies missing 5 s after their query are counted as lost."""
import socket
import struct
import sys
import threading
import os
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import dnswire  # noqa: E402  (the packet helpers)

RCODES = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}


class Client:
    """One socket asking one name: WINDOW queries in flight, and the next
    one sent as soon as a reply arrives, so new queries land while the
    resolver is still answering the burst of queries that completed."""

    def __init__(self, addr, port, name, window, seconds, real):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.sock.bind((addr, 0))
        self.addr, self.cport = self.sock.getsockname()
        self.server = ("127.0.0.1", port)
        self.name, self.window, self.seconds = name, window, seconds
        self.real = set(real)
        self.pending = {}  # query id -> time sent
        self.next_id = 0
        self.lines = []
        self.count = {"sent": 0, "replies": 0, "real": 0, "sinkhole": 0,
                      "other": 0}

    def send(self):
        qid = self.next_id & 0xFFFF
        self.next_id += 1
        query = dnswire.query(qid, self.name)
        self.pending[qid] = time.monotonic()
        self.sock.sendto(query, self.server)
        self.count["sent"] += 1

    def run(self, delay):
        time.sleep(delay)
        start = time.monotonic()
        for _ in range(self.window):
            self.send()
        self.sock.settimeout(0.5)
        while self.pending:
            now = time.monotonic()
            sending = now - start < self.seconds
            if now - start > self.seconds + 8:
                return
            for qid, sent in list(self.pending.items()):
                if now - sent > 5:  # lost: give it up, keep the window
                    del self.pending[qid]
                    if sending:
                        self.send()
            try:
                msg, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            qid = struct.unpack("!H", msg[:2])[0]
            if self.pending.pop(qid, None) is None:
                continue
            if sending:
                self.send()
            rcode, addrs = dnswire.answer(msg)
            self.count["replies"] += 1
            if self.real.intersection(addrs):
                verdict = "real"
            elif addrs == ["0.0.0.0"]:
                verdict = "sinkhole"
            else:
                verdict = RCODES.get(rcode, str(rcode)) + \
                    ("-other" if addrs else "-empty")
            self.count["real" if verdict == "real" else
                       "sinkhole" if verdict == "sinkhole" else "other"] += 1
            self.lines.append("%s %d %s %s" % (self.addr, self.cport,
                                               self.name.rstrip(".") + ".",
                                               verdict))


def main():
    port = int(sys.argv[1])
    names = sys.argv[3].split(",")
    clients = [Client(a, port, names[i % len(names)], int(sys.argv[4]),
                      float(sys.argv[5]), sys.argv[6].split(","))
               for i, a in enumerate(sys.argv[2].split(","))]
    # Staggered starts over one upstream delay: the sockets' rounds do not
    # all end at the same moment.
    threads = [threading.Thread(target=c.run, daemon=True,
                                args=(0.5 * i / len(clients),))
               for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = {k: sum(c.count[k] for c in clients) for k in clients[0].count}
    total["lost"] = total["sent"] - total["replies"]
    with open(sys.argv[7], "w", encoding="ascii") as out:
        for c in clients:
            out.write("".join(line + "\n" for line in c.lines))
    print(" ".join("%s=%d" % (k, total[k]) for k in
                   ("sent", "replies", "real", "sinkhole", "other", "lost")))


if __name__ == "__main__":
    main()
