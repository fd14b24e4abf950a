# Shared by t23_rsyslog_shipping.sh and t24_logrotate.sh (POSIX sh, sourced
# after lib.sh): the real writer (NSD + Unbound with the module writing
# its hit log, hits made with dnsperf or dig), two rsyslogd instances built
# from contrib/rsyslog (the county shipper and the stand-in SIEM), and the
# checker that compares what the SIEM got with the spool files, by
# sequence, byte for byte.
#
# The test sets SPOOL (the hit log path) and INSTANCE before sourcing.

: "${RSYSLOGD:=rsyslogd}"
: "${DNSPERF:=dnsperf}"
CONTRIB="$top_srcdir/contrib/rsyslog"
# The SIEM listens on its own loopback address, on free ports there.
RECV_ADDR=127.0.0.3
pick_port RECV_PORT "$PORT_BASE" "$RECV_ADDR" &&
	pick_port TLS_PORT $((PORT_BASE + 1)) "$RECV_ADDR" ||
	{ fail "no free ports for the SIEM"; finish; }

command -v "$RSYSLOGD" >/dev/null 2>&1 || { say "no rsyslogd: skipped"; exit 77; }
command -v "$DNSPERF" >/dev/null 2>&1 || { say "no dnsperf: skipped"; exit 77; }
mkdir -p "$(dirname "$SPOOL")"

# --- the writer: the module ---------------------------------------------------
# hits_module FORMAT: NSD, the test policy, Unbound with the module writing
# its hit log to $SPOOL in FORMAT (no heartbeats: every record after the
# start event and the policy record of the load is a hit, so sequence
# numbers map to queries).
hits_module() {
	start_nsd
	write_policy "$WORK/policy"
	build_snapshot "$WORK/policy" "$WORK/active.mdb"
	write_module_conf "$WORK/active.mdb" "hit-log: $SPOOL
hit-log-format: $1
heartbeat: 0
instance-id: $INSTANCE"
	# Per-query logging at thousands of queries a second would cost more
	# than the hit log itself.
	UB_VERBOSITY=1
	write_unbound_conf "$WORK/unbound.conf" "	so-rcvbuf: 4m"
	start_unbound "$WORK/unbound.conf"
}

# hits_names N TAG: a dnsperf input file of N blocked names (one hit each)
# in $WORK/names-TAG; prints its path.
hits_names() {
	awk -v n="$1" -v t="$2" 'BEGIN {
		split("A AAAA TXT MX", ty, " ")
		for (i = 1; i <= n; i++)
			printf "h%d.%s.blocked.test %s\n", i, t, ty[i % 4 + 1]
	}' >"$WORK/names-$2"
	echo "$WORK/names-$2"
}

# hits_send FILE RATE SECONDS [RUNS]: dnsperf in the background, RATE
# queries a second for at most SECONDS, through FILE at most RUNS times
# (default: as often as the time allows); HITS_PID is dnsperf.
hits_send() {
	start_daemon "$WORK/dnsperf.log" "$DNSPERF" -s 127.0.0.1 -p "$UB_PORT" \
	    -d "$1" -Q "$2" -l "$3" ${4:+-n "$4"} -t 2
	HITS_PID=$DAEMON_PID
}

# hits_wait: until dnsperf is done (60 s at most), and the module's writer
# (a flush every 20 ms) has written the last records.
hits_wait() {
	wait_until 600 stopped "$HITS_PID" || return 1
	spool_settle
}

