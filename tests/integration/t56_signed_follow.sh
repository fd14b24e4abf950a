#!/bin/sh
# Many resolvers, one policy (issue 16): a build host signs what it
# publishes (keygen, publish --sign) and nginx serves its folder over
# HTTPS (a test CA); three Unbound instances with the module, each with
# its own publication folder, follow it (sinkhole-ctl follow) and trust
# only the build host's key (trust-key:).
#  - One signed publish reaches all three within 2 s of their next poll
#    (--loop 1), the same id everywhere, with the signer and serial in
#    status.
#  - Refused, with the reason in follow's output and status: a tampered
#    snapshot, a tampered manifest, a wrong key, a replayed older signed
#    manifest; the module itself refuses an unsigned snapshot published
#    into its folder and keeps serving the signed one.
#  - nginx stopped: every resolver keeps serving and reports staleness;
#    nginx back: they catch up.
TEST_NUM=56
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/buildhost.sh"

B="$WORK/build"
CA="$WORK/ca/ca.pem"

make_test_ca
TRUST=$("$CTL" keygen -q "$WORK/k1" | sed -n 's/^trust-key: //p')
"$CTL" keygen -q "$WORK/k2" >/dev/null
expect_match "keygen prints a trust-key line" "$TRUST" "^ed25519:[0-9a-f]{64}$"
expect_eq "keygen makes the private key 0600" \
	"$(stat -c %a "$WORK/k1")" "600"
"$CTL" keygen "$WORK/k1" >/dev/null 2>"$WORK/keygen2.err"
expect_eq "keygen never overwrites a key" "$?" 1

# Five policies: each one blocks one more name (ok.test, extra3..5.test).
write_policy "$WORK/p1"
build_snapshot "$WORK/p1" "$WORK/s1.mdb"
for n in 2 3 4 5; do
	write_policy "$WORK/p$n"
	echo "ok.test" >>"$WORK/p$n/adult.txt"
	i=3
	while [ $i -le $n ]; do
		echo "extra$i.test" >>"$WORK/p$n/adult.txt"
		i=$((i + 1))
	done
	build_snapshot "$WORK/p$n" "$WORK/s$n.mdb"
done
idof() { "$CTL" info -s "$1" | sed -n 's/^id: //p'; }
id1=$(idof "$WORK/s1.mdb")
id2=$(idof "$WORK/s2.mdb")
id3=$(idof "$WORK/s3.mdb")
id4=$(idof "$WORK/s4.mdb")
id5=$(idof "$WORK/s5.mdb")

sign_publish() { # KEY SNAPSHOT REASON
	"$CTL" publish -d "$B" --init --sign "$WORK/$1" --by builder \
	    --reason "$3" "$2" >"$WORK/publish.out" 2>"$WORK/publish.err"
}
sign_publish k1 "$WORK/s1.mdb" "first"
expect_eq "the build host's publish --sign" "$?" 0
expect_match "publish --sign says the key and serial" \
	"$(cat "$WORK/publish.err")" "signed by key [0-9a-f]{16}, serial [0-9]+"
K1=$(sed -n 's/^key: //p' "$B/snapshots/current.manifest")
check "the manifest lies beside the snapshot" \
	cmp -s "$B/snapshots/$id1.manifest" "$B/snapshots/current.manifest"
start_nginx "$B/snapshots"
start_nsd

# The resolvers: r1 on UB_PORT (with unbound-control), r2 and r3 on
# ports of their own; each its sinkhole.conf, folder, state and log.
pick_port R2_PORT $((PORT_BASE + 2001)) && pick_port R3_PORT $((PORT_BASE + 2002)) ||
	{ fail "no free ports"; finish; }
port_of() { case $1 in 1) echo "$UB_PORT" ;; 2) echo "$R2_PORT" ;; 3) echo "$R3_PORT" ;; esac; }
conf_of() { echo "$WORK/r$1.conf"; }

follow_once() { # N [extra args]: one poll of resolver N's folder
	n=$1
	shift
	"$CTL" follow -d "$WORK/r$n" -c "$(conf_of "$n")" --ca-file "$CA" \
	    "$@" "$BUILD_URL" >"$WORK/follow-once.out" 2>"$WORK/follow-once.err"
}

