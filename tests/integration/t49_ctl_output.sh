#!/bin/sh
# t49: sinkhole-ctl's output for scripts and people (issue 12, item 9).
# - check, info and diff --json: one JSON document that python3's json
#   module and jq both parse, with the documented keys (sinkhole-ctl(8),
#   JSON OUTPUT), whatever bytes a list's file name or an exemption's
#   reason hold (a tab, quotes, a byte that is not UTF-8);
# - a usage error prints that command's usage only (exempt add: that form);
#   -h after a command prints its usage on stdout;
# - check takes a Unicode name and finds the listed IDNA (punycode) name;
# - a missing list file names policy.conf:LINE; an error names a path once;
# - the default paths the tool uses are the ones README, OPERATIONS.md, the
#   manuals and debian/ name (the Debian layout); nothing points at notes
#   outside the repository;
# - bash completion (contrib/bash-completion/sinkhole-ctl), sourced in
#   bash: commands, a command's options, -d folders, -s snapshots,
#   categories of the active snapshot;
# - doc/OPERATIONS.md's offline trial (NSD on loopback, Unbound with the
#   module) runs as written.
# Needs the built tool, python3, jq and bash; NSD and Unbound for the
# offline trial only.
TEST_NUM=49
. "$top_srcdir/tests/integration/lib.sh"

COMPLETION="$top_srcdir/contrib/bash-completion/sinkhole-ctl"
P="$WORK/policy"
mkdir -p "$P/lists" "$WORK/db/snapshots" "$WORK/sub.d"
LATIN1_E=$(printf '\351')         # "é" in Latin-1: not UTF-8
REPLACEMENT=$(printf '\357\277\275') # U+FFFD in UTF-8
TAB=$(printf '\t')
# "порно.tv" is listed as its A-labels, as lists carry it
printf '%s\n' blocked.test xn--m1abbbg.tv >"$P/lists/adult.txt"
printf 'sex-ads.test\n' >"$P/lists/ads $LATIN1_E.txt"
printf 'fine.blocked.test\n' >"$P/lists/allow.txt"
printf '%s\n' \
    'category adult-entertainment action=sinkhole ref="AUP 2.b"' \
    'category commercial-sex action=nxdomain ref="AUP 2.a \"ads\""' \
    'list adult-entertainment domains lists/adult.txt' \
    "list commercial-sex domains \"lists/ads $LATIN1_E.txt\"" \
    'allow domains lists/allow.txt' \
    "exempt 192.0.2.0/24 approver=\"J. \\\"Q\\\" Doe\" reason=\"INC-7${TAB}tab\" expires=2099-01-01 categories=commercial-sex" \
    >"$P/policy.conf"
"$CTL" build -q -p "$P/policy.conf" -o "$WORK/one.mdb" 2>"$WORK/build.err" ||
	{ fail "build the test policy: $(cat "$WORK/build.err")"; finish; }
echo "more.blocked.test" >>"$P/lists/adult.txt"
"$CTL" build -q -p "$P/policy.conf" -o "$WORK/two.mdb" 2>"$WORK/build.err" ||
	{ fail "build the second policy: $(cat "$WORK/build.err")"; finish; }
# DB: a publication folder whose active snapshot is one.mdb (laid out by
# hand: this test is about output, not publishing)
ONE_ID=$("$CTL" info -s "$WORK/one.mdb" | sed -n 's/^id: //p')
cp "$WORK/one.mdb" "$WORK/db/snapshots/$ONE_ID.mdb"
ln -s "snapshots/$ONE_ID.mdb" "$WORK/db/active.mdb"

# json_ok WHAT FILE: python3 and jq both parse FILE as one JSON document.
json_ok() {
	if "$PYTHON3" -m json.tool "$2" >/dev/null 2>"$WORK/json.err" &&
		jq -e . "$2" >/dev/null 2>>"$WORK/json.err"; then
		pass "$1: valid JSON (python3 -m json.tool, jq)"
	else
		fail "$1: not valid JSON: $(head -c 300 "$WORK/json.err") in: $(head -c 600 "$2")"
	fi
}
# jqv FILE FILTER: jq's raw output
jqv() { jq -r "$2" "$1" 2>/dev/null; }

