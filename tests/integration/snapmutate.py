#!/usr/bin/env python3
"""Damaged copies of a snapshot, and the loops that feed them to a resolver.

Used by t27_corrupt_snapshots.sh and t27_ctl_refuses_damaged.sh.

A snapshot is an LMDB file (4096-byte pages, a 16-byte page header, the
meta at offset 16 of pages 0 and 1) followed by sinkhole's digest trailer
(lib/core/snapverify.h: 64 bytes, magic "sinkhole digest1", the covered
length and the SHA-256 of every byte before it). The variants are seeded
and deterministic:

  raw     the bytes changed and nothing else, as a broken copy or a bad
          disk would leave them: the digest must refuse every one;
  sealed  the same kinds of edit with the trailer recomputed, as someone
          with write access to the publication directory could do: the
          structural walk and the content id must refuse them, or the file
          holds the same content as before (then it may be taken: its id is
          the good one's and every answer stays).

Commands:
  variants GOOD OUTDIR [--seed N]   write OUTDIR/NNNN.mdb and OUTDIR/index.tsv
  damage GOOD OUT [--reseal]        change one stored record (LMDB itself
                                    would not notice)
  live ...                          rename each variant over the active path
                                    of a running resolver, check every answer
  startup ...                       start the resolver on each variant
Run with -h for the options of each.
"""

import argparse
import hashlib
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import dnswire  # noqa: E402  (the packet helpers)

PS = 4096
MAGIC = b"sinkhole digest1"
TRAILER = 64

P_BRANCH, P_LEAF, P_OVERFLOW, P_META, P_LEAF2 = 0x01, 0x02, 0x04, 0x08, 0x20
F_BIGDATA, F_SUBDATA = 0x01, 0x02


# --- the file ----------------------------------------------------------------

def split(data):
    """(LMDB body, trailer); the trailer is b'' when there is none."""
    if len(data) >= TRAILER and data[-TRAILER:-TRAILER + 16] == MAGIC:
        return data[:-TRAILER], data[-TRAILER:]
    return data, b""


def seal(body):
    """body with a fresh digest trailer."""
    return (body + MAGIC + struct.pack("<Q", len(body)) +
            hashlib.sha256(body).digest() + b"\0" * 8)


def db_fields(off, label):
    """The fields of an MDB_db record (48 bytes) at off."""
    return [(off + 4, 2, label + ".flags"), (off + 6, 2, label + ".depth"),
            (off + 8, 8, label + ".branch_pages"),
            (off + 16, 8, label + ".leaf_pages"),
            (off + 24, 8, label + ".overflow_pages"),
            (off + 32, 8, label + ".entries"), (off + 40, 8, label + ".root")]


