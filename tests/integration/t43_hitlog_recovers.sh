#!/bin/sh
# t43: the hit log recovers. Unbound starts with the hit log's folder
# missing: DNS answers go on, the writer tries again every 0.25 s, hits
# wait in the queue (hit-log-queue: 16) and the rest are dropped and
# counted, said in Unbound's log once (not at every try). Once the folder
# is there, the log holds the start event, the queued hits, a loss event
# saying how many were lost and since when, and every hit after: hits
# written + lost == queries sent, in one chain (verify-log). Then the
# folder is removed while the log is open: nothing is written into the
# removed file; once the folder is back the hits of the outage are in
# the new file, and the chain runs on across both files. (Before: a log
# that could not be opened at start was never retried, and writes went on
# into the removed file.)
TEST_NUM=43
. "$top_srcdir/tests/integration/lib.sh"
start_nsd
write_policy "$WORK/policy"
build_snapshot "$WORK/policy" "$WORK/active.mdb"
LOGDIR="$WORK/logs"
LOG="$LOGDIR/hits.log"

# blocked N: N queries of a listed name from 127.0.0.1; how many got the
# sinkhole answer.
blocked() {
	n=0 i=0
	while [ $i -lt "$1" ]; do
		[ "$(q 1 www.blocked.test A)" = "0.0.0.0" ] && n=$((n + 1))
		i=$((i + 1))
	done
	echo "$n"
}

# wait_for COMMAND...: until it succeeds (10 s at most).
wait_for() {
	i=0
	until "$@"; do
		[ $i -lt 100 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# hits FILE: the hit records of www.blocked.test. in FILE.
hits() {
	grep -c '"dns.question.name":"www.blocked.test."' "$1"
}

# field FILE REGEX KEY: a JSON field's value on the first line matching.
field() {
	grep -m 1 -- "$2" "$1" | sed -n "s/.*\"$3\":\"\{0,1\}\([^\",]*\)\"\{0,1\}[,}].*/\1/p"
}

now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

echo "== start without the hit log's folder"
rm -rf "$LOGDIR"
write_module_conf "$WORK/active.mdb" "hit-log: $LOG
hit-log-queue: 16
heartbeat: 0
instance-id: t43"
write_unbound_conf "$WORK/unbound.conf"
before_start=$(now_iso)
start_unbound "$WORK/unbound.conf"
expect_match "Unbound's log: the hit log cannot be opened, tried again" \
	"$(cat "$WORK/unbound.log")" \
	"sinkhole: hit log: cannot open $LOG: No such file or directory; tried again every 0\\.25 s"
SENT_DOWN=40
expect_eq "every query answered while the hit log is down" "$(blocked $SENT_DOWN)" "$SENT_DOWN"
sleep 1.5 # several tries
expect_eq "Unbound's log: the drops said once" \
	"$(grep -c 'dropped (the queue was full: no hit log open)' "$WORK/unbound.log")" 1
check "no hit log yet" test ! -e "$LOG"
# What an operator sees of it: sinkhole-ctl status, from the state file.
hitlog_state() {
	"$CTL" status -d "$WORK" --state-dir "$WORK/state" 2>/dev/null |
	    grep -q "hit-log: $1 "
}
check "status: the hit log is failing while it cannot be opened" \
	wait_for hitlog_state failing

echo "== the folder is made: the log recovers"
mkdir "$LOGDIR"
check "the hit log appears" wait_for test -s "$LOG"
recovered=$(now_iso)
SENT_UP=5
expect_eq "queries after the recovery answered" "$(blocked $SENT_UP)" "$SENT_UP"
check "the hits after the recovery are written" \
	wait_for sh -c "[ \$(grep -c '\"dns.question.name\":\"www.blocked.test.\"' '$LOG') -ge $((16 + SENT_UP)) ]"
expect_match "Unbound's log: open again" "$(cat "$WORK/unbound.log")" \
	"sinkhole: hit log: $LOG is open again, after [0-9]+ failed attempts in [0-9.]+ s"
check "status: the hit log is open again" wait_for hitlog_state open
cp "$LOG" "$WORK/first.log"

echo "== the folder removed while the log is open, then made again"
rm -rf "$LOGDIR"
SENT_GONE=5
expect_eq "queries while the folder is gone answered" "$(blocked $SENT_GONE)" "$SENT_GONE"
sleep 0.5
mkdir "$LOGDIR"
check "a new hit log appears" wait_for test -s "$LOG"
stop_unbound
cp "$WORK/first.log" "$WORK/first-copy.log"

echo "== what the log holds"
written=$(hits "$WORK/first.log")
lost=$(field "$WORK/first.log" '"event.action":"loss"' sinkhole.lost_total)
since=$(field "$WORK/first.log" '"event.action":"loss"' sinkhole.lost_since)
expect_eq "first file: one start event, first" \
	"$(grep -c '"event.action":"start"' "$WORK/first.log") $(field "$WORK/first.log" . event.action)" "1 start"
expect_eq "one loss event" "$(grep -c '"event.action":"loss"' "$WORK/first.log")" 1
check "the loss event counts a loss ($lost)" test "${lost:-0}" -gt 0
expect_eq "hits written + lost == queries sent ($written + $lost)" \
	"$((written + ${lost:-0}))" "$((SENT_DOWN + SENT_UP))"
check "lost since $since: after the start ($before_start), before the recovery ($recovered)" \
	test -n "$since" -a ! "$since" \< "$before_start" -a ! "$since" \> "$recovered"
expect_eq "the second file: the hits of the outage, none lost" \
	"$(hits "$LOG") $(grep -c '"event.action":"loss"' "$LOG")" "$SENT_GONE 0"
"$CTL" verify-log "$WORK/first.log" "$LOG" >"$WORK/verify.out" 2>&1
rc=$?
cat "$WORK/verify.out"
expect_eq "verify-log: one chain across both files, the loss event included" "$rc" 0
finish