echo "== check --json"
"$CTL" check --json -s "$WORK/one.mdb" www.blocked.test >"$WORK/c.json" 2>"$WORK/c.err"
expect_eq "check --json of a blocked name exits 0" "$?" 0
json_ok "check --json" "$WORK/c.json"
expect_eq "check --json: name" "$(jqv "$WORK/c.json" .name)" "www.blocked.test."
expect_eq "check --json: blocked" "$(jqv "$WORK/c.json" .blocked)" "true"
expect_eq "check --json: verdict, category, answer, entry, list, line" \
    "$(jqv "$WORK/c.json" '[.verdict, .category, .answer, .entry, .list, .line] | map(tostring) | join(" ")')" \
    "blocked adult-entertainment sinkhole blocked.test. lists/adult.txt 1"
expect_eq "check --json: ref" "$(jqv "$WORK/c.json" .ref)" "AUP 2.b"
expect_eq "check --json: snapshot id as info says" "$(jqv "$WORK/c.json" .snapshot_id)" \
    "$ONE_ID"
"$CTL" check --json -s "$WORK/one.mdb" --client 192.0.2.9 sex-ads.test >"$WORK/c2.json"
expect_eq "check --json of an exempt client exits 1" "$?" 1
json_ok "check --json, exempt" "$WORK/c2.json"
expect_eq "check --json: the exemption's subnet, approver, reason" \
    "$(jqv "$WORK/c2.json" '.exemption | [.subnet, .approver, .reason] | join("|")')" \
    "192.0.2.0/24|J. \"Q\" Doe|INC-7${TAB}tab"
expect_eq "check --json: a list file name that is not UTF-8 reads as U+FFFD" \
    "$(jqv "$WORK/c2.json" .list)" "lists/ads $REPLACEMENT.txt"
"$CTL" check --json -s "$WORK/one.mdb" nothing.test >"$WORK/c3.json"
expect_eq "check --json of a name not listed exits 1" "$?" 1
expect_eq "check --json: nothing matched: nulls" \
    "$(jqv "$WORK/c3.json" '[.blocked, .category, .entry, .list, .line, .exemption] | map(tostring) | join(" ")')" \
    "false null null null null null"
"$CTL" check --json -s "$WORK/missing.mdb" a.test >"$WORK/c4.json" 2>"$WORK/c4.err"
expect_eq "check --json of a missing snapshot exits 2" "$?" 2
expect_eq "check --json: an error writes nothing on stdout" "$(wc -c <"$WORK/c4.json" | tr -d ' ')" 0

echo "== info --json"
"$CTL" info --json -s "$WORK/one.mdb" >"$WORK/i.json"
expect_eq "info --json exits 0" "$?" 0
json_ok "info --json" "$WORK/i.json"
expect_eq "info --json: names" "$(jqv "$WORK/i.json" .names)" \
    "$("$CTL" info -s "$WORK/one.mdb" | sed -n 's/^names: //p')"
expect_eq "info --json: categories" \
    "$(jqv "$WORK/i.json" '[.categories[] | .name + "=" + .action] | join(" ")')" \
    "adult-entertainment=sinkhole commercial-sex=nxdomain"
expect_eq "info --json: a ref with quotes" "$(jqv "$WORK/i.json" '.categories[1].ref')" 'AUP 2.a "ads"'
expect_eq "info --json: lists" "$(jqv "$WORK/i.json" '.lists | length')" 3
expect_eq "info --json: the exemption" \
    "$(jqv "$WORK/i.json" '.exemptions[0] | [.subnet, (.categories | join(",")), .expires, (.expired | tostring)] | join(" ")')" \
    "192.0.2.0/24 commercial-sex 2099-01-01T00:00:00Z false"

echo "== diff --json"
"$CTL" diff --json "$WORK/two.mdb" "$WORK/one.mdb" >"$WORK/d.json"
expect_eq "diff --json of two snapshots that differ exits 1" "$?" 1
json_ok "diff --json" "$WORK/d.json"
expect_eq "diff --json: counts per category" \
    "$(jqv "$WORK/d.json" '[.categories[] | "\(.category) +\(.added) -\(.removed)"] | join(", ")')" \
    "adult-entertainment +1 -0"
expect_eq "diff --json: the name added" \
    "$(jqv "$WORK/d.json" '[.names[] | "\(.change) \(.category) \(.name)"] | join(", ")')" \
    "added adult-entertainment more.blocked.test."
