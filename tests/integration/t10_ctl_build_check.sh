#!/bin/sh
# t10: sinkhole-ctl as an operator drives it. Build a small policy (two
# categories, a domains list with one bad line, a hosts list, an allowlist
# entry under a blocked domain, a live and an expired exemption), then check
# names, clients and times, and the failure paths: --strict, a missing
# policy, bad usage. Needs only the built tool: no resolver.
#
# Environment (set by make check): top_builddir, top_srcdir (absolute).
# Exit 0 when every check passes, 1 otherwise.

: "${top_builddir:?top_builddir is not set}"
ctl="$top_builddir/sinkhole-ctl"
if [ ! -x "$ctl" ]; then
	echo "t10: $ctl is not built"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/t10.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok: $1"
}

not_ok() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	sed 's/^/    stdout: /' "$work/out"
	sed 's/^/    stderr: /' "$work/err"
}

# Run the tool; keep its stdout, stderr and exit status for the checks.
run() {
	"$ctl" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}

# expect_rc WANT WHAT
expect_rc() {
	if [ "$rc" -eq "$1" ]; then
		ok "$2: exit $1"
	else
		not_ok "$2: exit $rc, want $1"
	fi
}

# has_line out|err LINE WHAT: the whole line is there.
has_line() {
	if grep -qxF -- "$2" "$work/$1"; then
		ok "$3: $1 has \"$2\""
	else
		not_ok "$3: $1 lacks \"$2\""
	fi
}

# has_re out|err REGEX WHAT: a line matches the extended regex.
has_re() {
	if grep -qE -- "$2" "$work/$1"; then
		ok "$3: $1 matches /$2/"
	else
		not_ok "$3: $1 does not match /$2/"
	fi
}

# lacks_re out|err REGEX WHAT
lacks_re() {
	if grep -qE -- "$2" "$work/$1"; then
		not_ok "$3: $1 matches /$2/"
	else
		ok "$3: $1 does not match /$2/"
	fi
}

# --- the policy -------------------------------------------------------------
mkdir "$work/lists"
cat >"$work/policy.conf" <<'EOF'
# t10 policy
category adult action=sinkhole ref="ITG-P-08-02-01 2.b"
category ads action=nxdomain ref="ITG-P-08-02-01 2.a"
list adult domains lists/adult.txt
list ads hosts lists/ads-hosts.txt
allow domains lists/allow.txt
exempt 192.0.2.0/24 approver="J. Smith, KCSO" reason="INV-113" expires=2090-01-01
exempt 198.51.100.0/24 approver="R. Roe" reason="CHG-7" expires=2020-01-01
EOF
cat >"$work/lists/adult.txt" <<'EOF'
# adult sites
example.com
=exact.example.net
bad..name
EOF
cat >"$work/lists/ads-hosts.txt" <<'EOF'
127.0.0.1 localhost
0.0.0.0 ads.example.org tracker.example.org
EOF
cat >"$work/lists/allow.txt" <<'EOF'
good.example.com
EOF
snap="$work/active.mdb"

# --- build --------------------------------------------------------------------
echo "== build"
run build -p "$work/policy.conf" -o "$snap"
expect_rc 0 "build with one bad list line"
has_re err 'lists/adult\.txt:4: ' "the bad line is reported as FILE:LINE"
n=$(grep -cE '\.txt:[0-9]+: ' "$work/err")
if [ "$n" -eq 1 ]; then
	ok "build: exactly one line rejected on stderr"
else
	not_ok "build: $n rejected lines on stderr, want 1"
fi
lacks_re err 'lines read' "build: no progress when stderr is not a terminal"
has_line out "lists/adult.txt: 2 entries, 1 rejected, 0 unsupported, 0 overrides, 0 ignored" "build summary"
has_line out "lists/ads-hosts.txt: 2 entries, 0 rejected, 0 unsupported, 0 overrides, 1 ignored" \
    "build summary"
