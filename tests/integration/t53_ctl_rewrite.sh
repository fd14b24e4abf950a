#!/bin/sh
# t53: the rewrite action and the structured-error policy data as an
# operator meets them in sinkhole-ctl (issue 14, items 1, 3 and 4):
# - build: a rewrite list and an rpz list (CNAME target.) feed a rewrite
#   category; the summary counts their rewrites; a target the policy
#   blocks, or rewrites itself, refuses the build naming both entries;
#   a domains list cannot feed a rewrite category;
# - check explains a rewrite (answer, target, entry, list:line, purpose,
#   EDE), text and --json, exit 0; an exempt client: exit 1, the target
#   still shown; an rpz "CNAME ." entry of the category answers NXDOMAIN;
# - info shows the format, rewrites, contact, organisation, language and
#   each category's purpose= and ede= (text and --json);
# - diff shows a changed target, a category's changed ede= and the
#   operator's changes (text and --json);
# - the module loads the format-2 snapshot: a blocked name of the same
#   snapshot is sinkholed; the tool of an older release would refuse it
#   (its format is checked by the verifier's unit tests).
# Needs the built tool, python3 and jq; NSD and Unbound for the last part.
TEST_NUM=53
. "$top_srcdir/tests/integration/lib.sh"

P="$WORK/policy"
mkdir -p "$P"
cat >"$P/policy.conf" <<'EOF'
contact "mailto:dns-admin@example.gov"
contact "tel:+1-206-555-0100"
organisation "King County Information Technology"
language en
category adult-entertainment action=sinkhole ref="AUP 2.b"
category safesearch action=rewrite ref="AUP 3.b searching" ede=filtered
category dns-bypass action=nxdomain ref="AUP 5" purpose=bypass ede=censored
list adult-entertainment domains adult.txt
list safesearch rewrite safesearch.rewrite
list safesearch rpz youtube.rpz
list dns-bypass domains bypass.txt
exempt 127.0.0.2/32 approver="Test Approver" reason="TICKET-1" expires=2099-01-01 categories=safesearch
EOF
printf 'blocked.test\n' >"$P/adult.txt"
printf 'use-application-dns.net\n' >"$P/bypass.txt"
cat >"$P/safesearch.rewrite" <<'EOF'
# Google: every search domain, exactly
www.google.com forcesafesearch.google.com
www.google.de forcesafesearch.google.com.
*.bing.test strict.bing.com
EOF
cat >"$P/youtube.rpz" <<'EOF'
$ORIGIN safesearch.rpz.
@ SOA . . 1 1 1 1 1
www.youtube.com CNAME restrict.youtube.com.
m.youtube.com CNAME .
EOF

echo "== build"
"$CTL" build -p "$P/policy.conf" -o "$WORK/one.mdb" >"$WORK/build.out" 2>"$WORK/build.err"
expect_eq "build of a rewrite policy exits 0" "$?" 0
out=$(cat "$WORK/build.out")
expect_match "summary: the rewrite list's rewrites counted" "$out" \
	'^safesearch.rewrite: 3 entries, 0 rejected, 0 unsupported, 0 overrides, 0 ignored, 3 rewrites$'
expect_match "summary: the rpz list's rewrite counted" "$out" \
	'^youtube.rpz: 2 entries, .*, 1 rewrites$'
expect_match "summary: lists without rewrites as before" "$out" \
	'^adult.txt: 1 entries, 0 rejected, 0 unsupported, 0 overrides, 0 ignored$'
expect_match "summary: the snapshot's rewrites" "$out" \
	"^snapshot [0-9a-f]{64}: 7 names \\(4 rewrites\\) -> $WORK/one.mdb\$"

cp -r "$P" "$WORK/bad"
echo "forcesafesearch.google.com" >>"$WORK/bad/adult.txt"
"$CTL" build -q -p "$WORK/bad/policy.conf" -o "$WORK/bad.mdb" 2>"$WORK/bad.err"
expect_eq "a blocked target refuses the build" "$?" 1
expect_match "the refusal names target, entry, category and both lines" \
	"$(cat "$WORK/bad.err")" \
	'rewrite target forcesafesearch\.google\.com\. of www\.google\.(com\. \(list safesearch\.rewrite line 2|de\. \(list safesearch\.rewrite line 3)\) is blocked by category adult-entertainment \(entry forcesafesearch\.google\.com\., list adult\.txt line 2\)'
expect_eq "nothing written" "$(test -e "$WORK/bad.mdb" && echo yes || echo no)" no
sed -i 's/^list safesearch rewrite .*/list safesearch domains adult.txt/' "$WORK/bad/policy.conf"
"$CTL" build -q -p "$WORK/bad/policy.conf" -o "$WORK/bad.mdb" 2>"$WORK/bad.err"
expect_eq "a domains list in a rewrite category: policy error" "$?" 1
expect_match "it says which lists a rewrite category takes" "$(cat "$WORK/bad.err")" \
	'policy.conf:9: list: category safesearch rewrites names to targets: its lists are rewrite lists'

echo "== check"
out=$("$CTL" check -s "$WORK/one.mdb" www.Google.com)
expect_eq "check of a rewritten name exits 0" "$?" 0
expect_match "check: answer rewrite" "$out" '^answer: rewrite$'
expect_match "check: the target" "$out" '^target: forcesafesearch\.google\.com\.$'
expect_match "check: the category and its reference" "$out" \
	'^category: safesearch$'
expect_match "check: the entry and where it is" "$out" \
	'^entry: =www\.google\.com\.$'