for n in 1 2 3; do
	mkdir -p "$WORK/state$n"
	cat >"$(conf_of $n)" <<EOF
snapshot: $WORK/r$n/active.mdb
sinkhole-ipv4: 0.0.0.0
ttl: 60
state-dir: $WORK/state$n
instance-id: resolver-$n
hit-log: $WORK/hits$n.log
# the build host's key
trust-key: $TRUST
EOF
	follow_once $n --init
	expect_eq "resolver $n: the first follow takes the build host's snapshot" \
	    "$?" 0
	(
		UB_PORT=$(port_of $n)
		write_unbound_conf "$WORK/u$n.conf"
	)
	if [ $n -ne 1 ]; then
		sed -i -e "s|logfile: \"$WORK/unbound.log\"|logfile: \"$WORK/unbound$n.log\"|" \
		    -e '/^remote-control:/,$d' "$WORK/u$n.conf"
	fi
	SINKHOLE_CONF=$(conf_of $n) start_daemon "$WORK/unbound$n.stderr.log" \
	    "$UNBOUND" -d -c "$WORK/u$n.conf"
	wait_for_dns "$(port_of $n)" ok.test ||
		{ fail "resolver $n did not start"; finish; }
done
"$CTL" check-conf -u "$(id -un)" "$(conf_of 1)" >"$WORK/check-conf.out" 2>&1
expect_eq "check-conf accepts the signed setup" "$?" 0
expect_match "check-conf names the trusted key" "$(cat "$WORK/check-conf.out")" \
	"trust-key: key id $K1"
printf 'trust-key: ed25519:1234\n' >>"$WORK/bad.conf"
"$CTL" check-conf -u "$(id -un)" "$WORK/bad.conf" >"$WORK/check-bad.out" 2>&1
expect_eq "check-conf refuses a bad trust-key" "$?" 1
expect_match "... saying what is wrong" "$(cat "$WORK/check-bad.out")" \
	"trust-key: .*not a public key"

qp() { # N NAME: resolver N's A answer
	"$DIG" @127.0.0.1 -p "$(port_of "$1")" -b 127.0.0.1 "$2" A +short \
	    +time=5 +tries=1 | sort | tr '\n' ' ' | sed 's/ $//'
}
active_of() { "$CTL" status -d "$WORK/r$1" | sed -n 's/^active: //p'; }
for n in 1 2 3; do
	expect_eq "resolver $n serves the first snapshot" "$(qp $n ok.test)" \
	    "192.0.2.10"
	expect_eq "resolver $n: blocked.test sinkholed" "$(qp $n blocked.test)" \
	    "0.0.0.0"
	expect_eq "resolver $n: active id" "$(active_of $n)" "$id1"
done
expect_match "resolver 2's module logged the signed snapshot" \
	"$(cat "$WORK/unbound2.log")" "sinkhole: using snapshot $id1"

# --- one publish reaches all three within 2 s of their next poll --------
start_followers() {
	FOLLOWERS=""
	for n in 1 2 3; do
		start_daemon "$WORK/follow$n.log" "$CTL" follow --loop 1 \
		    --stale-after 2 -d "$WORK/r$n" -c "$(conf_of $n)" \
		    --ca-file "$CA" "$BUILD_URL"
		FOLLOWERS="$FOLLOWERS $DAEMON_PID"
	done
}
start_followers
sleep 1.2
sign_publish k1 "$WORK/s2.mdb" "CHG-2: ok.test"
t0=$(now_ms)
for n in 1 2 3; do
	ms=$(
		while [ "$(qp $n ok.test)" != "0.0.0.0" ]; do
			[ $(($(now_ms) - t0)) -gt 3000 ] && { echo timeout; exit; }
			sleep 0.05
		done
		echo $(($(now_ms) - t0))
	)
	expect_match "resolver $n blocks ok.test within 1 s poll + 2 s of the publish ($ms ms)" \
	    "$ms" "^[0-9]+$"
