#!/bin/sh
# (g) Names that are not blocked resolve exactly as without the module, and
# are cached: the same questions to the same Unbound build without the
# module (module-config "validator iterator") give the same answers.
TEST_NUM=8
. "$top_srcdir/tests/integration/lib.sh"
setup_default

# The plain Unbound: same build and settings, no module, its own port.
PLAIN_PORT=$SPARE_PORT
(
	UB_PORT=$PLAIN_PORT
	MODULE_CONFIG="validator iterator"
	write_unbound_conf "$WORK/plain.conf"
)
sed -i -e "s|logfile: \"$WORK/unbound.log\"|logfile: \"$WORK/plain.log\"|" \
	-e '/^dynlib:/,/dynlib-file/d' -e '/^remote-control:/,$d' "$WORK/plain.conf"
"$UNBOUND" -d -c "$WORK/plain.conf" >>"$WORK/plain.stderr.log" 2>&1 &
PIDS="$PIDS $!"
wait_for_dns "$PLAIN_PORT" ok.test || { fail "plain Unbound did not start"; finish; }

# answer PORT NAME TYPE: rcode, flags and sections, TTLs and ids removed.
answer() {
	"$DIG" @127.0.0.1 -p "$1" -b 127.0.0.1 "$2" "$3" +noall +comments \
	    +answer +authority +nocookie |
	    sed -e 's/id: [0-9]*//' -e 's/\t[0-9]*\tIN/\tIN/' \
	    -e '/Query time\|WHEN\|SERVER\|MSG SIZE/d' | grep -v '^;; Got answer'
}

for nt in "ok.test A" "www.ok.test A" "www.ok.test AAAA" "www.ok.test TXT" \
	"www.ok.test MX" "alias-ok.test A" "xblocked.test A" \
	"nothere.test A" "ok.test NS" "www.ok.test SRV" "fine.blocked.test A" \
	"monitor.test A"; do
	set -- $nt
	with=$(answer "$UB_PORT" "$1" "$2")
	without=$(answer "$PLAIN_PORT" "$1" "$2")
	expect_eq "$1 $2: same answer with and without the module" "$with" "$without"
done
expect_match "the comparison saw real answers" "$(answer "$UB_PORT" www.ok.test A)" '192\.0\.2\.11'
expect_match "and real NXDOMAINs" "$(answer "$UB_PORT" nothere.test A)" 'NXDOMAIN'

before=$(ubctl stats_noreset | sed -n 's/^total\.num\.cachehits=//p')
for i in 1 2 3 4 5; do q 1 www.ok.test A >/dev/null; done
after=$(ubctl stats_noreset | sed -n 's/^total\.num\.cachehits=//p')
check "five repeats of a resolved name are cache hits ($before -> $after)" \
	test "$((after - before))" -ge 5
expect_match "the name is in the message cache" "$(ubctl dump_cache)" \
	'^msg www\.ok\.test\. IN A'
finish
