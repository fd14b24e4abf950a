#!/bin/sh
# The hit log rotates with logrotate while hits go on, and nothing is lost
# or sent twice (issue 4, item 5): contrib/logrotate/sinkhole (with this
# test's paths) runs three times while a writer appends records and the
# county shipper (contrib/rsyslog/sinkhole-ship.conf) tails the file and
# forwards it to the stand-in SIEM (contrib/rsyslog/siem-receiver.conf).
# The writer behaves as the module's must: it writes a batch every 20 ms,
# then looks at its path; when the file was renamed away it writes the
# batch again to the new file (imfile stops reading a renamed file soon
# after the rename, so records written to it late would be lost). Checked by sequence, byte for byte,
# against all the spool files, rotated and compressed ones included.
#
# The writer, checker and rsyslog helpers are the same as in
# t23_rsyslog_shipping.sh.

TEST_NUM=24
. "$top_srcdir/tests/integration/lib.sh"

: "${RSYSLOGD:=rsyslogd}"
CONTRIB="$top_srcdir/contrib/rsyslog"
RECV_PORT=$PORT_BASE
TLS_PORT=$((PORT_BASE + 1))
SPOOL_DIR="$WORK/spool"
SPOOL="$SPOOL_DIR/hits.log"
INSTANCE="t24-$(hostname)-$$"

command -v "$RSYSLOGD" >/dev/null 2>&1 || { say "no rsyslogd: skipped"; exit 77; }
mkdir -p "$SPOOL_DIR"

# --- the writer: the one part to replace by the module ----------------------
# hits_start FIRST LAST RATE: append records FIRST..LAST to $SPOOL (RATE a
# second, 0 = at once) in the background; HITS_PID is the writer. Like the
# module's writer it appends whole lines and reopens the path when the file
# was renamed away. Query names and texts are hostile on purpose.
cat >"$WORK/hitwriter.py" <<'EOF'
import json, os, sys, time
path, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rate, inst = float(sys.argv[4]), sys.argv[5]
# Presentation-form names (RFC 1035 \DDD) with JSON-hostile bytes.
NAMES = ['evil\\010name', 'quote\\"d', 'pipe|and=eq]', 'sp\\032ace name',
         'back\\\\slash', 'nul\\000x', 'br]ack"et\\\\|=']
def record(seq):
    q = '%s.%d.blocked.test' % (NAMES[seq % len(NAMES)], seq)
    if seq % 10 == 3:  # a CEF line
        return ('CEF:0|county|sinkhole|1.0|hit|sinkholed %s|5|cn1=%d '
                'cn1Label=sequence dvchost=%s query=%s msg=a\\=b\\nc\n'
                % (q.replace('\\', '\\\\').replace('|', '\\|'), seq, inst,
                   q.replace('\\', '\\\\').replace('=', '\\=')))
    if seq % 10 == 7:  # a LEEF 2.0 line: tab-delimited attributes
        return ('LEEF:2.0|county|sinkhole|1.0|hit|\tsequence=%d\t'
                'instance=%s\tquery=%s\n' % (seq, inst, q))
    r = {"@timestamp": "2024-05-01T12:00:00.%03dZ" % (seq % 1000),
         "event": {"sequence": seq, "action": "sinkholed"},
         "observer": {"id": inst},
         "dns": {"question": {"name": q, "type": "A", "class": "IN"}},
         "message": 'a "b" | c=d ] e \\ f\nnot a second record'}
    if seq % 97 == 0:  # longer than rsyslog's default 8 KiB message
        r["labels"] = {"padding": "x" * 9000}
    return json.dumps(r, separators=(",", ":")) + "\n"
def reopen():
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
def moved(fd):
    try:
        return os.stat(path).st_ino != os.fstat(fd).st_ino
    except FileNotFoundError:
        return True
# Like the module: records go out in batches (one write each, every 20 ms).
# After each write the path is looked at: when it names another file now,
# logrotate renamed the file away, maybe before this batch landed in it,
# and imfile may have stopped reading it: write the batch again to the new
# file (a duplicate at worst, never a loss) and go on there.
fd, t0, seq, rewritten = reopen(), time.monotonic(), first, 0
while seq <= last:
    n = last - seq + 1 if rate <= 0 else \
        min(last - seq + 1, max(1, int((time.monotonic() - t0) * rate) - (seq - first)))
    n = min(n, 64)
    batch = ''.join(record(s) for s in range(seq, seq + n)).encode()
    os.write(fd, batch)
    if moved(fd):
        os.close(fd)
        fd = reopen()
        os.write(fd, batch)
        rewritten += n
    seq += n
    time.sleep(0.02)