# spool_settle: until the spool file has not grown for 200 ms (5 s at most).
spool_settle() {
	prev=-1
	i=0
	while [ $i -lt 50 ]; do
		size=$(stat -c %s "$SPOOL" 2>/dev/null || echo 0)
		[ "$size" = "$prev" ] && return 0
		prev=$size
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# last_seq: the highest event.sequence in the spool files.
last_seq() {
	"$PYTHON3" "$WORK/compare.py" "$SPOOL*" /dev/null 0 0 --last
}

# --- the checker -------------------------------------------------------------
# compare.py GLOB RECEIVED FIRST LAST: the SIEM's file against the spool
# files (rotated and compressed ones too), by sequence, for the records
# FIRST..LAST (LAST 0: the highest sequence in the spool). Prints
# "received=R missing=M dup=D changed=C unknown=U rotdup=X": X the
# duplicates the SIEM got of records that are in two spool files (a batch
# written again after a rotation), not counted in D; then the first
# problems, one a line. With a fifth argument: only LAST.
cat >"$WORK/compare.py" <<'EOF'
import glob, gzip, re, sys
spool_glob, received = sys.argv[1], sys.argv[2]
first, last = int(sys.argv[3]), int(sys.argv[4])
SEQ = re.compile(rb'event\.sequence"?[:=](\d+)')
def seq_of(line):
    m = SEQ.search(line)
    return int(m.group(1)) if m else None
sent, infiles = {}, {}
for f in glob.glob(spool_glob):
    data = (gzip.open if f.endswith('.gz') else open)(f, 'rb').read()
    for line in data.split(b'\n')[:-1]:
        s = seq_of(line)
        if s in sent and sent[s] != line:
            print('spool: sequence %d twice, not the same record' % s)
        sent[s] = line
        infiles.setdefault(s, set()).add(f)
if last == 0:
    last = max([s for s in sent if s is not None] or [0])
if len(sys.argv) > 5:
    print(last)
    sys.exit(0)
got, dup, rotdup, changed, unknown, notes = {}, 0, 0, 0, 0, []
try:
    data = open(received, 'rb').read()
except FileNotFoundError:
    data = b''
for line in data.split(b'\n')[:-1]:
    s = seq_of(line)
    if s is None or s not in sent:
        unknown += 1
        notes.append(b'unknown: ' + line[:200])
        continue
    if s < first or s > last:
        continue
    if s in got:
        if len(infiles[s]) > 1:
            rotdup += 1
        else:
            dup += 1
            notes.append(b'duplicate: %d' % s)
    got[s] = got.get(s, 0) + 1
    if line != sent[s]:
        changed += 1
        notes.append(b'changed: ' + line[:200] + b'\n    sent: ' + sent[s][:200])
missing = [s for s in range(first, last + 1) if s not in got]
if missing:
    notes.append(b'missing: ' + b' '.join(b'%d' % s for s in missing[:40]))
print('received=%d missing=%d dup=%d changed=%d unknown=%d rotdup=%d' %
      (len(got), len(missing), dup, changed, unknown, rotdup))
for n in notes[:15]:
    sys.stdout.write(n.decode('ascii', 'replace') + '\n')
sys.stdout.flush()
EOF

# compare FIRST LAST: compare.py on this test's files.
compare() {
	"$PYTHON3" "$WORK/compare.py" "$SPOOL*" "$RECEIVED" "$1" "$2"
}

# wait_received FIRST LAST SECONDS [ALLOW]: until FIRST..LAST all arrived,
# or at most ALLOW are missing and nothing more came for a second; prints
# the summary.
wait_received() {
	end=$(($(date +%s) + $3))
	prev=""
	still=0
	while :; do
		sum=$(compare "$1" "$2")
		case $sum in *" missing=0 "*) break ;; esac
		miss=$(echo "$sum" | sed -n '1s/.* missing=\([0-9]*\) .*/\1/p')
		if [ "$sum" = "$prev" ]; then still=$((still + 1)); else still=0; fi
		[ "${miss:-1}" -le "${4:-0}" ] && [ $still -ge 4 ] && break
		[ "$(date +%s)" -ge "$end" ] && break
		prev=$sum
		sleep 0.25
	done
	echo "$sum"
}

# expect_all_received DESCRIPTION LAST SECONDS: records 1..LAST all
# arrive at the SIEM once, unchanged (waiting SECONDS at most); says the
# summary and prints its problems.
expect_all_received() {
	sum=$(wait_received 1 "$2" "$3")
	say "$(echo "$sum" | head -n 1)"
	echo "$sum" | sed -n '2,$p'
	expect_match "$1" "$sum" "^received=$2 missing=0 dup=0 changed=0 unknown=0 "
}