expect_match "check: list:line" "$out" '^list: safesearch\.rewrite:2$'
expect_match "check: purpose and EDE" "$out" '^purpose: content$'
expect_match "check: EDE 17 (ede=filtered)" "$out" '^ede: 17$'
"$CTL" check --json -s "$WORK/one.mdb" www.google.com >"$WORK/c.json"
expect_eq "check --json of a rewritten name exits 0" "$?" 0
expect_eq "check --json: valid JSON" \
	"$("$PYTHON3" -m json.tool "$WORK/c.json" >/dev/null 2>&1 && echo ok)" ok
expect_eq "check --json: rewritten, not blocked, answer, target" \
	"$(jq -r '[.rewritten, .blocked, .answer, .target, .purpose, .ede, .entry, .list, .line] | map(tostring) | join(" ")' "$WORK/c.json")" \
	"true false rewrite forcesafesearch.google.com. content 17 =www.google.com. safesearch.rewrite 2"
out=$("$CTL" check -s "$WORK/one.mdb" --client 127.0.0.2 www.google.com)
expect_eq "check of an exempt client exits 1" "$?" 1
expect_match "exempt: verdict exempt, answer pass" "$out" '^answer: pass$'
expect_match "exempt: the target the others get" "$out" \
	'^target: forcesafesearch\.google\.com\.$'
out=$("$CTL" check -s "$WORK/one.mdb" m.youtube.com)
expect_match "an rpz CNAME . entry of the category: nxdomain" "$out" '^answer: nxdomain$'
expect_nomatch "  with no target" "$out" '^target:'
out=$("$CTL" check -s "$WORK/one.mdb" www.youtube.com)
expect_match "an rpz CNAME target.: rewritten" "$out" \
	'^target: restrict\.youtube\.com\.$'
out=$("$CTL" check -s "$WORK/one.mdb" use-application-dns.net)
expect_eq "the bypass canary: exit 0" "$?" 0
expect_match "the bypass canary: purpose bypass, EDE 16" "$out" \
	'^purpose: bypass$'
"$CTL" check -q -s "$WORK/one.mdb" forcesafesearch.google.com
expect_eq "the target itself is not listed: exit 1" "$?" 1

echo "== info"
out=$("$CTL" info -s "$WORK/one.mdb")
expect_match "info: format 2" "$out" '^format: 2$'
expect_match "info: rewrites" "$out" '^rewrites: 4$'
expect_match "info: contacts in order" "$out" \
	'^contact: mailto:dns-admin@example\.gov$'
expect_match "info: the organisation" "$out" \
	'^organisation: King County Information Technology$'
expect_match "info: the language" "$out" '^language: en$'
expect_match "info: a category's purpose= and ede=" "$out" \
	'^category: dns-bypass action=nxdomain ref="AUP 5" purpose=bypass ede=censored$'
expect_match "info: defaults not written" "$out" \
	'^category: adult-entertainment action=sinkhole ref="AUP 2\.b"$'
"$CTL" info --json -s "$WORK/one.mdb" >"$WORK/i.json"
expect_eq "info --json: operator, format, rewrites, purpose, ede" \
	"$(jq -r '[.format, .rewrites, (.operator.contact | join(",")), .operator.organisation, .operator.language, .categories[2].purpose, .categories[2].ede, .categories[1].action] | map(tostring) | join("|")' "$WORK/i.json")" \
	"2|4|mailto:dns-admin@example.gov,tel:+1-206-555-0100|King County Information Technology|en|bypass|16|rewrite"

echo "== diff"
sed -i 's/restrict\.youtube\.com/restrictmoderate.youtube.com/' "$P/youtube.rpz"
sed -i -e 's/ede=filtered/ede=blocked/' -e '/^contact "tel:/d' \
	-e 's/^language en$/language en-US/' "$P/policy.conf"
"$CTL" build -q -p "$P/policy.conf" -o "$WORK/two.mdb" 2>"$WORK/build.err" ||
	fail "build the changed policy: $(cat "$WORK/build.err")"
out=$("$CTL" diff "$WORK/two.mdb" "$WORK/one.mdb")
expect_eq "diff of changed targets exits 1 (different)" "$?" 1
expect_match "diff: the changed target" "$out" \
	'^target-changed: safesearch =www\.youtube\.com\. restrict\.youtube\.com\. -> restrictmoderate\.youtube\.com\.$'
expect_match "diff: the category's changed EDE" "$out" \
	'^category-changed: safesearch action=rewrite ref="AUP 3\.b searching" purpose=content ede=blocked \(was .* ede=filtered\)$'
expect_match "diff: a contact removed" "$out" '^contact-removed: tel:\+1-206-555-0100$'
expect_match "diff: the language changed" "$out" '^language-changed: "en" -> "en-US"$'
"$CTL" diff --json "$WORK/two.mdb" "$WORK/one.mdb" >"$WORK/d.json"
expect_eq "diff --json: target, category and operator changes" \
	"$(jq -r '[.targets_changed[0].entry, .targets_changed[0].old, .targets_changed[0].new, .category_changes[0].new.ede, .operator_changes[0].field, .operator_changes[1].new] | map(tostring) | join(" ")' "$WORK/d.json")" \
	"=www.youtube.com. restrict.youtube.com. restrictmoderate.youtube.com. 15 contact en-US"

echo "== the module loads it"
start_nsd
start_module "$WORK/one.mdb"
expect_eq "a blocked name of the format-2 snapshot is sinkholed" \
	"$(q 1 blocked.test A)" "0.0.0.0"
expect_eq "the bypass canary answers NXDOMAIN" \
	"$(rcode 1 use-application-dns.net A)" "NXDOMAIN"
expect_eq "a name not listed resolves" "$(q 1 xblocked.test A)" "192.0.2.20"
finish