os.close(fd)
print('rewritten after rotation: %d' % rewritten)
EOF

hits_start() {
	"$PYTHON3" "$WORK/hitwriter.py" "$SPOOL" "$1" "$2" "$3" "$INSTANCE" \
	    >>"$WORK/writer.log" 2>&1 &
	HITS_PID=$!
	PIDS="$PIDS $HITS_PID"
}

# hits_wait: until the writer is done (30 s at most).
hits_wait() {
	i=0
	while kill -0 "$HITS_PID" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$HITS_PID" 2>/dev/null
}

# --- the checker -------------------------------------------------------------
# compare LAST: the SIEM's file against the spool (rotated files too), by
# sequence. Prints "received=R missing=M dup=D changed=C unknown=U" and the
# first problems, one a line.
cat >"$WORK/compare.py" <<'EOF'
import glob, gzip, json, re, sys
spool_glob, received, last = sys.argv[1], sys.argv[2], int(sys.argv[3])
def seq_of(line):
    if line.startswith(b'{'):
        return json.loads(line)["event"]["sequence"]
    m = re.search(rb'(?:^|[ \t|])(?:cn1|sequence)=(\d+)(?:[ \t]|$)', line)
    return int(m.group(1)) if m else None
sent = {}
for f in glob.glob(spool_glob):
    data = (gzip.open if f.endswith('.gz') else open)(f, 'rb').read()
    for line in data.split(b'\n')[:-1]:
        sent[seq_of(line)] = line
got, dup, changed, unknown, notes = {}, 0, 0, 0, []
try:
    data = open(received, 'rb').read()
except FileNotFoundError:
    data = b''
for line in data.split(b'\n')[:-1]:
    try:
        s = seq_of(line)
    except ValueError:
        s = None
    if s is None or s not in sent:
        unknown += 1
        notes.append(b'unknown: ' + line[:200])
        continue
    if s in got:
        dup += 1
        notes.append(b'duplicate: %d' % s)
    got[s] = got.get(s, 0) + 1
    if line != sent[s]:
        changed += 1
        notes.append(b'changed: ' + line[:200] + b'\n    sent: ' + sent[s][:200])
missing = [s for s in range(1, last + 1) if s not in got]
if missing:
    notes.append(b'missing: ' + b' '.join(b'%d' % s for s in missing[:40]))
print('received=%d missing=%d dup=%d changed=%d unknown=%d' %
      (len(got), len(missing), dup, changed, unknown))
for n in notes[:15]:
    sys.stdout.write(n.decode('ascii', 'replace') + '\n')
sys.stdout.flush()
EOF

compare() {
	"$PYTHON3" "$WORK/compare.py" "$SPOOL*" "$RECEIVED" "$1"
}

# wait_received LAST SECONDS [ALLOW]: until 1..LAST all arrived, or at most
# ALLOW are missing and nothing more came for a second; prints the summary.
wait_received() {
	end=$(($(date +%s) + $2))
	prev=""
	still=0
	while :; do
		sum=$(compare "$1")
		case $sum in *" missing=0 "*) break ;; esac
		miss=$(echo "$sum" | sed -n '1s/.* missing=\([0-9]*\) .*/\1/p')
		if [ "$sum" = "$prev" ]; then still=$((still + 1)); else still=0; fi
		[ "$miss" -le "${3:-0}" ] && [ $still -ge 4 ] && break
		[ "$(date +%s)" -ge "$end" ] && break
		prev=$sum
		sleep 0.25
	done
	echo "$sum"
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
	    -e "s|port=\"514\"|port=\"$2\"|" \
	    -e "s|port=\"6514\"|port=\"$TLS_PORT\"|" \
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
	    -e "s|target=\"siem.example.org\"|target=\"127.0.0.1\"|" \
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
	"$RSYSLOGD" -n -f "$WORK/$1.conf" -i "$WORK/$1.pid" \
	    >>"$WORK/$1.log" 2>&1 &
	eval "${1}_PID=$!"
	PIDS="$PIDS $!"
	# Up when it wrote its pid file (5 s at most).
	i=0
	while [ ! -s "$WORK/$1.pid" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$WORK/$1.pid" ] || { fail "rsyslogd $1 did not start"; finish; }
}

