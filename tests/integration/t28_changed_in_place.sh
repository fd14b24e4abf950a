#!/bin/sh
# The active snapshot changed under the running resolver, under load: four
# clients at a few hundred queries a second while the file the active link
# points to is truncated in place (truncate -s 8192), then rewritten in
# place with garbage of the same size, then rewritten in place with another
# good snapshot. Unbound's PID stays alive and answers continue; while no
# snapshot is usable the fail mode applies to every query the module sees
# (closed: SERVFAIL for listed and unlisted names; open: resolved, the real
# answer, kept out of the caches), Unbound's log says why at every poll,
# and a snapshot published with `sinkhole-ctl publish` brings filtering
# back. Run with fail-mode closed and open.
#
# Then a snapshot the resolver (running as nobody) cannot read: chmod 000 of
# the file at start-up, and a new publication into a directory without x:
# an error at every poll until fixed, then the snapshot is used.
TEST_NUM=28
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
UB_VERBOSITY=1

# new_snapshot N: build policy N (the test policy plus extraN.test) into
# $DB, print the built file.
new_snapshot() {
	write_policy "$WORK/p$1" >/dev/null
	echo "extra$1.test" >>"$WORK/p$1/adult.txt"
	"$CTL" build -q -p "$WORK/p$1/policy.conf" -d "$DB" ||
		{ fail "sinkhole-ctl build $1"; finish; }
}

# publish FILE: as an operator does; --force because the shrink guard
# cannot read the damaged active snapshot to compare.
publish() {
	"$CTL" publish --init -d "$DB" --force --by tester --reason t28 "$1" >/dev/null ||
		{ fail "sinkhole-ctl publish $1"; finish; }
}

event() { echo "$1 $(date +%s.%N)" >>"$WORK/events"; }