# verify_spool OUT: sinkhole-ctl verify-log over the spool files, oldest
# first (compressed ones unpacked); its output in OUT. @return its status.
verify_spool() {
	mkdir -p "$WORK/verify"
	files=""
	n=99
	while [ $n -ge 1 ]; do
		if [ -f "$SPOOL.$n.gz" ]; then
			gzip -dc "$SPOOL.$n.gz" >"$WORK/verify/hits.log.$n"
			files="$files $WORK/verify/hits.log.$n"
		elif [ -f "$SPOOL.$n" ]; then
			files="$files $SPOOL.$n"
		fi
		n=$((n - 1))
	done
	# shellcheck disable=SC2086
	"$CTL" verify-log $files "$SPOOL" >"$1" 2>&1
}

# --- the two rsyslog instances -----------------------------------------------
# adapt FILE OUT SED...: copy a contrib file with test paths; fail when a
# replacement did not apply (the contrib file changed).
adapt() {
	src=$1
	out=$2
	shift 2
	sed "$@" "$src" >"$out"
	if cmp -s "$src" "$out"; then
		fail "adapting $(basename "$src") changed nothing"
		finish
	fi
}

# write_receiver NAME PORT [TLS]: $WORK/NAME.conf from siem-receiver.conf.
write_receiver() {
	mkdir -p "$WORK/$1.work" "$WORK/siem"
	RECEIVED="$WORK/siem/hits.log"
	tls_sed="s|^#TLS# #.*||"
	[ -n "${3:-}" ] && tls_sed="s|^#TLS# ||"
	adapt "$CONTRIB/siem-receiver.conf" "$WORK/$1.conf" \
	    -e "s|/var/spool/siem-receiver|$WORK/$1.work|" \
	    -e "s|/var/log/siem/sinkhole-hits.log|$RECEIVED|" \
	    -e "s|port=\"514\"|port=\"$2\" address=\"$RECV_ADDR\"|" \
	    -e "s|port=\"6514\"|port=\"$TLS_PORT\" address=\"$RECV_ADDR\"|" \
	    -e "s|/etc/siem-receiver/tls|$WORK/pki|" \
	    -e "$tls_sed"
	grep -q "$WORK/$1.work" "$WORK/$1.conf" ||
	    { fail "receiver config not adapted"; finish; }
}

# write_shipper NAME CONTRIB_FILE PORT: $WORK/NAME.conf, the contrib file
# included from a main file that sets the work directory (as Debian's
# rsyslog.conf does) and logs rsyslog's own messages.
write_shipper() {
	mkdir -p "$WORK/$1.work"
	adapt "$CONTRIB/$2" "$WORK/$1.d.conf" \
	    -e "s|/var/log/sinkhole/hits.log|$SPOOL|" \
	    -e "s|target=\"siem.example.org\"|target=\"$RECV_ADDR\"|" \
	    -e "s|port=\"514\"|port=\"$3\"|" \
	    -e "s|port=\"6514\"|port=\"$3\"|" \
	    -e "s|/etc/rsyslog/sinkhole-tls|$WORK/pki|"
	cat >"$WORK/$1.conf" <<EOF
global(workDirectory="$WORK/$1.work")
include(file="$WORK/$1.d.conf")
syslog.* action(type="omfile" file="$WORK/$1.internal.log")
EOF
}

# rs_start NAME: start rsyslogd with $WORK/NAME.conf; sets NAME_PID.
rs_start() {
	start_daemon "$WORK/$1.log" "$RSYSLOGD" -n -f "$WORK/$1.conf" \
	    -i "$WORK/$1.pid"
	eval "${1}_PID=$DAEMON_PID"
	# Up when it wrote its pid file (5 s at most).
	wait_until 50 test -s "$WORK/$1.pid" ||
	    { fail "rsyslogd $1 did not start"; finish; }
}

# rs_stop NAME: SIGTERM by PID, wait for the exit (10 s at most).
rs_stop() {
	eval "pid=\$${1}_PID"
	stop_pids 100 "$pid" || fail "rsyslogd $1 did not stop within 10 s"
	rm -f "$WORK/$1.pid"
}