expect_eq "diff --json: old and new ids" \
    "$(jqv "$WORK/d.json" '[.old, .new] | join(" ")')" \
    "$ONE_ID $("$CTL" info -s "$WORK/two.mdb" | sed -n 's/^id: //p')"
"$CTL" diff --json -d "$WORK/db" "$WORK/one.mdb" >"$WORK/d2.json"
expect_eq "diff --json against the same active snapshot exits 0" "$?" 0
json_ok "diff --json, same" "$WORK/d2.json"
expect_eq "diff --json: same" "$(jqv "$WORK/d2.json" '[.same, (.names | length)] | map(tostring) | join(" ")')" "true 0"

echo "== a usage error prints that command's usage only"
# synopses FILE: the commands whose synopsis FILE shows
synopses() {
	grep -E '^(usage: |       )sinkhole-ctl [a-z]' "$1" |
	    sed -E 's/^(usage: |       )sinkhole-ctl ([a-z-]+( add| remove| list)?).*/\2/' |
	    tr '\n' ' ' | sed 's/ $//'
}
"$CTL" check --bogus x.test >"$WORK/u.out" 2>"$WORK/u.err"
expect_eq "check --bogus exits 2" "$?" 2
expect_match "check --bogus says what is wrong" "$(cat "$WORK/u.err")" "check: unknown option --bogus"
expect_eq "check --bogus prints check's usage only" "$(synopses "$WORK/u.err")" "check"
"$CTL" info extra >"$WORK/u.out" 2>"$WORK/u.err"
expect_eq "info with an operand prints info's usage only" "$(synopses "$WORK/u.err")" "info"
"$CTL" diff >"$WORK/u.out" 2>"$WORK/u.err"
expect_eq "diff without a snapshot prints diff's usage only" "$(synopses "$WORK/u.err")" "diff"
"$CTL" exempt add -d "$WORK/db" 192.0.2.0/24 >"$WORK/u.out" 2>"$WORK/u.err"
expect_eq "exempt add without --approver prints exempt add's usage only" \
    "$(synopses "$WORK/u.err")" "exempt add"
"$CTL" exempt >"$WORK/u.out" 2>"$WORK/u.err"
expect_eq "exempt alone prints the three exempt forms" "$(synopses "$WORK/u.err")" \
    "exempt add exempt remove exempt list"
"$CTL" info -h >"$WORK/u.out" 2>"$WORK/u.err"
expect_eq "info -h exits 0" "$?" 0
expect_eq "info -h prints info's usage only, on stdout" "$(synopses "$WORK/u.out")" "info"
"$CTL" -h >"$WORK/u.out" 2>&1
expect_match "sinkhole-ctl -h still prints every command" "$(synopses "$WORK/u.out")" \
    "^build check info .*verify-log"

echo "== check takes Unicode names"
"$CTL" check -s "$WORK/one.mdb" "www.порно.tv" >"$WORK/n.out" 2>"$WORK/n.err"
expect_eq "check www.порно.tv exits 0 (blocked)" "$?" 0
expect_match "check www.порно.tv checks its A-labels" "$(cat "$WORK/n.out" "$WORK/n.err")" \
    "^name: www\.xn--m1abbbg\.tv\.$"
expect_match "and says what it was given" "$(cat "$WORK/n.out")" "^input: www\.порно\.tv$"
"$CTL" check --json -s "$WORK/one.mdb" "ПОРНО.TV" >"$WORK/n.json" 2>"$WORK/n.err"
expect_eq "check --json ПОРНО.TV exits 0 (upper case folded as IDNA does)" "$?" 0
expect_eq "check --json ПОРНО.TV: entry" "$(jqv "$WORK/n.json" '.entry')" "xn--m1abbbg.tv."
"$CTL" check -s "$WORK/one.mdb" "bad name.тест" >"$WORK/n.out" 2>"$WORK/n.err"
expect_eq "check of an invalid Unicode name is an error" "$?" 2

echo "== errors: policy.conf:LINE, a path once"
cp "$P/policy.conf" "$P/broken.conf"
echo "list adult-entertainment domains lists/gone.txt" >>"$P/broken.conf"
line=$(grep -n 'gone.txt' "$P/broken.conf" | cut -d: -f1)
"$CTL" build -q -p "$P/broken.conf" -o "$WORK/x.mdb" >"$WORK/e.out" 2>"$WORK/e.err"
expect_eq "build with a missing list exits 1" "$?" 1
expect_match "a missing list names the policy line that lists it" \
    "$(cat "$WORK/e.err")" "broken\.conf:$line: list .*gone\.txt: No such file"