# run_mode MODE: the in-place changes under load with fail-mode MODE.
run_mode() {
	mode=$1
	DB="$WORK/db-$mode"
	: >"$WORK/events"
	: >"$WORK/unbound.log"
	s1=$(new_snapshot 1)
	cp "$s1" "$WORK/one.mdb"
	publish "$s1"
	id1=$(basename "$s1" .mdb)
	start_module "$DB/active.mdb" "fail-mode: $mode"
	pid=$UNBOUND_PID
	expect_eq "$mode: blocked name sinkholed at first" \
		"$(q 1 www.blocked.test A)" "0.0.0.0"

	"$PYTHON3" - "$UB_PORT" 22 "$WORK/answers-$mode" <<'PY' &
# Four clients (127.0.0.1, .3, .4, .5; .2 is exempt) at about 75 queries a
# second each, for the given seconds. Each line: time kind rcode address.
import random, socket, struct, sys, threading, time
port, secs, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
lines, lock = [], threading.Lock()
def query(name):
    q = struct.pack(">HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)
def parse(r):
    rcode = r[3] & 15
    an = struct.unpack(">H", r[6:8])[0]
    i = 12
    while r[i]:
        i += 1 + r[i]
    i += 5
    addr = "-"
    for _ in range(an):
        while r[i] and r[i] < 192:
            i += 1 + r[i]
        i += 2 if r[i] >= 192 else 1
        typ, _, _, rdlen = struct.unpack(">HHIH", r[i:i + 10])
        i += 10
        if typ == 1 and addr == "-":
            addr = ".".join(str(b) for b in r[i:i + 4])
        i += rdlen
    return ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN"][rcode] \
        if rcode < 4 else str(rcode), addr
def client(src, tag):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(3)
    n, end = 0, time.time() + secs
    while time.time() < end:
        n += 1
        # unique names reach the module (the cache answers before it)
        kind = ("listed", "unlisted", "fixed")[n % 3]
        name = {"listed": "r%s-%d.blocked.test" % (tag, n),
                "unlisted": "r%s-%d.nothere.test" % (tag, n),
                "fixed": "www.blocked.test"}[kind]
        t = time.time()
        try:
            s.sendto(query(name), ("127.0.0.1", port))
            while True:
                r = s.recv(4096)
                if len(r) >= 12:
                    break
            rc, addr = parse(r)
        except socket.timeout:
            rc, addr = "TIMEOUT", "-"
        with lock:
            lines.append("%.3f %s %s %s" % (t, kind, rc, addr))
        time.sleep(max(0, 1 / 75 - (time.time() - t)))
ts = [threading.Thread(target=client, args=("127.0.0.%d" % c, c))
      for c in (1, 3, 4, 5)]
for t in ts:
    t.start()
for t in ts:
    t.join()
open(out, "w").write("\n".join(lines) + "\n")
PY
	load=$!
	sleep 2
	event ok1
	sleep 2
	# 1. Truncated in place (the file the link points to).
	event gap1
	truncate -s 8192 "$DB/snapshots/$id1.mdb"
	sleep 4
	# A name that may be listed never enters the caches while no
	# decision can be made (open resolves it, uncached).
	n=$(ubctl dump_cache | grep -c 'blocked\.test\.')
	expect_eq "$mode: no listed name in the caches during the gap" "$n" 0
	# Published anew: filtering comes back.
	s2=$(new_snapshot 2)
	id2=$(basename "$s2" .mdb)
	event ok2
	publish "$s2"
	sleep 3
	# 2. Rewritten in place with garbage of the same size.
	head -c "$(stat -c %s "$DB/snapshots/$id2.mdb")" /dev/urandom \
		>"$WORK/garbage.mdb"
	event gap2
	cp "$WORK/garbage.mdb" "$DB/snapshots/$id2.mdb"
	sleep 4
	s3=$(new_snapshot 3)
	id3=$(basename "$s3" .mdb)
	event ok3
	publish "$s3"
	sleep 3
	# 3. Rewritten in place with another good snapshot: taken at once.
	event ok4
	cp "$WORK/one.mdb" "$DB/snapshots/$id3.mdb"
	wait "$load"
	event end

	check "$mode: Unbound (PID $pid) is still running" kill -0 "$pid"
	log=$(cat "$WORK/unbound.log")
	expect_match "$mode: the truncation is logged" "$log" \
		"snapshot $id1 .*changed in place \(size [0-9]+ -> 8192 bytes\).*dropped"
	expect_match "$mode: the rewrite is logged" "$log" \
		"snapshot $id2 .*changed in place .*rewritten.*dropped"
	n=$(grep -c "no snapshot in use: .*$id1.*changed in place" "$WORK/unbound.log")
	check "$mode: said at every poll of the first gap ($n lines)" test "$n" -ge 6
	n=$(grep -c "no snapshot in use: .*$id2.*changed in place" "$WORK/unbound.log")
	check "$mode: and of the second ($n lines)" test "$n" -ge 6
	expect_match "$mode: recovery by publish" "$log" "switched to snapshot $id2"
	expect_match "$mode: and again" "$log" "switched to snapshot $id3"
	# cp truncates before it writes: a poll in between sees an empty
	# file and drops it, the next takes the good one (no "replacing" then).
	expect_match "$mode: a good file rewritten in place is taken" "$log" \
		"switched to snapshot $id1 \([^)]*snapshots/$id3\.mdb\)"
	expect_match "$mode: ... said changed in place" "$log" \
		"snapshot $id3 .*changed in place"
	expect_eq "$mode: blocked name sinkholed at the end" \
		"$(q 1 www.blocked.test A)" "0.0.0.0"
	expect_eq "$mode: the extra name of the last content" \
		"$(q 1 extra1.test A)" "0.0.0.0"

	"$PYTHON3" - "$mode" "$WORK/answers-$mode" "$WORK/events" \
		>"$WORK/check-$mode.out" 2>&1 <<'PY'
import sys
mode, answers, events = sys.argv[1:]
ev = {}
for line in open(events):
    k, t = line.split()
    ev[k] = float(t)
rows = [l.split() for l in open(answers) if l.strip()]
def ok(cond, what):
    print(("ok: " if cond else "FAIL: ") + mode + ": " + what)
lost = sum(1 for r in rows if r[2] == "TIMEOUT")
ok(len(rows) > 3000, "%d queries answered or timed out" % len(rows))
ok(lost <= len(rows) // 100, "%d timeouts (at most 1%%)" % lost)
# Windows: a second after each event for the poll to see it.
windows = [("ok1", "gap1", "good"), ("gap1", "ok2", "gap"),
           ("ok2", "gap2", "good"), ("gap2", "ok3", "gap"),
           ("ok3", "ok4", "good"), ("ok4", "end", "good")]
def want(state, kind):
    if state == "good":
        return {"listed": ("NOERROR", "0.0.0.0"),
                "fixed": ("NOERROR", "0.0.0.0"),
                "unlisted": ("NXDOMAIN", "-")}[kind]
    if mode == "closed":
        return ("SERVFAIL", "-")
    return {"listed": ("NXDOMAIN", "-"), "fixed": ("NOERROR", "192.0.2.66"),
            "unlisted": ("NXDOMAIN", "-")}[kind]
for a, b, state in windows:
    lo = ev[a] + (1.0 if a != "ok1" else 0)
    hi = ev[b]
    got = [r for r in rows if lo <= float(r[0]) < hi and r[2] != "TIMEOUT"]
    bad = [r for r in got if (r[2], r[3]) != want(state, r[1])]
    ok(len(got) > 50 and not bad,
       "%s..%s (%s): %d answers, %d unexpected %s" %
       (a, b, state, len(got), len(bad), bad[:3]))
PY
	cat "$WORK/check-$mode.out"
	PASSED=$((PASSED + $(grep -c '^ok:' "$WORK/check-$mode.out")))
	FAILED=$((FAILED + $(grep -c '^FAIL:' "$WORK/check-$mode.out")))
	check "$mode: python checked the answers" \
		grep -q "^ok: $mode: ok4..end" "$WORK/check-$mode.out"
	stop_unbound
	cp "$WORK/unbound.log" "$WORK/unbound-$mode.log.txt"
}

run_mode closed
run_mode open

# A snapshot the resolver cannot read: Unbound runs as nobody. nobody must
# reach the publication folder, the module, its config and the log: a
# fresh folder under /tmp holds them all.
if [ "$(id -u)" = 0 ]; then
	nobody_dir t28
	permdir=$REACH
	LOG="$permdir/unbound.log"
	DB="$permdir/db"
	s1=$(new_snapshot 1)
	publish "$s1"
	id1=$(basename "$s1" .mdb)
	chmod 000 "$DB/snapshots/$id1.mdb"
	write_module_conf "$DB/active.mdb" "fail-mode: closed"
	cp "$WORK/sinkhole.conf" "$permdir/sinkhole.conf"
	chmod 644 "$permdir/sinkhole.conf"
	SINKHOLE_CONF="$permdir/sinkhole.conf"
	write_unbound_conf "$WORK/unbound.conf"
	sed -i -e 's/username: ""/username: "nobody"/' \
	    -e "s#logfile: \"$WORK/unbound.log\"#logfile: \"$LOG\"#" \
	    "$WORK/unbound.conf"
	: >"$LOG"
	chown nobody "$LOG"
	start_unbound "$WORK/unbound.conf"
	pid=$UNBOUND_PID
	sleep 1.5
	n=$(grep -c "cannot use snapshot .*$id1.*Permission denied.*fail-mode: closed" \
		"$LOG")
	check "unreadable at start: an error at every poll ($n lines in 1.5 s)" \
		test "$n" -ge 3
	expect_eq "unreadable at start, fail-mode closed: SERVFAIL" \
		"$(rcode 1 www.ok.test A)" "SERVFAIL"
	chmod 444 "$DB/snapshots/$id1.mdb"
	took=$(wait_answer 1 www.blocked.test A 0.0.0.0 5000)
	check "fixed (chmod 444): filtering in $took ms" test "$took" != timeout
	n1=$(grep -c "Permission denied" "$LOG")
	sleep 1
	n2=$(grep -c "Permission denied" "$LOG")
	expect_eq "and the errors stop" "$n2" "$n1"

	# A new publication nobody cannot reach (snapshots/ without x for
	# others): the old snapshot stays, an error at every poll.
	chmod 700 "$DB/snapshots"
	s2=$(new_snapshot 2)
	id2=$(basename "$s2" .mdb)
	publish "$s2"
	sleep 1.5
	n=$(grep -c "cannot use snapshot .*Permission denied.*keeping snapshot $id1" \
		"$LOG")
	check "unreadable publication: an error at every poll ($n lines)" \
		test "$n" -ge 3
	expect_eq "the old snapshot still blocks" "$(q 1 www.blocked.test A)" \
		"0.0.0.0"
	chmod 755 "$DB/snapshots"
	took=$(wait_answer 1 extra2.test A 0.0.0.0 5000)
	check "fixed (chmod 755): the new snapshot in $took ms" \
		test "$took" != timeout
	expect_match "switched to it" "$(cat "$LOG")" \
		"switched to snapshot $id2"
	check "Unbound (PID $pid) is still running" kill -0 "$pid"
	stop_unbound
	rm -rf "$permdir"
else
	say "not root: the unreadable-snapshot part needs to run Unbound as nobody"
fi
finish
