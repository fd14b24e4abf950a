#!/bin/sh
# The audit trail under faults (issue 11, item 7), with the real Unbound:
# - records cut off the end of one resolver run are found by verify-log
#   although the next run's records follow in the same file: each start
#   event names where the run before it ended (the state file beside the
#   log, .hits.log.state); the same two runs on an intact file pass;
# - kill -9 of Unbound between runs (after its last write, and during a
#   write: a partial record left at the end) never makes an intact log
#   fail;
# - a symbolic link planted in the log's place (at start, and after a
#   rename while running) is refused and never followed: the link's
#   target is unchanged and Unbound's log says so;
# - a write error (the log on a full 64 KiB tmpfs, in a mount namespace of
#   Unbound's own) reaches Unbound's log, once, with counts.
TEST_NUM=31
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
write_policy "$WORK/policy"
build_snapshot "$WORK/policy" "$WORK/active.mdb"
write_unbound_conf "$WORK/unbound.conf"

# run_on LOG [EXTRA]: start Unbound with its hit log at LOG (default
# instance ids: HOSTNAME-PID-STARTTIME, one per run).
run_on() {
	write_module_conf "$WORK/active.mdb" "hit-log: $1
heartbeat: 0
${2:-}"
	start_unbound "$WORK/unbound.conf"
}

# hits N TAG: N blocked queries (one dig, names TAG-1.blocked.test ...).
hits() {
	i=1
	: >"$WORK/names.$2"
	while [ $i -le "$1" ]; do
		echo "$2-$i.blocked.test A" >>"$WORK/names.$2"
		i=$((i + 1))
	done
	"$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.1 -f "$WORK/names.$2" \
	    +short +time=5 +tries=1 >/dev/null 2>&1
}

# field FILE LINE KEY: a JSON field's value on a line.
field() {
	sed -n "$2s/.*\"$3\":\"\{0,1\}\([^\",]*\)\"\{0,1\}[,}].*/\1/p" "$1"
}