"$CTL" info -s "$WORK/nowhere.mdb" >"$WORK/e.out" 2>"$WORK/e.err"
expect_eq "info of a missing snapshot names its path once" \
    "$(grep -o 'nowhere\.mdb' "$WORK/e.err" | wc -l | tr -d ' ')" 1
"$CTL" check -s "$WORK/nowhere.mdb" a.test >"$WORK/e.out" 2>"$WORK/e.err"
expect_eq "check of a missing snapshot names its path once" \
    "$(grep -o 'nowhere\.mdb' "$WORK/e.err" | wc -l | tr -d ' ')" 1

printf 'snapshot: %s\n' "$WORK/nowhere.mdb" >"$WORK/nowhere.conf"
"$CTL" check-conf -u "$(id -un)" "$WORK/nowhere.conf" >"$WORK/e.out" 2>"$WORK/e.err"
expect_eq "check-conf of a missing snapshot exits 1" "$?" 1
expect_eq "check-conf of a missing snapshot names its path once" \
    "$(cat "$WORK/e.out" "$WORK/e.err" | grep -o 'nowhere\.mdb' | wc -l | tr -d ' ')" 1

echo "== one set of default paths: the binary and the docs agree"
# lib/core/paths.h's defaults (the Debian layout); the tool says which path
# it tried, whether or not it exists on this machine
out=$(cd "$WORK" && "$CTL" info 2>&1)
expect_match "info reads /var/lib/sinkhole/active.mdb by default" "$out" "/var/lib/sinkhole/active\.mdb"
out=$(cd "$WORK" && "$CTL" status 2>&1)
expect_match "status reads /var/lib/sinkhole by default" "$out" "/var/lib/sinkhole"
out=$(cd "$WORK" && "$CTL" check-conf -u "$(id -un)" 2>&1)
expect_match "check-conf reads /etc/unbound/sinkhole.conf by default" "$out" "/etc/unbound/sinkhole\.conf"
for doc in README.md doc/OPERATIONS.md doc/sinkhole-ctl.8 doc/sinkhole.8 \
    doc/sinkhole.conf.5 debian/sinkhole.conf; do
	text=$(cat "$top_srcdir/$doc")
	expect_nomatch "$doc names no prefix-dependent default" "$text" \
	    "/usr/local/(etc|var)/|/etc/sinkhole/sinkhole\.conf|/var/db/sinkhole"
	expect_match "$doc names /etc/unbound/sinkhole.conf" "$text" "/etc/unbound/sinkhole\.conf"
	expect_match "$doc names /var/lib/sinkhole" "$text" "/var/lib/sinkhole"
done
for doc in README.md doc/OPERATIONS.md doc/sinkhole.8 doc/sinkhole.conf.5 debian/sinkhole.conf; do
	expect_match "$doc names /var/log/sinkhole" "$(cat "$top_srcdir/$doc")" "/var/log/sinkhole"
done

echo "== nothing points outside the repository"
# design notes and lists of the machine the project was written on are not
# in the repository (bench/ included: its BLOCKLISTS default is blocklists/)
# The project's own files only: what the build generates (Makefiles,
# libtool wrappers, config.status) holds the checkout's absolute path,
# which may be anything, /work/main included.
outside_pat='\.\./shared/|/work/shared|/work/brief|/work/main|/work/wt-|DESIGN\.md'
if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	outside=$(cd "$top_srcdir" && git ls-files -z |
	    grep -zv "^tests/integration/$(basename "$0")\$" |
	    xargs -0 grep -IlE "$outside_pat" 2>/dev/null | tr '\n' ' ')
else # a release tarball: skip what configure and make generated
	outside=$(cd "$top_srcdir" && grep -rIlE "$outside_pat" \
	    --exclude-dir=_deps --exclude-dir=work \
	    --exclude-dir=autom4te.cache --exclude-dir=.libs \
	    --exclude-dir=.deps --exclude='*.log' --exclude='*.trs' \
	    --exclude="$(basename "$0")" . 2>/dev/null | sed 's|^\./||' |
	    while read -r f; do
		head -n 3 "$f" | grep -qi 'generated' || printf '%s ' "$f"
	    done)
