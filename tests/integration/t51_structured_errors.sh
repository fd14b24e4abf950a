#!/bin/sh
# Structured DNS errors (draft-ietf-dnsop-structured-dns-error), as a
# client sees them with dig and kdig: a client that sends the SDE option
# (sinkhole.conf sde-option) gets the draft's JSON in the EXTRA-TEXT of the
# EDE of a blocked answer: contacts (tel/mailto only), justification (the
# category's ref), sub-error 5 with EDE 15, organisation, language; valid
# JSON, within the UDP size it advertised, shrunk as the draft says when
# small ("j" and "o" first, then contacts); a client without the option,
# or with another code, gets the plain RFC 8914 text (the category); EDE
# 16 and 17 from a category's ede=; no EDE for names that resolve;
# Unbound's max-udp-size caps the size; sde-option: off.
TEST_NUM=51
. "$top_srcdir/tests/integration/lib.sh"

SDE=65100 # configured; the default (65001) must then mean nothing
long_ref="County acceptable use policy 2.b: adult entertainment and \
commercial-sex advertising may not be viewed or searched on county networks"
long_org="King County Department of Information Technology, Network and \
Security Operations (county resolver service, 24x7 desk)"

start_nsd
write_policy "$WORK/policy" "
category censored-cat action=nxdomain ref=\"court order 2026-17\" ede=censored
category filtered-cat action=sinkhole ref=\"malware feed\" ede=filtered
category intl action=nodata ref=\"Règlement 2.b — « contenu adulte », l'accueil\"
list intl domains intl.txt
list censored-cat domains censored.txt
list filtered-cat domains filtered.txt
contact \"mailto:dns-abuse-and-misclassification-reports@kingcounty.example.gov\"
contact \"tel:+1-206-555-0100\"
contact \"https://help.kingcounty.example.gov/dns\"
contact \"mailto:security-operations-center-after-hours@kingcounty.example.gov\"
organisation \"$long_org\"
language en"
sed -i "s|ref=\"test policy 2.b\"|ref=\"$long_ref\"|" "$WORK/policy/policy.conf"
echo "censored.test" >"$WORK/policy/censored.txt"
echo "filtered.test" >"$WORK/policy/filtered.txt"
echo "intl.test" >"$WORK/policy/intl.txt"
build_snapshot "$WORK/policy" "$WORK/active.mdb"
start_module "$WORK/active.mdb" "sde-option: $SDE"

# ede TOOL NAME TYPE [OPTIONS...]: the EDE lines of a query from 127.0.0.1.
ede() {
	tool=$1 name=$2 type=$3
	shift 3
	if [ "$tool" = dig ]; then
		"$DIG" @127.0.0.1 -p "$UB_PORT" "$name" "$type" +time=5 \
		    +tries=1 +noall +comments +stats "$@"
	else
		"$KDIG" @127.0.0.1 -p "$UB_PORT" "$name" "$type" +time=5 \
		    +retry=0 +edns "$@"
	fi
}

# json TEXT: the EXTRA-TEXT after "EDE: N (Purpose):" as Python's json
# module reads it, re-encoded with sorted keys (dig writes it as
# "(TEXT)", kdig as "'TEXT'"); "invalid: ..." when it is not valid JSON.
json() {
	printf '%s\n' "$1" | "$PYTHON3" -c '
import json, re, sys
for line in sys.stdin:
    m = re.search(r"EDE: \d+ \([^)]*\): (?:\((.*)\)|'"'"'(.*)'"'"')\s*$", line)
    if m:
        text = m.group(1) if m.group(1) is not None else m.group(2)
        try:
            print(json.dumps(json.loads(text), sort_keys=True))
        except ValueError as e:
            print("invalid: %s: %s" % (e, text))
        break
else:
    print("no EDE text")
'
}

# msg_size OUTPUT: dig's "MSG SIZE  rcvd: N".
msg_size() {
	printf '%s\n' "$1" | sed -n 's/.*MSG SIZE *rcvd: *\([0-9]*\).*/\1/p'
}

# fits LIMIT DESCRIPTION OUTPUT: dig's message is at most LIMIT bytes.
fits() {
	size=$(msg_size "$3")
	check "$2 ($size bytes)" [ "${size:-99999}" -le "$1" ]
}

