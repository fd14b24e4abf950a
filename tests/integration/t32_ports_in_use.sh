#!/bin/sh
# Tests never depend on who else uses a port. Before lib.sh picks this
# test's ports, a stranger holds the four it would prefer (TCP and UDP,
# with SO_REUSEPORT as Unbound binds them, so that a daemon binding with
# it too would silently share the port): the test still gets ports of its
# own, NSD and Unbound start there and answer, and the stranger never sees
# a query. Then `make run` (tools/run-resolver.sh) is started on the
# test's Unbound port: it refuses to start instead of taking a share of
# the test's queries, and every query still gets the test's answer.
TEST_NUM=32
: "${top_builddir:?run through make check}" "${PYTHON3:=python3}"
HOLD=$top_builddir/tests/integration/work/t32-stranger
rm -rf "$HOLD"
mkdir -p "$HOLD"
held=$((${SK_TEST_PORT_BASE:-5300} + 4 * TEST_NUM))
"$PYTHON3" - "$HOLD" "$held" >"$HOLD/log" 2>&1 <<'PY' &
import os, select, socket, sys
hold, base = sys.argv[1], int(sys.argv[2])
socks = []
for port in range(base, base + 4):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", port))
        if kind == socket.SOCK_STREAM:
            s.listen(8)
        socks.append(s)
open(os.path.join(hold, "ready"), "w").close()
seen, parent = 0, os.getppid()
while os.getppid() == parent:  # gone with the test, whatever happens
    for s in select.select(socks, [], [], 1)[0]:
        if s.type == socket.SOCK_DGRAM:
            s.recvfrom(4096)
        else:
            s.accept()[0].close()
        seen += 1
        with open(os.path.join(hold, "seen"), "w") as f:
            f.write("%d\n" % seen)
PY
PIDS=$!
i=0
while [ ! -f "$HOLD/ready" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

. "$top_srcdir/tests/integration/lib.sh"
check "the stranger holds ports $held..$((held + 3))" test -f "$HOLD/ready"
for p in "$UB_PORT" "$NSD_PORT" "$CTL_PORT" "$SPARE_PORT"; do
	check "port $p is none of the stranger's" \
	    test "$p" -lt "$held" -o "$p" -gt $((held + 3))
done
setup_default
expect_eq "Unbound on its own port sinkholes" "$(q 1 www.blocked.test A)" "0.0.0.0"
expect_eq "and resolves from its own NSD" "$(q 1 www.ok.test A)" "192.0.2.11"
ubctl status >"$WORK/ubctl.log" 2>&1
expect_eq "unbound-control answers on its port" "$?" 0
expect_eq "the stranger saw no query" "$(cat "$HOLD/seen" 2>/dev/null)" ""

# `make run` on the test's Unbound port: refused, and it says why.
SINKHOLE_RUN_PORT=$UB_PORT "$top_srcdir/tools/run-resolver.sh" \
	"$top_srcdir" "$top_builddir" "$UNBOUND_BUILD" "$WORK/run" \
	>"$WORK/run.log" 2>&1 &
RUN_PID=$!
PIDS="$PIDS $RUN_PID"
# Compiling the shipped lists takes a few seconds: 60 s at most.
wait_until 600 stopped "$RUN_PID"
check "make run on a taken port stops" stopped "$RUN_PID"
expect_match "and says the port is taken" "$(cat "$WORK/run.log")" \
	"127\.0\.0\.1 port $UB_PORT.*(in use|could not open)|bind.*in use"
# A shared port would send some of these to make run's Unbound, where
# test. is a local zone (NXDOMAIN).
answers=$(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	q 1 www.ok.test A
	echo
done | sort | uniq -c | sed 's/^ *//')
expect_eq "every query got the test's Unbound" "$answers" "16 192.0.2.11"
finish
