"""t59's policy, upstream zone and client (sinkhole-ctl export --rpz).

  rpzcompare.py gen DIR        write DIR/policy.conf and its lists,
                               DIR/t59.zone (every name asked, its own
                               address) and DIR/listed.txt, DIR/unlisted.txt
  rpzcompare.py ask PORT_A PORT_B LISTED UNLISTED
                               ask both resolvers every name (type A, from
                               Python sockets, many in flight) and compare
                               the answer: rcode and the A addresses. Prints
                               one "class count" line per answer class of
                               the first resolver, "mismatch N", and the
                               first mismatches.

The policy has every action (sinkhole, nxdomain, nodata, rewrite, monitor),
every match (subtree, exact "=", below "*."), RPZ-list entries with their
own answers, allow entries below blocked names and above them, monitor
names below blocked ones, and blocked names below names of another
category (the wildcards DNS wildcard rules need in between, "fills")."""
import os
import random
import select
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import dnswire  # noqa: E402

SINKHOLE = "0.0.0.0"


def gen(d):
    rnd = random.Random(59)
    lists = {k: [] for k in ("adult", "nx", "nod", "rw", "mon", "allow")}
    rpz = []
    listed = []  # names to ask that relate to an entry

    def sub(name):
        return "q%d.%s" % (rnd.randrange(1000), name)

    def add(lst, count, fmt, entry="%s", extra=(), base=0):
        """count entries of list lst: names fmt % i (i from base) written
        as entry % name; asked: the name, one below it, and extra % i."""
        for i in range(base, base + count):
            n = fmt % i
            lists[lst].append(entry % n)
            listed.extend([n, sub(n)] + [e % i for e in extra])

    add("adult", 2500, "a%d.t59", extra=("x.q1.a%d.t59",))
    add("adult", 250, "ae%d.t59", "=%s")
    add("adult", 250, "ab%d.t59", "*.%s")
    add("nx", 1200, "n%d.t59")
    # A sinkhole name two labels below an nxdomain one: the names beside
    # it (c.x.nI) are nxdomain, below it sinkhole.
    add("adult", 300, "s.x.n%d.t59", extra=("c.x.n%d.t59", "x.n%d.t59"))
    add("nod", 800, "z%d.t59")
    for i in range(400):
        lists["rw"].append("r%d.t59 safe%d.t59" % (i, i % 7))
        listed += ["r%d.t59" % i, sub("r%d.t59" % i)]
    add("mon", 400, "m%d.t59")
    # Monitor below sinkhole: the blocking category wins.
    add("mon", 200, "mm.a%d.t59")
    # Allow below blocked names (subtree and exact), and above them.
    add("allow", 300, "ok.a%d.t59", base=300)
    add("allow", 200, "w.n%d.t59", "=%s", base=400)
    add("allow", 150, "p%d.t59", extra=("b.p%d.t59",))
    add("adult", 150, "b.p%d.t59")
    # An RPZ list: its entries' own answers beat the category's.
    for i in range(300):
        rpz.append("o%d.t59 CNAME *." % i)
        rpz.append("*.o%d.t59 CNAME ." % i)
        listed += ["o%d.t59" % i, sub("o%d.t59" % i)]
    rnd.shuffle(listed)
    listed = list(dict.fromkeys(listed))[:10000]
    unlisted = ["u%d.t59" % i for i in range(5000)] + [
        "u%d.other.t59" % i for i in range(5000)]

    os.makedirs(d, exist_ok=True)
    for k, v in lists.items():
        with open(os.path.join(d, k + ".txt"), "w") as f:
            f.write("\n".join(v) + "\n")
    with open(os.path.join(d, "own.rpz"), "w") as f:
        f.write("$ORIGIN own.rpz.\n@ SOA localhost. root.localhost. "
                "1 3600 600 86400 300\n@ NS localhost.\n")
        f.write("\n".join(rpz) + "\n")
    with open(os.path.join(d, "policy.conf"), "w") as f:
        f.write('category adult action=sinkhole ref="t59 1"\n'
                'category nx action=nxdomain ref="t59 2"\n'
                'category nod action=nodata ref="t59 3"\n'
                'category rw action=rewrite ref="t59 4"\n'
                'category mon action=monitor ref="t59 5"\n'
                "list adult domains adult.txt\n"
                "list adult rpz own.rpz\n"
                "list nx domains nx.txt\n"
                "list nod domains nod.txt\n"
                "list rw rewrite rw.txt match=subtree\n"
                "list mon domains mon.txt\n"
                "allow domains allow.txt\n"
                'exempt 127.0.0.2/32 approver="T Approver" '
                'reason="TICKET-59" expires=2099-01-01\n')
    with open(os.path.join(d, "t59.zone"), "w") as f:
        f.write("$ORIGIN t59.\n$TTL 300\n@ SOA ns.t59. h.t59. 1 3600 600 "
                "86400 300\n@ NS ns.t59.\nns A 127.0.0.1\n")
        for i in range(7):
            f.write("safe%d A 192.0.2.%d\n" % (i, 50 + i))
        for i, n in enumerate(listed + unlisted):
            f.write("%s. A 10.%d.%d.%d\n" % (n, i >> 16, (i >> 8) & 255,
                                             i & 255))
    for name, v in (("listed.txt", listed), ("unlisted.txt", unlisted)):
        with open(os.path.join(d, name), "w") as f:
            f.write("\n".join(v) + "\n")