# shrunk DESCRIPTION OUTPUT: valid JSON with the sub-error, without "j",
# "o" and "l" (the draft: they go first).
shrunk() {
	got=$(json "$2")
	expect_match "$1: valid JSON with the sub-error" "$got" '"s": 5'
	expect_nomatch "$1: \"j\" and \"o\" (and \"l\") left out first" \
	    "$got" '"(j|o|l)":'
}

want_full=$("$PYTHON3" -c '
import json, sys
print(json.dumps({"c": ["mailto:dns-abuse-and-misclassification-reports@kingcounty.example.gov",
    "tel:+1-206-555-0100",
    "mailto:security-operations-center-after-hours@kingcounty.example.gov"],
    "j": sys.argv[1], "s": 5, "o": sys.argv[2], "l": "en"}, sort_keys=True))
' "$long_ref" "$long_org")

# --- the option: the whole object, over UDP (1232) and TCP -------------
out=$(ede dig www.blocked.test A +ednsopt=$SDE +bufsize=1232)
expect_match "EDE 15 (Blocked) with the option (dig)" "$out" 'EDE: 15 \(Blocked\): \(\{'
expect_eq "dig: valid JSON, every field from the policy (https contact left out)" \
	"$(json "$out")" "$want_full"
fits 1232 "dig: within +bufsize=1232" "$out"
expect_nomatch "dig: not truncated" "$out" 'flags:[a-z ]* tc'
out=$(ede kdig www.blocked.test A +ednsopt=$SDE: +bufsize=1232)
expect_eq "kdig: the same JSON" "$(json "$out")" "$want_full"
out=$(ede dig www.blocked.test A +ednsopt=$SDE +tcp)
expect_eq "TCP: the whole object" "$(json "$out")" "$want_full"
expect_eq "the answer itself is unchanged" \
	"$("$DIG" @127.0.0.1 -p "$UB_PORT" www.blocked.test A +short +ednsopt=$SDE)" \
	"0.0.0.0"
# The draft: the option has no data; data sent anyway is ignored.
out=$(ede dig www.blocked.test A +ednsopt=$SDE:0102 +bufsize=1232)
expect_eq "option with data: still the JSON" "$(json "$out")" "$want_full"

# --- small UDP sizes: shrunk as the draft says ---------------------------
out=$(ede dig www.blocked.test A +ednsopt=$SDE +bufsize=512)
fits 512 "512: within the size" "$out"
expect_nomatch "512: not truncated" "$out" 'flags:[a-z ]* tc'
shrunk 512 "$out"
expect_match "512: contacts kept while they fit" "$(json "$out")" \
	'"c": \["mailto:dns-abuse-and-misclassification-reports@kingcounty.example.gov"'
expect_match "512: the answer is whole" "$out" 'ANSWER: 1,'
out=$(ede dig www.blocked.test TXT +ednsopt=$SDE +bufsize=512)
fits 512 "512, NODATA with its SOA: within the size" "$out"
shrunk "512, NODATA" "$out"

# --- no option, another code, names that resolve -------------------------
out=$(ede dig www.blocked.test A)
expect_match "no option: the plain RFC 8914 text (dig)" "$out" \
	'EDE: 15 \(Blocked\): \(adult-entertainment\)'
out=$(ede kdig www.blocked.test A)
expect_match "no option: the plain text (kdig)" "$out" "15 \(Blocked\): 'adult-entertainment'"
out=$(ede dig www.blocked.test A +ednsopt=65001)
expect_match "the default code, not configured here: plain text" "$out" \
	'EDE: 15 \(Blocked\): \(adult-entertainment\)'
out=$(ede dig www.ok.test A +ednsopt=$SDE)
expect_nomatch "a name that resolves: no EDE" "$out" 'EDE'
out=$(ede dig monitor.test A +ednsopt=$SDE)
expect_nomatch "a monitored name: no EDE" "$out" 'EDE'
out=$("$DIG" @127.0.0.1 -p "$UB_PORT" -b 127.0.0.2 www.blocked.test A \
	+noall +comments +ednsopt=$SDE)
expect_nomatch "an exempt client: no EDE" "$out" 'EDE'

# --- ede=censored (16), ede=filtered (17): no sub-error ------------------
out=$(ede dig www.censored.test A +ednsopt=$SDE)
expect_match "ede=censored: EDE 16" "$out" 'EDE: 16 \(Censored\)'
expect_match "EDE 16 on the NXDOMAIN" "$out" 'status: NXDOMAIN'
got=$(json "$out")
expect_match "EDE 16: valid JSON citing the category's ref" "$got" \
	'"j": "court order 2026-17"'
expect_nomatch "EDE 16: no sub-error (the draft forbids one)" "$got" '"s":'
out=$(ede dig www.filtered.test AAAA +ednsopt=$SDE)
expect_match "ede=filtered: EDE 17" "$out" 'EDE: 17 \(Filtered\)'
got=$(json "$out")
expect_match "EDE 17: valid JSON" "$got" '"j": "malware feed"'
expect_nomatch "EDE 17: no sub-error (5 is registered for Blocked)" "$got" '"s":'
out=$(ede dig www.filtered.test AAAA)
expect_match "EDE 17 without the option: plain text" "$out" \
	'EDE: 17 \(Filtered\): \(filtered-cat\)'

# --- the bytes on the wire: UTF-8 texts, from a plain socket -------------
# (dig and kdig print EXTRA-TEXT escaped; the client parses the raw bytes.)
raw=$("$PYTHON3" - "$UB_PORT" "$SDE" <<'PY'
import json, socket, struct, sys
port, code = int(sys.argv[1]), int(sys.argv[2])
q = struct.pack(">HHHHHH", 0x5d5e, 0x0100, 1, 0, 0, 1)
for label in ("www", "intl", "test"):
    q += bytes([len(label)]) + label.encode()
q += b"\x00" + struct.pack(">HH", 1, 1)
# OPT: root, type 41, size 1232, no flags; the SDE option, no data.
q += b"\x00" + struct.pack(">HHIHHH", 41, 1232, 0, 4, code, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, ("127.0.0.1", port))
msg = s.recv(65535)
def skip(pos):
    while msg[pos] != 0:
        if msg[pos] & 0xC0 == 0xC0:
            return pos + 2
        pos += msg[pos] + 1
    return pos + 1
qd, an, ns, ar = struct.unpack(">HHHH", msg[4:12])
pos = 12
for _ in range(qd):
    pos = skip(pos) + 4
for _ in range(an + ns + ar):
    pos = skip(pos)
    rtype, _, _, rdlen = struct.unpack(">HHIH", msg[pos:pos + 10])
    pos += 10
    if rtype == 41:
        o = pos
        while o + 4 <= pos + rdlen:
            oc, ol = struct.unpack(">HH", msg[o:o + 4])
            if oc == 15:
                info = struct.unpack(">H", msg[o + 4:o + 6])[0]
                text = msg[o + 6:o + 4 + ol].decode("utf-8")
                obj = json.loads(text)
                print(info, obj["j"] == "R\u00e8glement 2.b \u2014 \u00ab contenu adulte \u00bb, l'accueil",
                      obj.get("l"), len(msg))
            o += 4 + ol
    pos += rdlen
PY
)
expect_eq "raw bytes: EDE 15, UTF-8 JSON whose j is the ref, l from the policy" \
	"$raw" "15 True en $(echo "$raw" | cut -d' ' -f4)"
check "raw bytes: within 1232 ($(echo "$raw" | cut -d' ' -f4) bytes)" \
	[ "$(echo "$raw" | cut -d' ' -f4)" -le 1232 ]

# --- Unbound's max-udp-size caps what the client advertised --------------
stop_unbound
start_module "$WORK/active.mdb" "sde-option: $SDE" "	max-udp-size: 512"
out=$(ede dig www.blocked.test A +ednsopt=$SDE +bufsize=1232)
fits 512 "max-udp-size 512, client 1232: within 512" "$out"
shrunk "max-udp-size 512" "$out"
out=$(ede dig www.blocked.test A +ednsopt=$SDE +tcp)
expect_eq "max-udp-size 512: over TCP the whole object" "$(json "$out")" "$want_full"

# --- sde-option: off -----------------------------------------------------
stop_unbound
start_module "$WORK/active.mdb" "sde-option: off"
out=$(ede dig www.blocked.test A +ednsopt=$SDE)
expect_match "sde-option off: plain text even with the option" "$out" \
	'EDE: 15 \(Blocked\): \(adult-entertainment\)'

check "Unbound is still running" kill -0 "$UNBOUND_PID"
finish