has_line out "lists/allow.txt: 1 entries, 0 rejected, 0 unsupported, 0 overrides, 0 ignored" \
    "build summary"
has_re out "^snapshot [0-9a-f]{64}: 5 names -> $snap\$" "build summary"
id=$(sed -n 's/^snapshot \([0-9a-f]*\): .*/\1/p' "$work/out")
if [ -s "$snap" ]; then
	ok "build: $snap written"
else
	not_ok "build: $snap not written"
fi

# --- check --------------------------------------------------------------------
echo "== check: names"
run check -s "$snap" example.com
expect_rc 0 "check blocked name example.com"
has_line out "name: example.com." "check example.com"
has_line out "verdict: blocked" "check example.com"
has_line out "answer: sinkhole" "check example.com"
has_line out "action: sinkhole" "check example.com"
has_line out "category: adult" "check example.com"
has_line out "entry: example.com." "check example.com"
has_line out "list: lists/adult.txt:2" "check example.com"

run check -s "$snap" WWW.Example.COM.
expect_rc 0 "check subdomain www.example.com (mixed case, final dot)"
has_line out "name: www.example.com." "check www.example.com"
has_line out "verdict: blocked" "check www.example.com"
has_line out "entry: example.com." "check www.example.com"

run check -s "$snap" notexample.com
expect_rc 1 "check look-alike notexample.com is not blocked"
has_line out "verdict: none" "check notexample.com"
has_line out "entry: -" "check notexample.com"

run check -s "$snap" good.example.com
expect_rc 1 "check allowlisted good.example.com under a blocked domain"
has_line out "verdict: allowed" "check good.example.com"
has_line out "entry: good.example.com." "check good.example.com"
has_line out "list: lists/allow.txt:1" "check good.example.com"

run check -s "$snap" a.good.example.com
expect_rc 1 "check a.good.example.com (below the allowlist entry)"
has_line out "verdict: allowed" "check a.good.example.com"

run check -s "$snap" exact.example.net
expect_rc 0 "check exact entry exact.example.net"
has_line out "entry: =exact.example.net." "check exact.example.net"
run check -s "$snap" www.exact.example.net
expect_rc 1 "check www.exact.example.net (below an exact entry)"
has_line out "verdict: none" "check www.exact.example.net"

run check -s "$snap" tracker.example.org
expect_rc 0 "check hosts-list name tracker.example.org"
has_line out "answer: nxdomain" "check tracker.example.org"
has_line out "category: ads" "check tracker.example.org"
has_line out "list: lists/ads-hosts.txt:2" "check tracker.example.org"

run check -q -s "$snap" example.com
expect_rc 0 "check -q blocked name"
if [ ! -s "$work/out" ] && [ ! -s "$work/err" ]; then
	ok "check -q prints nothing"
else
	not_ok "check -q printed something"
fi

echo "== check: clients and times"
run check -s "$snap" --client 192.0.2.10 example.com
expect_rc 1 "check client 192.0.2.10 inside the exemption"
has_line out "client: 192.0.2.10" "check exempt client"
has_line out "verdict: exempt" "check exempt client"
has_line out "answer: pass" "check exempt client"
has_line out "exemption: 192.0.2.0/24" "check exempt client"
has_line out "approver: J. Smith, KCSO" "check exempt client"
has_line out "reason: INV-113" "check exempt client"
has_line out "expires: 2090-01-01T00:00:00Z" "check exempt client"

run check -s "$snap" --client ::ffff:192.0.2.10 www.example.com
expect_rc 1 "check IPv4-mapped client inside the exemption"
has_line out "verdict: exempt" "check IPv4-mapped exempt client"

run check -s "$snap" --client 198.51.100.7 www.example.com
expect_rc 0 "check client in the expired exemption"
has_line out "verdict: blocked" "check client in the expired exemption"
has_re out '^expired-exemption: 198\.51\.100\.0/24 ' \
    "check client in the expired exemption"