def ask_all(port, names, window=64, timeout=4.0, tries=3):
    """{name: (rcode, sorted A addresses)} from 127.0.0.1:port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    todo = list(range(len(names)))[::-1]
    inflight = {}  # qid -> (index, sent, tries)
    out = {}
    qid = 0
    while todo or inflight:
        while todo and len(inflight) < window:
            i = todo.pop()
            qid = (qid + 1) & 0xFFFF
            while qid in inflight:
                qid = (qid + 1) & 0xFFFF
            s.send(dnswire.query(qid, names[i]))
            inflight[qid] = (i, time.time(), 1)
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            while True:
                try:
                    msg = s.recv(65535)
                except BlockingIOError:
                    break
                rid = int.from_bytes(msg[:2], "big")
                if rid not in inflight:
                    continue
                i, _, _ = inflight.pop(rid)
                rc, addrs = dnswire.answer(msg)
                out[names[i]] = (rc, tuple(sorted(addrs)))
        now = time.time()
        for k, (i, sent, n) in list(inflight.items()):
            if now - sent > timeout:
                del inflight[k]
                if n < tries:
                    s.send(dnswire.query(k, names[i]))
                    inflight[k] = (i, now, n + 1)
                else:
                    out[names[i]] = ("timeout", ())
    return out


def klass(ans):
    rc, addrs = ans
    if rc == "timeout":
        return "timeout"
    if rc == 3:
        return "nxdomain"
    if rc != 0:
        return "rcode%d" % rc
    if not addrs:
        return "nodata"
    if addrs == (SINKHOLE,):
        return "blocked"
    if all(a.startswith("192.0.2.") for a in addrs):
        return "rewritten"
    return "resolved"


def ask(port_a, port_b, listed, unlisted):
    names = []
    for p in (listed, unlisted):
        with open(p) as f:
            names += [ln.strip() for ln in f if ln.strip()]
    a = ask_all(int(port_a), names)
    b = ask_all(int(port_b), names)
    counts = {}
    bad = []
    for n in names:
        counts[klass(a[n])] = counts.get(klass(a[n]), 0) + 1
        if a[n] != b[n]:
            bad.append((n, a[n], b[n]))
    for k in sorted(counts):
        print("class %s %d" % (k, counts[k]))
    print("mismatch %d" % len(bad))
    for n, x, y in bad[:20]:
        print("  %s: %s %s vs %s %s" % (n, klass(x), x, klass(y), y))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        ask(*sys.argv[2:6])