# wait_grep FILE REGEX N: until FILE has N lines matching (10 s at most;
# the writer drains every 20 ms, but the machine may be busy).
wait_grep() {
	i=0
	while [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -lt "$3" ] &&
	    [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# kill9: kill the Unbound started last with SIGKILL, and wait for it.
kill9() {
	kill -9 "$UNBOUND_PID" 2>/dev/null
	i=0
	while kill -0 "$UNBOUND_PID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# --- 1. Records cut at the end of a run, another run after it ---------
mkdir -p "$WORK/intact" "$WORK/cut"
for d in intact cut; do
	run_on "$WORK/$d/hits.log"
	hits 6 "$d-one"
	stop_unbound
done
n=$(wc -l <"$WORK/cut/hits.log")
id1=$(field "$WORK/cut/hits.log" 1 observer.name)
last=$(field "$WORK/cut/hits.log" "$n" event.sequence)
expect_eq "run 1: start, load (policy), 6 hits, stop" "$n $last" "9 9"
# Cut its last three records (two hits and the stop event) in place.
# (Each run begins with its start event and its policy record, load.)
head -n $((n - 3)) "$WORK/cut/hits.log" >"$WORK/cut.tmp"
cat "$WORK/cut.tmp" >"$WORK/cut/hits.log"
for d in intact cut; do
	run_on "$WORK/$d/hits.log"
	hits 4 "$d-two"
	stop_unbound
done
"$CTL" verify-log "$WORK/intact/hits.log" >"$WORK/verify-intact.out" 2>&1
expect_eq "intact: verify-log passes over two runs" "$?" 0
"$CTL" verify-log "$WORK/cut/hits.log" >"$WORK/verify-cut.out" 2>&1
expect_eq "cut: verify-log fails" "$?" 1
cat "$WORK/verify-cut.out"
expect_match "cut: it names the run's instance and the missing records" \
    "$(cat "$WORK/verify-cut.out")" \
    "hits\.log:7: instance $id1: records 7 to 9 missing at the end of its run"
idi=$(field "$WORK/intact/hits.log" 1 observer.name)
start2=$(grep -n '"event.action":"start"' "$WORK/intact/hits.log" |
    sed -n '2s/:.*//p')
expect_eq "the second start event names the first run, stopped at 9" \
    "$(field "$WORK/intact/hits.log" "$start2" sinkhole.previous.state) $(field "$WORK/intact/hits.log" "$start2" sinkhole.previous.instance) $(field "$WORK/intact/hits.log" "$start2" sinkhole.previous.sequence)" \
    "stopped $idi 9"
check "the state file is beside the log, hidden" test -s "$WORK/intact/.hits.log.state"
# The end of the last run: only the state file can tell (verify-log -s).
"$CTL" verify-log -s "$WORK/intact/.hits.log.state" "$WORK/intact/hits.log" \
    >"$WORK/verify-state.out" 2>&1
expect_eq "intact, with the state file: verify-log passes" "$?" 0
n=$(wc -l <"$WORK/intact/hits.log")
head -n $((n - 2)) "$WORK/intact/hits.log" >"$WORK/intact-cut-end.log"
"$CTL" verify-log -s "$WORK/intact/.hits.log.state" \
    "$WORK/intact-cut-end.log" >"$WORK/verify-state-cut.out" 2>&1
expect_eq "the last run's end cut: verify-log -s fails" "$?" 1
id2=$(field "$WORK/intact/hits.log" "$n" observer.name)
expect_match "and names the instance and records" \
    "$(cat "$WORK/verify-state-cut.out")" \
    "\.hits\.log\.state:1: instance $id2: records 6 to 7 missing at the end of its run"

# --- 2. kill -9 between runs: an intact log still verifies ------------
mkdir -p "$WORK/kill"
KLOG="$WORK/kill/hits.log"
run_on "$KLOG"
hits 5 kill-one
wait_grep "$KLOG" kill-one- 5 # written, then killed
kill9
run_on "$KLOG"
hits 3 kill-two
wait_grep "$KLOG" kill-two- 3
kill9
# A kill during a write: part of a record at the end of the file.
printf '{"@timestamp":"2026-12-05T23:00:00.000Z","ecs.version":"8.1' >>"$KLOG"
run_on "$KLOG"
hits 2 kill-three
stop_unbound
"$CTL" verify-log "$KLOG" >"$WORK/verify-kill.out" 2>&1
expect_eq "kill -9 twice (once mid-record): verify-log passes" "$?" 0
cat "$WORK/verify-kill.out"
expect_eq "three starts, one stop, 10 hits" \
    "$(grep -c '"event.action":"start"' "$KLOG") $(grep -c '"event.action":"stop"' "$KLOG") $(grep -c '"event.action":"sinkhole"' "$KLOG")" \
    "3 1 10"
expect_match "the killed runs are named as running in the next start" \
    "$(grep '"event.action":"start"' "$KLOG" | sed -n '2,3p')" \
    '"sinkhole.previous.state":"running"'
expect_match "the partial record was cut off, and Unbound's log says so" \
    "$(cat "$WORK/unbound.log")" "cut [0-9]+ bytes of a partial record off the end of $KLOG"
# Cut the end of the first killed run: found.
n1=$(grep -n '"event.action":"start"' "$KLOG" | sed -n '2s/:.*//p')
sed "$((n1 - 2)),$((n1 - 1))d" "$KLOG" >"$WORK/kill-cut.log"
"$CTL" verify-log "$WORK/kill-cut.log" >"$WORK/verify-kill-cut.out" 2>&1
expect_eq "kill -9, then its last records cut: verify-log fails" "$?" 1
expect_match "and names the records" "$(cat "$WORK/verify-kill-cut.out")" \
    "records 6 to 7 missing at the end of its run"

# --- 3. A symbolic link in the log's place ----------------------------
mkdir -p "$WORK/sym" "$WORK/elsewhere"
printf 'not a hit log\n' >"$WORK/elsewhere/target"
cp "$WORK/elsewhere/target" "$WORK/target.orig"
SLOG="$WORK/sym/hits.log"
run_on "$SLOG"
hits 2 sym-one
wait_grep "$SLOG" sym-one- 2
# The file kept under another name, and a link put in its place at once
# (a rename over it: the path is never missing, else the writer would
# create a file there after 20 ms, as logrotate's rename-then-create
# wants).
ln "$SLOG" "$SLOG.1" && ln -s "$WORK/elsewhere/target" "$WORK/link.tmp" &&
    mv -T "$WORK/link.tmp" "$SLOG" || fail "cannot plant the link"
hits 3 sym-two
wait_grep "$SLOG.1" sym-two- 3
sleep 0.2
check "running: the link's target is unchanged" \
    cmp -s "$WORK/elsewhere/target" "$WORK/target.orig"
expect_match "running: Unbound's log says the link was refused" \
    "$(cat "$WORK/unbound.log")" \
    "hit log: cannot open $SLOG: a symbolic link: refused, not followed"
expect_eq "running: the hits went on into the file open before" \
    "$(grep -c 'sym-two-' "$SLOG.1")" 3
check "running: the link is still a link" test -L "$SLOG"
stop_unbound
# At start: the link is there when Unbound starts.
run_on "$SLOG"
hits 2 sym-three
sleep 0.5
check "at start: the link's target is unchanged" \
    cmp -s "$WORK/elsewhere/target" "$WORK/target.orig"
expect_match "at start: Unbound's log says the link was refused" \
    "$(cat "$WORK/unbound.log")" \
    "sinkhole: hit log: cannot open $SLOG: a symbolic link: refused, not followed; tried again every 0\\.25 s"
stop_unbound

# --- 4. A write error reaches Unbound's log ---------------------------
if command -v unshare >/dev/null 2>&1 &&
    unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$WORK/elsewhere'" \
        2>/dev/null; then
	mkdir -p "$WORK/full"
	write_module_conf "$WORK/active.mdb" "hit-log: $WORK/full/hits.log
heartbeat: 0"
	# Unbound in a mount namespace of its own, with a 64 KiB tmpfs
	# over the log's directory (the same PID: unshare and sh exec).
	unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$WORK/full' &&
	    exec '$UNBOUND' -d -c '$WORK/unbound.conf'" \
	    >>"$WORK/unbound.stderr.log" 2>&1 &
	UNBOUND_PID=$!
	PIDS="$PIDS $UNBOUND_PID"
	wait_for_dns "$UB_PORT" ok.test || fail "Unbound (tmpfs) did not start"
	hits 150 full # about 130 KiB of records
	sleep 1
	hits 20 full-more
	sleep 1
	stop_unbound
	full=$(grep -c 'hit log .*full/hits.log: [0-9]* failed write.*No space left on device' "$WORK/unbound.log")
	check "a full disk: the write errors are in Unbound's log" \
	    test "$full" -ge 1
	expect_eq "said once (rate-limited), and once more at the stop" \
	    "$full" 2
	expect_match "with counts" "$(cat "$WORK/unbound.log")" \
	    "full/hits.log: [0-9]+ failed writes? \(No space left on device\), [0-9]+ since the start"
else
	say "cannot mount a tmpfs in a mount namespace: write-error part skipped"
fi
finish