done
for n in 1 2 3; do
	expect_eq "resolver $n: the same id" "$(active_of $n)" "$id2"
	out=$("$CTL" status -d "$WORK/r$n")
	expect_match "resolver $n: status shows signer and serial" "$out" \
	    "^signed: key $K1 serial [0-9]+$"
	expect_match "resolver $n: status shows the build host" "$out" \
	    "^follow: $BUILD_URL$"
	expect_match "resolver $n: history keeps the build host's who/why" \
	    "$out" "history: .* $id2 $id1 by=\"builder\" reason=\"CHG-2: ok.test\""
done
stop_pids 100 $FOLLOWERS
cp "$B/snapshots/current.manifest" "$WORK/serial2.manifest"

# --- refusals (one poll of resolver 1 each) ------------------------------
# The module itself: an unsigned snapshot published into its folder.
"$CTL" publish -d "$WORK/r1" --by intruder --reason "unsigned" \
    "$WORK/s5.mdb" >/dev/null 2>&1
wait_until 50 grep -q "signature check refused it" "$WORK/unbound.log"
expect_eq "the module refuses an unsigned snapshot" "$?" 0
expect_match "... saying why" "$(cat "$WORK/unbound.log")" \
	"snapshot is not signed \(no manifest\).*keeping snapshot $id2"
expect_eq "... and keeps serving the signed one" "$(qp 1 extra5.test)" ""
"$CTL" rollback -d "$WORK/r1" --by ops --reason "undo unsigned" \
    >/dev/null 2>&1
expect_eq "rollback: the signed snapshot active again" "$(active_of 1)" "$id2"


# A tampered snapshot on the build host (same size, digest trailer kept).
sign_publish k1 "$WORK/s3.mdb" "CHG-3"
f="$B/snapshots/$id3.mdb"
chmod u+w "$f"
"$PYTHON3" - "$f" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096 + 100)
    b = f.read(1)
    f.seek(4096 + 100)
    f.write(bytes([b[0] ^ 0xff]))
PY
follow_once 1
expect_eq "tampered snapshot: follow fails" "$?" 1
expect_match "... refused for its digest" "$(cat "$WORK/follow-once.err")" \
	"digest|does not match"
expect_eq "... nothing taken" "$(active_of 1)" "$id2"
expect_match "... status shows the error" "$("$CTL" status -d "$WORK/r1")" \
	"^follow-error: .*$id3"
cp "$WORK/s3.mdb" "$f"

# A tampered manifest (the reason changed after signing).
m="$B/snapshots/current.manifest"
chmod u+w "$m"
sed -i 's/^why: CHG-3$/why: CHG-3 (approved)/' "$m"
touch -d "@$(($(date +%s) + 5))" "$m"
follow_once 1
expect_eq "tampered manifest: follow fails" "$?" 1
expect_match "... the signature does not verify" \
	"$(cat "$WORK/follow-once.err")" "signature by key $K1 does not verify"
expect_eq "... nothing taken" "$(active_of 1)" "$id2"

# Signed by a key the resolvers do not trust.
sign_publish k2 "$WORK/s4.mdb" "CHG-4 by the wrong key"
K2=$(sed -n 's/^key: //p' "$m")
follow_once 1
expect_eq "wrong key: follow fails" "$?" 1
expect_match "... naming both keys" "$(cat "$WORK/follow-once.err")" \
	"signed by key $K2; trusted: $K1"
expect_eq "... nothing taken" "$(active_of 1)" "$id2"

# Signed again with the right key: taken.
sign_publish k1 "$WORK/s4.mdb" "CHG-4"
follow_once 1
expect_eq "the right key: taken" "$?" 0
expect_eq "... snapshot 4 active" "$(active_of 1)" "$id4"
wait_until 50 grep -q "switched to snapshot $id4" "$WORK/unbound.log"
expect_eq "... and the module switched to it" "$?" 0

# A replay: the build host's folder hands out the older signed manifest.
serial4=$(sed -n 's/^serial: //p' "$m")
cp "$WORK/serial2.manifest" "$m"
touch -d "@$(($(date +%s) + 10))" "$m"
follow_once 1
expect_eq "replayed older manifest: follow fails" "$?" 1
expect_match "... loudly, as a replay" "$(cat "$WORK/follow-once.err")" \
	"REPLAY refused: .*serial [0-9]+ \(snapshot $(echo "$id2" | cut -c1-12)"