fi
expect_eq "no file points at notes outside the repository" "$outside" ""

echo "== bash completion"
# comp WORD...: what the completion offers for the last word, sorted, in
# a bash that sourced it (cwd: WORK)
comp() {
	bash -c '
		. "$1" || exit 3
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		cd "$WORK" && _sinkhole_ctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ *\$//"
	' comp "$COMPLETION" "$@" 2>"$WORK/comp.err"
}
export WORK
if ! [ -f "$COMPLETION" ]; then
	fail "no $COMPLETION"
else
	C="$CTL"
	expect_eq "completion: commands starting with ch" "$(comp "$C" ch)" "check check-conf"
	expect_match "completion: every command" "$(comp "$C" "")" \
	    "^allow block build check check-conf diff exempt export feed follow info keygen publish rollback status update verify-log$"
	expect_match "completion: check's long options" "$(comp "$C" check --)" "--json"
	expect_nomatch "completion: check's options are check's only" "$(comp "$C" check --)" \
	    "--by|--limit|--strict"
	expect_eq "completion: exempt's subcommands" "$(comp "$C" exempt "")" "add list remove"
	expect_match "completion: exempt add's options" "$(comp "$C" exempt add --)" \
	    "--approver.*--expires"
	expect_eq "completion: -d completes folders" "$(comp "$C" status -d "")" "db policy sub.d"
	expect_eq "completion: -s completes snapshots and folders" \
	    "$(comp "$C" info -s "")" "db one.mdb policy sub.d two.mdb"
	expect_eq "completion: block -c: categories of DIR's active snapshot" \
	    "$(comp "$C" block -d "$WORK/db" -c "")" "adult-entertainment commercial-sex"
	expect_eq "completion: --categories completes after a comma" \
	    "$(comp "$C" exempt add -d "$WORK/db" --categories adult-entertainment,c)" \
	    "adult-entertainment,commercial-sex"
	expect_eq "completion: diff's operand is a snapshot" "$(comp "$C" diff o)" "one.mdb"
fi
echo "== doc/OPERATIONS.md: the offline trial runs as written"
# Its shell block, with this test's ports for 5399 (NSD) and 5353
# (Unbound), its scratch folder under WORK, sinkhole-ctl and nsd found on
# PATH; the block's own last line stops both daemons (the loop after it
# too, should a step fail).
OFF="$WORK/offline"
mkdir -p "$OFF"
"$PYTHON3" - "$top_srcdir/doc/OPERATIONS.md" "$NSD_PORT" "$UB_PORT" "$OFF" \
    >"$OFF/trial.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"## Trying a resolver offline.*?```sh\n(.*?)```", text, re.S)
block = m.group(1) if m else "exit 3\n"
block = block.replace("5399", sys.argv[2]).replace("5353", sys.argv[3])
sys.stdout.write(block.replace("/tmp/sinkhole-try.", sys.argv[4] + "/sinkhole-try."))
PY
(
	PATH="$top_builddir:$(dirname "$NSD"):$PATH"
	USER=${USER:-tester}
	export PATH UNBOUND MODULE USER
	cd "$OFF" && bash -e "$OFF/trial.sh"
) >"$OFF/out" 2>"$OFF/err"
rc=$?
for p in "$OFF"/sinkhole-try.*/unbound.pid "$OFF"/sinkhole-try.*/nsd.pid; do
	[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
done
expect_eq "the offline trial's commands all succeed" "$rc" 0
expect_eq "the offline trial: NSD's answer, the sinkhole answer, the real one" \
    "$(grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "$OFF/out" | tr '\n' ' ')" \
    "192.0.2.10 0.0.0.0 192.0.2.10 "
# the writer may finish the record as Unbound stops: wait for it
hits=$(ls "$OFF"/sinkhole-try.*/hits.log 2>/dev/null | head -n 1)
n=0
while [ $n -lt 50 ] && ! grep -q '"event.action":"sinkhole".*"dns.question.name":"www.adult.example."' \
    "${hits:-/nonexistent}" 2>/dev/null; do
	sleep 0.1
	n=$((n + 1))
done
expect_match "the offline trial: the hit log records the sinkhole answer" \
    "$(cat "${hits:-/nonexistent}" 2>/dev/null)" \
    '"event.action":"sinkhole".*"dns.question.name":"www.adult.example."'

finish