def layout(body):
    """Every LMDB field of body, by kind: {kind: [(offset, size, label)]}.
    Kinds: header (page headers and node pointers), node (node sizes and
    flags), meta (both meta pages), subdb (the records of the named
    databases in the main tree)."""
    out = {"header": [], "node": [], "meta": [], "subdb": []}
    n = len(body) // PS
    p = 0
    while p < n:
        base = p * PS
        _, _, flags, lower, upper = struct.unpack_from("<QHHHH", body, base)
        out["header"].append((base, 8, "p%d.pgno" % p))
        out["header"].append((base + 10, 2, "p%d.flags" % p))
        if flags & P_META:
            m = base + 16
            out["meta"] += [(m, 4, "p%d.magic" % p), (m + 4, 4, "p%d.version" % p),
                            (m + 16, 8, "p%d.mapsize" % p),
                            (m + 120, 8, "p%d.last_pg" % p),
                            (m + 128, 8, "p%d.txnid" % p)]
            out["meta"] += db_fields(m + 24, "p%d.freedb" % p)
            out["meta"] += db_fields(m + 72, "p%d.maindb" % p)
            p += 1
            continue
        if flags & P_OVERFLOW:
            out["header"].append((base + 12, 4, "p%d.ovpages" % p))
            count = struct.unpack_from("<I", body, base + 12)[0]
            p += max(1, min(count, n - p))
            continue
        if flags & (P_BRANCH | P_LEAF) and not flags & P_LEAF2:
            out["header"] += [(base + 12, 2, "p%d.lower" % p),
                              (base + 14, 2, "p%d.upper" % p)]
            nkeys = max(0, min((lower - 16) // 2, (PS - 16) // 2))
            for i in range(nkeys):
                out["header"].append((base + 16 + 2 * i, 2, "p%d.ptr%d" % (p, i)))
                off = struct.unpack_from("<H", body, base + 16 + 2 * i)[0]
                if off < 16 or off + 8 > PS:
                    continue
                node = base + off
                lab = "p%d.node%d" % (p, i)
                out["node"] += [(node, 2, lab + ".lo"), (node + 2, 2, lab + ".hi"),
                                (node + 4, 2, lab + ".flags"),
                                (node + 6, 2, lab + ".ksize")]
                nflags, ksize = struct.unpack_from("<HH", body, node + 4)
                data = node + 8 + ksize
                if flags & P_LEAF and nflags & F_SUBDATA and data + 48 <= base + PS:
                    out["subdb"] += db_fields(data, lab + ".db")
                if flags & P_LEAF and nflags & F_BIGDATA and data + 8 <= base + PS:
                    out["node"].append((data, 8, lab + ".ovpgno"))
        p += 1
    return out


def current_meta(body):
    """Offset of the meta LMDB uses (the higher txnid)."""
    t0 = struct.unpack_from("<Q", body, 16 + 128)[0]
    t1 = struct.unpack_from("<Q", body, PS + 16 + 128)[0]
    return PS + 16 if t1 >= t0 else 16


def leaves(body, root):
    """Page numbers of the leaf pages under root (a well-formed tree)."""
    todo, out = [root], []
    while todo:
        p = todo.pop()
        base = p * PS
        _, _, flags, lower, _ = struct.unpack_from("<QHHHH", body, base)
        if flags & P_LEAF:
            out.append(p)
            continue
        for i in range((lower - 16) // 2):
            off = struct.unpack_from("<H", body, base + 16 + 2 * i)[0]
            lo, hi, fl = struct.unpack_from("<HHH", body, base + off)
            todo.append(lo | hi << 16 | fl << 32)
    return sorted(out)


def subdb_root(body, name):
    """Root page of a named database."""
    m = current_meta(body)
    main_root = struct.unpack_from("<Q", body, m + 72 + 40)[0]
    for p in leaves(body, main_root):
        base = p * PS
        _, _, _, lower, _ = struct.unpack_from("<QHHHH", body, base)
        for i in range((lower - 16) // 2):
            off = struct.unpack_from("<H", body, base + 16 + 2 * i)[0]
            ksize = struct.unpack_from("<H", body, base + off + 6)[0]
            key = body[base + off + 8:base + off + 8 + ksize]
            if key == name:
                return struct.unpack_from("<Q", body, base + off + 8 + ksize + 40)[0]
    raise SystemExit("snapmutate: no database %r" % name)


def damage(data, reseal):
    """Change the list line number of the first stored record of "names":
    LMDB sees a well-formed file, the content is another."""
    body, trailer = split(data)
    body = bytearray(body)
    page = leaves(body, subdb_root(body, b"names"))[0]
    base = page * PS
    off = struct.unpack_from("<H", body, base + 16)[0]
    ksize = struct.unpack_from("<H", body, base + off + 6)[0]
    rec = base + off + 8 + ksize
    body[rec + 8] ^= 0x01  # sk_entry_rec.line, low byte
    if reseal or not trailer:
        return seal(bytes(body)) if reseal else bytes(body)
    return bytes(body) + trailer


# --- the variants ------------------------------------------------------------

def new_value(rnd, size, value, npages):
    """A damaged value of a field: a flipped bit, an edge, an out-of-range
    page number, or noise."""
    top = (1 << (8 * size)) - 1
    choice = rnd.randrange(9)
    if choice == 0:
        v = value ^ (1 << rnd.randrange(8 * size))
    elif choice == 1:
        v = 0
    elif choice == 2:
        v = top
    elif choice == 3:
        v = (value + 1) & top
    elif choice == 4:
        v = (value - 1) & top
    elif choice == 5:
        v = min(npages, top)
    elif choice == 6:
        v = min(PS, top) if size <= 2 else min(npages + 1, top)
    elif choice == 7:
        v = min(0x8000, top) if size <= 2 else min(1 << 31, top)
    else:
        v = rnd.randrange(top + 1)
    if v == value:
        v = value ^ (1 << rnd.randrange(8 * size))
    return v


def set_field(body, off, size, value):
    b = bytearray(body)
    b[off:off + size] = value.to_bytes(size, "little")
    return bytes(b)


def variants(good, seed):
    """[(kind, description, bytes)]; kind is raw or sealed."""
    body, trailer = split(good)
    if not trailer:
        raise SystemExit("snapmutate: %d bytes without a digest trailer" % len(good))
    rnd = random.Random(seed)
    npages = len(body) // PS
    fields = layout(body)
    out = []

    def field_edit(kind_of_field, count, sealed):
        for _ in range(count):
            off, size, label = rnd.choice(fields[kind_of_field])
            old = int.from_bytes(body[off:off + size], "little")
            new = new_value(rnd, size, old, npages)
            b = set_field(body, off, size, new)
            desc = "%s %s %#x -> %#x" % (kind_of_field, label, old, new)
            out.append(("sealed", desc, seal(b)) if sealed
                       else ("raw", desc, b + trailer))

    # Raw: bit flips anywhere (the trailer too).
    for _ in range(120):
        pos = rnd.randrange(len(good))
        bit = rnd.randrange(8)
        b = bytearray(good)
        b[pos] ^= 1 << bit
        out.append(("raw", "flip byte %d bit %d" % (pos, bit), bytes(b)))
    # Raw: LMDB fields.
    field_edit("node", 20, False)
    field_edit("header", 15, False)
    field_edit("meta", 15, False)
    field_edit("subdb", 10, False)
    # Raw: truncations at and between page boundaries, and growth.
    cuts = [k * PS for k in range(npages + 1)]
    cuts += [len(good) - TRAILER, len(good) - TRAILER + 16, len(good) - 1]
    cuts += sorted(rnd.randrange(1, len(good)) for _ in range(8))
    for c in cuts:
        out.append(("raw", "truncated to %d bytes" % c, good[:c]))
    out.append(("raw", "one byte appended", good + b"\0"))
    out.append(("raw", "a page of noise appended",
                good + bytes(rnd.randrange(256) for _ in range(PS))))
    # Raw: the trailer's own fields.
    for start, end, what in ((0, 16, "magic"), (16, 24, "length"),
                             (24, 56, "digest"), (56, 64, "padding")):
        for _ in range(3):
            pos = len(body) + rnd.randrange(start, end)
            bit = rnd.randrange(8)
            b = bytearray(good)
            b[pos] ^= 1 << bit
            out.append(("raw", "trailer %s: flip byte %d bit %d" % (what, pos, bit),
                        bytes(b)))
    # Sealed: LMDB fields with a digest that matches.
    field_edit("node", 30, True)
    field_edit("header", 30, True)
    field_edit("meta", 25, True)
    field_edit("subdb", 15, True)
    for _ in range(60):
        pos = rnd.randrange(len(body))
        bit = rnd.randrange(8)
        b = bytearray(body)
        b[pos] ^= 1 << bit
        out.append(("sealed", "flip byte %d bit %d" % (pos, bit), seal(bytes(b))))
    for k in range(npages):
        out.append(("sealed", "LMDB cut to %d pages" % k, seal(body[:k * PS])))
    for _ in range(4):
        c = rnd.randrange(1, len(body))
        out.append(("sealed", "LMDB cut to %d bytes" % c, seal(body[:c])))
    out.append(("sealed", "a zero page after LMDB's last", seal(body + b"\0" * PS)))
    out.append(("sealed", "a page of noise after LMDB's last",
                seal(body + bytes(rnd.randrange(256) for _ in range(PS)))))
    # Sealed, crafted: the older meta made current; both metas alike.
    m0, m1 = 16 + 128, PS + 16 + 128
    t0 = struct.unpack_from("<Q", body, m0)[0]
    t1 = struct.unpack_from("<Q", body, m1)[0]
    b = set_field(set_field(body, m0, 8, t1), m1, 8, t0)
    out.append(("sealed", "meta txnids swapped (the older meta current)", seal(b)))
    b = set_field(body, m0, 8, t1 + 1)
    out.append(("sealed", "meta page 0 txnid above page 1's", seal(b)))
    b = bytearray(body)
    b[0:PS] = body[PS:2 * PS]
    b[0:8] = (0).to_bytes(8, "little")
    out.append(("sealed", "meta page 1 copied over page 0", seal(bytes(b))))
    return out


def cmd_variants(args):
    good = open(args.good, "rb").read()
    os.makedirs(args.outdir, exist_ok=True)
    vs = variants(good, args.seed)
    with open(os.path.join(args.outdir, "index.tsv"), "w") as idx:
        for i, (kind, desc, data) in enumerate(vs):
            name = "%04d.mdb" % i
            with open(os.path.join(args.outdir, name), "wb") as f:
                f.write(data)
            idx.write("%s\t%s\t%s\n" % (name, kind, desc))
    print("%d variants (%d raw, %d sealed) of %d bytes" % (
        len(vs), sum(1 for v in vs if v[0] == "raw"),
        sum(1 for v in vs if v[0] == "sealed"), len(good)))


def cmd_damage(args):
    data = damage(open(args.good, "rb").read(), args.reseal)
    with open(args.out, "wb") as f:
        f.write(data)


# --- asking the resolver -----------------------------------------------------


def ask(port, name, qtype="A", timeout=3.0, tries=2):
    """The answer as text: "A:addr[,addr]", "NOERROR:" (no data),
    "NXDOMAIN", "SERVFAIL", ... or "TIMEOUT"."""
    for _ in range(tries):
        qid = random.randrange(1 << 16)
        pkt = dnswire.query(qid, name, dnswire.QTYPES[qtype])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", 0))
            s.settimeout(timeout)
            s.sendto(pkt, ("127.0.0.1", port))
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout
                s.settimeout(left)
                resp = s.recv(4096)
                if len(resp) >= 12 and struct.unpack(">H", resp[:2])[0] == qid:
                    return parse_answer(resp)
        except socket.timeout:
            continue
        finally:
            s.close()
    return "TIMEOUT"


def parse_answer(msg):
    rcode, addrs = dnswire.answer(msg)
    names = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}
    if rcode != 0:
        return names.get(rcode, "RCODE%d" % rcode)
    return "A:" + ",".join(sorted(addrs)) if addrs else "NOERROR:"


def load_checks(path):
    """Lines "NAME TYPE EXPECTED" ('#' comments)."""
    out = []
    for line in open(path):
        line = line.split("#", 1)[0].split()
        if line:
            out.append((line[0], line[1], line[2]))
    return out


def run_checks(port, checks):
    """[(name, got, want)] of the answers that are not what they must be."""
    bad = []
    for name, qtype, want in checks:
        got = ask(port, name, qtype)
        if got != want:
            bad.append((name, got, want))
    return bad


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


# --- following Unbound's log -------------------------------------------------

class Log:
    """New complete lines of a growing log file."""

    def __init__(self, path, from_end=True):
        self.path = path
        self.pos = os.path.getsize(path) if from_end and os.path.exists(path) else 0

    def new_lines(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                chunk = f.read()
        except FileNotFoundError:
            return []
        end = chunk.rfind(b"\n")
        if end < 0:
            return []
        self.pos += end + 1
        return chunk[:end].decode("utf-8", "replace").split("\n")

    def wait_for(self, regex, timeout):
        """The first new line matching regex, or None after timeout s."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.new_lines():
                if re.search(regex, line):
                    return line
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)


def load_index(vdir, limit):
    out = []
    for line in open(os.path.join(vdir, "index.tsv")):
        name, kind, desc = line.rstrip("\n").split("\t", 2)
        out.append((os.path.join(vdir, name), kind, desc))
    if limit and limit < len(out):
        # Spread over every kind of variant rather than the first ones.
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    return out


def put_in_place(data, active):
    """Arrive as a copy from another server would: a complete file under a
    temporary name, renamed over the active path."""
    tmp = os.path.join(os.path.dirname(active), ".incoming.%d" % os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, active)


class Tally:
    def __init__(self, what):
        self.what = what
        self.n = 0
        self.refused = {}
        self.same = 0
        self.failures = []
        self.slowest = 0.0

    def fail(self, path, kind, desc, why):
        self.failures.append("%s (%s: %s): %s" % (os.path.basename(path), kind, desc, why))

    def refuse(self, reason):
        key = reason.split(":")[0].strip() or "?"
        self.refused[key] = self.refused.get(key, 0) + 1

    def report(self, seconds):
        print("%s: %d variants in %.1f s (slowest %.2f s): %d refused, %d taken "
              "with the good content, %d failures" % (
                  self.what, self.n, seconds, self.slowest,
                  sum(self.refused.values()), self.same, len(self.failures)))
        for k, v in sorted(self.refused.items(), key=lambda kv: -kv[1]):
            print("  refused %4d: %s" % (v, k))
        for f in self.failures:
            print("  FAIL " + f)
        return 1 if self.failures else 0


RE_SWITCH = r"sinkhole: (switched to snapshot|cannot use snapshot)"
RE_REFUSED = r"cannot use snapshot (\S+): (.+); keeping snapshot ([0-9a-f]{64})"
RE_TAKEN = r"switched to snapshot ([0-9a-f]{64})"


def cmd_live(args):
    checks = load_checks(args.checks)
    log = Log(args.log)
    tally = Tally("live")
    t0 = time.monotonic()
    for path, kind, desc in load_index(args.variants, args.limit):
        start = time.monotonic()
        tally.n += 1
        put_in_place(open(path, "rb").read(), args.active)
        line = log.wait_for(RE_SWITCH, args.timeout)
        if not alive(args.pid):
            tally.fail(path, kind, desc, "the resolver died")
            break
        if line is None:
            tally.fail(path, kind, desc, "no switch or refusal logged in %g s" % args.timeout)
        elif re.search(RE_REFUSED, line):
            m = re.search(RE_REFUSED, line)
            reason = m.group(2)
            reason = reason[len(m.group(1)):] if reason.startswith(m.group(1)) else reason
            tally.refuse(re.sub(r"^[^:]*active\.mdb: ", "", reason))
            if m.group(3) != args.good_id:
                tally.fail(path, kind, desc, "kept %s, not the good one" % m.group(3))
        elif re.search(RE_TAKEN, line):
            taken = re.search(RE_TAKEN, line).group(1)
            if kind == "raw":
                tally.fail(path, kind, desc, "a damaged file was taken (%s): the "
                           "digest covers every byte" % taken)
            elif taken != args.good_id:
                tally.fail(path, kind, desc, "taken with another id %s" % taken)
            else:
                tally.same += 1
        else:
            tally.fail(path, kind, desc, "refused without a reason: " + line)
        bad = run_checks(args.port, checks)
        if bad:
            tally.fail(path, kind, desc, "answers: " + "; ".join(
                "%s %s, want %s" % b for b in bad))
        if not alive(args.pid):
            tally.fail(path, kind, desc, "the resolver died")
            break
        tally.slowest = max(tally.slowest, time.monotonic() - start)
    return tally.report(time.monotonic() - t0)


RE_FALLBACK = (r"snapshot refused: (\S+): (.+); serving last good snapshot "
               r"([0-9a-f]{64}) from (\S+)")
RE_USING = r"sinkhole: using snapshot ([0-9a-f]{64})"


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_startup(args):
    checks = load_checks(args.checks)
    tally = Tally("start-up")
    t0 = time.monotonic()
    errlog = open(args.stderr, "ab")
    for path, kind, desc in load_index(args.variants, args.limit):
        start = time.monotonic()
        tally.n += 1
        put_in_place(open(path, "rb").read(), args.active)
        open(args.log, "w").close()
        proc = subprocess.Popen([args.unbound, "-d", "-c", args.conf],
                                stdout=errlog, stderr=errlog)
        try:
            up = False
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline and proc.poll() is None:
                if ask(args.port, "www.ok.test", timeout=0.2, tries=1) != "TIMEOUT":
                    up = True
                    break
                time.sleep(0.02)
            if not up:
                tally.fail(path, kind, desc, "the resolver %s" % (
                    "died at start (exit %s)" % proc.returncode
                    if proc.poll() is not None else "did not answer"))
                continue
            text = open(args.log, errors="replace").read()
            fb = re.search(RE_FALLBACK, text)
            using = re.search(RE_USING, text)
            if fb:
                tally.refuse(re.sub(r"^[^:]*active\.mdb: ", "", fb.group(2)))
                if fb.group(3) != args.good_id:
                    tally.fail(path, kind, desc, "served %s, not the last good one"
                               % fb.group(3))
            elif using:
                if kind == "raw":
                    tally.fail(path, kind, desc, "a damaged file was used at start")
                elif using.group(1) != args.good_id:
                    tally.fail(path, kind, desc, "used another id " + using.group(1))
                else:
                    tally.same += 1
            else:
                tally.fail(path, kind, desc, "no fallback logged")
            bad = run_checks(args.port, checks)
            if bad:
                tally.fail(path, kind, desc, "answers: " + "; ".join(
                    "%s %s, want %s" % b for b in bad))
            if proc.poll() is not None:
                tally.fail(path, kind, desc, "the resolver died (exit %s)" % proc.returncode)
        finally:
            stop(proc)
        tally.slowest = max(tally.slowest, time.monotonic() - start)
    return tally.report(time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("variants")
    p.add_argument("good")
    p.add_argument("outdir")
    p.add_argument("--seed", type=int, default=27)
    p = sub.add_parser("damage")
    p.add_argument("good")
    p.add_argument("out")
    p.add_argument("--reseal", action="store_true")
    for name in ("live", "startup"):
        p = sub.add_parser(name)
        p.add_argument("--variants", required=True)
        p.add_argument("--active", required=True, help="the snapshot path")
        p.add_argument("--log", required=True, help="Unbound's log file")
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--good-id", required=True)
        p.add_argument("--checks", required=True)
        p.add_argument("--limit", type=int, default=0)
        p.add_argument("--timeout", type=float, default=15.0)
        if name == "live":
            p.add_argument("--pid", type=int, required=True)
        else:
            p.add_argument("--unbound", required=True)
            p.add_argument("--conf", required=True)
            p.add_argument("--stderr", required=True)
    args = ap.parse_args()
    return {"variants": cmd_variants, "damage": cmd_damage, "live": cmd_live,
            "startup": cmd_startup}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
