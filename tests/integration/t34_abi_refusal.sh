#!/bin/sh
# Issue 13 item 2: the module refuses an Unbound other than the one it was
# built against, with a message naming both, and Unbound then fails to
# start (never a crash). The "other" Unbound here is the same build with
# another build-id (its bytes changed in a copy): a different binary to the
# check, so the refusal comes from the build-id comparison alone; make
# check-deb also loads this module into Debian's packaged Unbound (other
# configure options). SK_ABI_OTHER_UNBOUND=path adds an Unbound built with
# other configure options (e.g. --disable-subnet) to the same checks.
TEST_NUM=34
. "$top_srcdir/tests/integration/lib.sh"

built_id=$(readelf -n "$UNBOUND" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
[ -n "$built_id" ] || { fail "the built Unbound has no build-id"; finish; }

# 1. Its own Unbound: loads, says so at verbosity 1, enforces.
UB_VERBOSITY=1 setup_default
expect_eq "own Unbound: listed name sinkholed" "$(q 1 www.blocked.test A)" "0.0.0.0"
check "own Unbound: the module says it runs in the Unbound it was built against" \
	grep -q "sinkhole: running in the Unbound it was built against (.*build-id $built_id)" \
	"$WORK/unbound.log"
stop_unbound

# refused UNBOUND_BINARY WHAT HOST_ID: Unbound exits 1 (no signal) within
# 20 s, the log names both builds.
refused() {
	bin=$1 what=$2 host_id=$3
	: >"$WORK/unbound.log"
	timeout 20 "$bin" -d -c "$WORK/unbound.conf" >"$WORK/refused.stderr.log" 2>&1
	rc=$?
	expect_eq "$what: Unbound exits 1 (fails to start, no crash)" "$rc" 1
	line=$(grep 'sinkhole: refusing to load' "$WORK/unbound.log" "$WORK/refused.stderr.log" | head -n 1)
	case $line in
	*"built for Unbound 1."*"(build-id $built_id, modules: "*") but running in Unbound 1."*"(build-id $host_id, modules: "*)
		pass "$what: the refusal names both builds" ;;
	*) fail "$what: no refusal naming both builds: '$line'" ;;
	esac
	check "$what: Unbound says module init failed" \
		grep -q "module init for module dynlib failed" "$WORK/unbound.log" "$WORK/refused.stderr.log"
	if "$DIG" @127.0.0.1 -p "$UB_PORT" ok.test +time=1 +tries=1 >/dev/null 2>&1; then
		fail "$what: something still answers on the port"
	else
		pass "$what: nothing answers"
	fi
}

# 2. The same code under another build-id.
other="$WORK/unbound-other-build"
"$PYTHON3" - "$UNBOUND" "$other" "$built_id" <<'EOF'
import sys
src, dst, hexid = sys.argv[1:]
data = open(src, "rb").read()
old = bytes.fromhex(hexid)
assert data.count(old) == 1, "build-id bytes not unique"
new = bytes(b ^ 0xff for b in old)
open(dst, "wb").write(data.replace(old, new))
EOF
chmod 755 "$other"
other_id=$(readelf -n "$other" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
check "the copy has another build-id" [ -n "$other_id" ] && [ "$other_id" != "$built_id" ]
refused "$other" "another build-id" "$other_id"
check "another build-id: same version and configure line, said so" \
	grep -q "running in Unbound 1[.0-9]* (build-id $other_id, modules: .*, configure line: the same)" \
	"$WORK/unbound.log"

# 3. Optionally, an Unbound built with other configure options.
if [ -n "${SK_ABI_OTHER_UNBOUND:-}" ]; then
	alt_id=$(readelf -n "$SK_ABI_OTHER_UNBOUND" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
	refused "$SK_ABI_OTHER_UNBOUND" "other configure options" "$alt_id"
	check "other configure options: said so" \
		grep -q "configure line: another)" "$WORK/unbound.log"
fi

# 4. Its own Unbound again: starts (the refusal left nothing behind).
start_unbound "$WORK/unbound.conf"
expect_eq "own Unbound again: listed name sinkholed" "$(q 1 www.blocked.test A)" "0.0.0.0"
finish