run check -s "$snap" --client 192.0.2.10 --time 2091-06-01 example.com
expect_rc 0 "check exempt client at a time after expiry"
has_line out "verdict: blocked" "check after expiry"
has_line out "time: 2091-06-01T00:00:00Z" "check after expiry"

run check -s "$snap" --client 192.0.2.10 --time 2089-12-31T23:59:59Z \
    example.com
expect_rc 1 "check exempt client one second before expiry"
run check -s "$snap" --client 192.0.2.10 --time 2090-01-01T00:00:00Z \
    example.com
expect_rc 0 "check exempt client at the moment of expiry"

echo "== check: errors"
run check -s "$snap" 'a..b'
expect_rc 2 "check bad name a..b"
has_re err 'not a valid domain name' "check bad name"
run check -s "$snap" --client 300.1.1.1 example.com
expect_rc 2 "check bad client address"
run check -s "$snap" --time tomorrow example.com
expect_rc 2 "check bad time"
run check -s "$work/missing.mdb" example.com
expect_rc 2 "check missing snapshot"
has_re err 'missing\.mdb' "check missing snapshot names the file"

# --- info ---------------------------------------------------------------------
echo "== info"
run info -s "$snap"
expect_rc 0 "info"
has_line out "id: $id" "info shows the id the build printed"
has_line out "names: 5" "info"
has_line out 'category: adult action=sinkhole ref="ITG-P-08-02-01 2.b"' "info"
has_line out 'category: ads action=nxdomain ref="ITG-P-08-02-01 2.a"' "info"
has_re out '^exemption: 198\.51\.100\.0/24 .*approver="R\. Roe".* EXPIRED$' \
    "info marks the expired exemption"
lacks_re out '^exemption: 192\.0\.2\.0/24 .*EXPIRED' \
    "info does not mark the live exemption"
run info -s "$work/missing.mdb"
expect_rc 1 "info missing snapshot"

# --- build --strict -----------------------------------------------------------
echo "== build --strict"
before=$(cksum <"$snap")
run build --strict -p "$work/policy.conf" -o "$snap"
expect_rc 1 "build --strict with a bad list line"
has_re err 'lists/adult\.txt:4: ' "build --strict reports the bad line"
after=$(cksum <"$snap")
if [ "$before" = "$after" ]; then
	ok "build --strict leaves the existing snapshot unchanged"
else
	not_ok "build --strict changed the existing snapshot"
fi
left=
for f in "$work"/* "$work"/.[!.]*; do
	[ -e "$f" ] || continue
	case ${f##*/} in
	lists | policy.conf | active.mdb | out | err) ;;
	*) left="$left ${f##*/}" ;;
	esac
done
if [ -z "$left" ]; then
	ok "build --strict leaves no temporary file behind"
else
	not_ok "build --strict left: $left"
fi

sed '/^bad\.\.name$/d' "$work/lists/adult.txt" >"$work/lists/adult.tmp" &&
    mv "$work/lists/adult.tmp" "$work/lists/adult.txt"
run build --strict -p "$work/policy.conf" -o "$snap"
expect_rc 0 "build --strict with clean lists"
has_re out "^snapshot [0-9a-f]{64}: 5 names -> $snap\$" "build --strict"

# --- build failures and usage -------------------------------------------------
echo "== build: failures"
run build -p "$work/nope.conf" -o "$work/new.mdb"
expect_rc 1 "build with a missing policy"
has_re err 'nope\.conf: No such file or directory' \
    "build with a missing policy says why"
if [ ! -e "$work/new.mdb" ]; then
	ok "build with a missing policy writes nothing"
else
	not_ok "build with a missing policy wrote $work/new.mdb"
	rm -f "$work/new.mdb"
fi

echo "== build: default policy ./policy.conf, -q"
(cd "$work" && "$ctl" build -q -o "$work/default.mdb" >"$work/out" \
    2>"$work/err")
rc=$?
expect_rc 0 "build -q with the default policy"
if [ ! -s "$work/out" ] && [ -s "$work/default.mdb" ]; then
	ok "build -q prints no summary and writes the snapshot"