# rs_stop NAME: SIGTERM by PID, wait for the exit (10 s at most).
rs_stop() {
	eval "pid=\$${1}_PID"
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"
		fail "rsyslogd $1 did not stop within 10 s"
	fi
	rm -f "$WORK/$1.pid"
}

command -v logrotate >/dev/null 2>&1 || { say "no logrotate: skipped"; exit 77; }

# contrib/logrotate/sinkhole with this test's path and owner.
LR_CONF="$WORK/logrotate.conf"
sed -e "s|/var/log/sinkhole/hits.log|$SPOOL|" \
    -e "s|create 0640 unbound adm|create 0640 $(id -un) $(id -gn)|" \
    "$top_srcdir/contrib/logrotate/sinkhole" >"$LR_CONF"
grep -q "$SPOOL" "$LR_CONF" && grep -q "create 0640 $(id -un)" "$LR_CONF" ||
    { fail "logrotate config not adapted"; finish; }
# logrotate refuses a group- or world-writable parent directory.
chmod 755 "$SPOOL_DIR"

write_receiver receiver "$RECV_PORT"
write_shipper shipper sinkhole-ship.conf "$RECV_PORT"
rs_start receiver
rs_start shipper

LAST=4000
hits_start 1 $LAST 500
rotations=0
for r in 1 2 3; do
	sleep 2
	ino=$(ls -i "$SPOOL" | cut -d' ' -f1)
	logrotate -f -s "$WORK/logrotate.state" "$LR_CONF" \
	    >>"$WORK/logrotate.log" 2>&1 || fail "logrotate run $r"
	[ "$(ls -i "$SPOOL.1" 2>/dev/null | cut -d' ' -f1)" = "$ino" ] &&
	    rotations=$((rotations + 1))
done
expect_eq "logrotate renamed the live hit log away three times" "$rotations" 3
hits_wait || fail "writer did not finish"
sum=$(wait_received $LAST 20)
say "$(echo "$sum" | head -n 1)"
echo "$sum" | sed -n '2,$p'
rewritten=$(sed -n 's/^rewritten after rotation: //p' "$WORK/writer.log")
say "writer wrote ${rewritten:-?} records again after a rename"
expect_match "every record arrives, unchanged, across 3 rotations" \
    "$sum" "^received=$LAST missing=0 dup=[0-9]+ changed=0 unknown=0"
dup=$(echo "$sum" | sed -n '1s/.* dup=\([0-9]*\) .*/\1/p')
expect_match "duplicates only from batches written again ($dup <= ${rewritten:-0})" \
    "$([ "${dup:-1}" -le "${rewritten:-0}" ] && echo yes)" '^yes$'

# The spool files themselves: each record in exactly one file, in order.
files=$(ls "$SPOOL".*.gz | sort -t. -k3nr; echo "$SPOOL.1"; echo "$SPOOL")
seqs=$(for f in $files; do
	case $f in *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac
done | "$PYTHON3" -c '
import json, re, sys
for line in sys.stdin.buffer:
    if line.startswith(b"{"):
        print(json.loads(line)["event"]["sequence"])
    else:
        print(re.search(rb"(?:cn1|sequence)=(\d+)", line).group(1).decode())')
expect_eq "the rotated files hold every record (sequences missing)" \
    "$(seq 1 $LAST | sort | comm -23 - "$(echo "$seqs" | sort -u >"$WORK/seqs"; echo "$WORK/seqs")" | wc -l)" 0
expect_match "delaycompress: hits.log.1 plain, older ones compressed" \
    "$(ls "$SPOOL_DIR" | tr '\n' ' ')" \
    '^hits\.log hits\.log\.1 hits\.log\.2\.gz hits\.log\.3\.gz $'
expect_eq "the new hit log has the mode logrotate gave it" \
    "$(stat -c %a "$SPOOL")" 640

rs_stop shipper
rs_stop receiver
finish
