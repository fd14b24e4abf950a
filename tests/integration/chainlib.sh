# Helpers of the chain tests (t25, t26), sourced after lib.sh.

# start_nsd_chain: NSD on NSD_PORT serving test. and chain.test.
# (zones/chain.zone: aliases into listed and monitored names), without
# response rate limiting (Debian's NSD drops answers under load otherwise).
start_nsd_chain() {
	mkdir -p "$WORK/nsd"
	cat >"$WORK/nsd/nsd.conf" <<EOF2
server:
	ip-address: 127.0.0.1
	port: $NSD_PORT
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$ZONES"
	pidfile: "$WORK/nsd/nsd.pid"
	xfrdfile: "$WORK/nsd/xfrd.state"
	zonelistfile: "$WORK/nsd/zone.list"
	database: ""
	logfile: "$WORK/nsd.log"
	server-count: 1
	verbosity: 1
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "test."
	zonefile: "test.zone"
zone:
	name: "chain.test."
	zonefile: "chain.zone"
EOF2
	"$NSD" -d -c "$WORK/nsd/nsd.conf" >>"$WORK/nsd.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_dns "$NSD_PORT" ok.test || { fail "NSD did not start"; finish; }
}
