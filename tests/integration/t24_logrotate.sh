#!/bin/sh
# The hit log rotates with logrotate while hits go on, and nothing is lost
# (issue 4, item 5): contrib/logrotate/sinkhole (with this test's paths)
# runs three times while the module writes hit records (NSD and Unbound
# with sinkhole.so, LEEF 2.0, dnsperf at 500 blocked queries a second) and
# the county shipper (contrib/rsyslog/sinkhole-ship.conf) tails the file
# and forwards it to the stand-in SIEM (contrib/rsyslog/siem-receiver.conf).
#
# imfile stops reading a renamed file soon after the rename, so the
# module's writer looks at its path after each batch and, when the file
# was renamed away meanwhile, writes that batch again at the start of the
# new file: the only duplicates allowed, at the SIEM and in the spool
# files, are of such batches (byte for byte the same record, in two
# files). Checked by sequence, byte for byte, against all the spool files,
# rotated and compressed ones included, and with sinkhole-ctl verify-log
# over the files in order. The writer, checker and rsyslog helpers are
# shiplib.sh's, as in t23_rsyslog_shipping.sh.

TEST_NUM=24
. "$top_srcdir/tests/integration/lib.sh"
SPOOL_DIR="$WORK/spool"
SPOOL="$SPOOL_DIR/hits.log"
INSTANCE=t24-logrotate
. "$top_srcdir/tests/integration/shiplib.sh"

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
hits_module leef

hits_send "$(hits_names 4000 rot)" 500 10 1
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
hits_wait || fail "dnsperf did not finish"
last=$(last_seq)
expect_all_received "every record arrives, unchanged, across 3 rotations" \
    "$last" 20
expect_match "one record per query (start, load and 4000 hits: $last)" \
    "$last" '^(395[1-9]|39[6-9][0-9]|400[0-2])$'

# The spool files: verify-log over them, oldest first, passes; what it
# counts as repeated across rotation is what is in two files.
verify_spool "$WORK/verify.out"
expect_eq "verify-log: the chain runs intact over the rotated files" "$?" 0
cat "$WORK/verify.out"
in_two=$(for f in "$SPOOL".*.gz; do gzip -dc "$f"; done |
    cat - "$SPOOL.1" "$SPOOL" | sort | uniq -d | wc -l)
rep=$(sed -n 's/^duplicated across rotation: \([0-9]*\) record.*/\1/p' \
    "$WORK/verify.out")
expect_eq "verify-log: repeated across rotation = records in two files" \
    "${rep:-0}" "$in_two"
rotdup=$(echo "$sum" | sed -n '1s/.* rotdup=\([0-9]*\).*/\1/p')
say "records written again after a rotation: $in_two; of them the SIEM" \
    "got $rotdup twice"
expect_match "LEEF tab delimiters arrive as tabs" \
    "$(grep -c "$(printf 'LEEF:2.0|.*\t')" "$RECEIVED")" "^$last$"
expect_match "delaycompress: hits.log.1 plain, older ones compressed" \
    "$(ls "$SPOOL_DIR" | tr '\n' ' ')" \
    '^hits\.log hits\.log\.1 hits\.log\.2\.gz hits\.log\.3\.gz $'
expect_eq "the new hit log has the mode logrotate gave it" \
    "$(stat -c %a "$SPOOL")" 640

rs_stop shipper
rs_stop receiver
finish