else
	not_ok "build -q: summary printed or snapshot missing"
fi

echo "== build -o never replaces a live path"
pub="$work/pub"
run build -q -p "$work/policy.conf" -d "$pub"
expect_rc 0 "build -d into a new publication folder"
built=$(cat "$work/out")
run publish --init -d "$pub" --by test --reason t10 "$built"
expect_rc 0 "publish the built snapshot"
run build -p "$work/policy.conf" -o "$pub/active.mdb"
expect_rc 1 "build -o onto the active link"
has_re err 'active\.mdb: is a symbolic link.*sinkhole-ctl publish' \
    "build -o onto the active link says to use publish"
if [ -L "$pub/active.mdb" ] && [ "$(readlink -f "$pub/active.mdb")" = \
    "$(readlink -f "$built")" ]; then
	ok "build -o leaves the active link as it was"
else
	not_ok "build -o replaced the active link"
fi
run build -p "$work/policy.conf" -o "$built"
expect_rc 1 "build -o onto the snapshot the active link names"
has_re err 'is the active snapshot .*active\.mdb names it.*publish' \
    "build -o onto the active snapshot says why"
ln -s "$snap" "$work/link.mdb"
run build -p "$work/policy.conf" -o "$work/link.mdb"
expect_rc 1 "build -o onto any symbolic link"
if [ -L "$work/link.mdb" ]; then
	ok "build -o leaves a symbolic link a link"
else
	not_ok "build -o replaced a symbolic link by a file"
fi
rm -f "$work/link.mdb"
mkdir -p "$work/broken/snapshots"
cp "$snap" "$work/broken/active.mdb"
run build -p "$work/policy.conf" -o "$work/broken/active.mdb"
expect_rc 1 "build -o onto a plain active.mdb of a publication folder"
has_re err 'plain file where a publication folder.s active link belongs.*publish' \
    "build -o onto a plain active.mdb says how to restore the link"
if cmp -s "$snap" "$work/broken/active.mdb"; then
	ok "build -o leaves a plain active.mdb unchanged"
else
	not_ok "build -o rewrote a plain active.mdb"
fi
echo "== a plain file at active.mdb: status says how to repair it"
cp --remove-destination "$built" "$pub/active.mdb"
chmod 0644 "$pub/active.mdb"
run status -d "$pub"
expect_rc 1 "status with a plain active.mdb"
has_re err 'active\.mdb: a plain file, not the link to the active snapshot; to repair: sinkhole-ctl publish --repair -d ' \
    "status with a plain active.mdb says how to repair it"
run publish --repair -d "$pub" --by test --reason repair
expect_rc 0 "the repair the message names: publish --repair"
run status -d "$pub"
expect_rc 0 "status after the repair"
if [ -L "$pub/active.mdb" ]; then
	ok "the repair restores the active link"
else
	not_ok "the repair left no active link"
fi
left=$(ls -A "$pub" "$pub/snapshots" | grep -c '\.build\.')
if [ "$left" -eq 0 ]; then
	ok "refused builds leave no temporary file"
else
	not_ok "refused builds left $left temporary files"
fi

echo "== usage"
run
expect_rc 2 "no command"
run frobnicate
expect_rc 2 "unknown command"
has_re err 'unknown command' "unknown command"
run build --bogus
expect_rc 2 "build --bogus"
run build -o
expect_rc 2 "build -o without an argument"
run check -s "$snap"
expect_rc 2 "check without a name"
run check -s "$snap" a.example b.example
expect_rc 2 "check with two names"
run info extra
expect_rc 2 "info with an extra argument"
run --version
expect_rc 0 "--version"
has_re out '^sinkhole-ctl [0-9]' "--version"
run -h
expect_rc 0 "-h"
has_re out '^usage: sinkhole-ctl' "-h prints the usage"
has_re out 'sinkhole-ctl check .*--client address.*--time time.* name$' \
    "-h shows check's synopsis"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