expect_eq "... nothing taken" "$(active_of 1)" "$id4"
expect_match "... status shows it" "$("$CTL" status -d "$WORK/r1")" \
	"^follow-error: REPLAY"
sign_publish k1 "$WORK/s4.mdb" "CHG-4 re-signed"
# The older current.manifest put back by hand must not lower the serial:
# a second publication with snapshot 4's serial would be refused by every
# follower as a replay.
expect_eq "re-signed after a replaced current.manifest: a higher serial" \
	"$([ "$(sed -n 's/^serial: //p' "$m")" -gt "$serial4" ] && echo yes)" yes

# --- the build host down, and back ---------------------------------------
start_followers
for n in 2 3; do
	start=$(now_ms)
	while [ "$(active_of $n)" != "$id4" ] && [ $(($(now_ms) - start)) -lt 5000 ]; do
		sleep 0.1
	done
	expect_eq "resolver $n catches up to snapshot 4" "$(active_of $n)" "$id4"
done
stop_nginx
sign_publish k1 "$WORK/s5.mdb" "CHG-5 while the web server is down"
sleep 4
for n in 1 2 3; do
	expect_eq "nginx down: resolver $n keeps serving" \
	    "$(qp $n extra4.test)" "0.0.0.0"
	out=$("$CTL" status -d "$WORK/r$n")
	expect_match "nginx down: resolver $n reports staleness" "$out" \
	    "^follow-stale: yes"
	expect_match "nginx down: resolver $n says why" "$out" \
	    "^follow-error: build host not reached"
done
expect_match "a follower says STALE" "$(cat "$WORK/follow2.log")" \
	"STALE: .* not current since"
wait_until 30 grep -q "sinkhole: stale policy: build host" "$WORK/unbound2.log"
expect_eq "the module logs the stale policy" "$?" 0
wait_until 30 grep -q '"stale"' "$WORK/hits2.log"
expect_eq "... and writes a policy record (change stale) to the hit log" "$?" 0
start_nginx "$B/snapshots"
for n in 1 2 3; do
	start=$(now_ms)
	while [ "$(qp $n extra5.test)" != "0.0.0.0" ] &&
	    [ $(($(now_ms) - start)) -lt 3000 ]; do
		sleep 0.05
	done
	expect_eq "nginx back: resolver $n catches up" "$(qp $n extra5.test)" \
	    "0.0.0.0"
	expect_eq "nginx back: resolver $n active id" "$(active_of $n)" "$id5"
	expect_match "nginx back: resolver $n fresh" \
	    "$("$CTL" status -d "$WORK/r$n")" "^follow-stale: no"
done
wait_until 30 grep -q '"current"' "$WORK/hits2.log"
expect_eq "the module records the policy current again" "$?" 0
"$CTL" verify-log "$WORK/hits2.log" >"$WORK/verify-log.out" 2>&1
expect_eq "verify-log accepts the stale and current records" "$?" 0

# An emergency edit on the resolver itself: its overlay is unsigned, so the
# module refuses it (and the unsigned snapshot the edit derives) and the
# answer stays the build host's.
cp -R "$WORK/p5" "$WORK/p5-local"
"$CTL" block -d "$WORK/r1" -p "$WORK/p5-local/policy.conf" \
    -c adult-entertainment --by local --reason "unsigned edit" local-edit.test \
    >/dev/null 2>&1
wait_until 50 grep -q "overlays are not allowed (trust-key: is configured)" \
    "$WORK/unbound.log"
expect_eq "the module refuses a local edit's overlay under trust keys" "$?" 0
expect_eq "... and the answer stays the signed snapshot's" \
	"$(qp 1 local-edit.test)" ""
"$CTL" rollback -d "$WORK/r1" --by ops --reason "undo the local edit" \
    >/dev/null 2>&1
expect_eq "rollback: the signed snapshot active again" "$(active_of 1)" "$id5"

finish
