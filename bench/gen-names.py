#!/usr/bin/env python3
"""Generate the benchmark policies and query sets (deterministic).

usage: gen-names.py --blocklists DIR --out DIR [--names N[,N...]] [--seed S]
                    [--real-count R]

Writes into OUT:
  real.conf-part       the list statements for the real lists (absolute paths)
  generated.txt        generated names, one a line (domains, subtree); the
                       policy for N names uses its first N - R lines, so the
                       1M policy is a subset of the 5M one
  policy-N.conf        one policy per N (real lists + head of generated.txt)
  names-N.txt          for the smallest N: every blocked name, normalised,
                       "name s" (subtree) or "name e" (exact), the input of
                       the RPZ zone and the local-zone lists
  q-*.txt              dnsperf query files (see resolver.sh)

R is the number of distinct names sinkhole-ctl compiles from the real lists
alone (resolver.sh and build-scale.sh measure it first); the names the
generator writes never collide with real or earlier generated names, so a
policy for N names compiles to N names (give or take names that the
normalisation here and sinkhole's disagree on: reported by the callers).

Generated names imitate real blocklists: a long-tailed spread over some 250
TLDs and second-level suffixes, labels built from words, syllables, digits,
hyphens and random strings, and a share of host names below the registered
name (www., m., cdn3., ...). Query names are built the same way, checked to
be outside every blocked subtree.
"""

import argparse
import os
import random
import sys

# Real lists in formats every sinkhole build reads (domains, hosts); paths
# relative to a BLOCKLISTS folder holding checkouts of the upstream lists
# that blocklists/SOURCES.md names (hagezi-dns-blocklists/, ...).
REAL_LISTS = [
    ("commercial-sex-advertising", "domains",
     "derived/commercial-sex-keyword-subset.txt"),
    ("adult-entertainment", "domains",
     "hagezi-dns-blocklists/newer-2026-08/nsfw-onlydomains.txt"),
    ("adult-entertainment", "domains",
     "hagezi-dns-blocklists/wildcard/nsfw-onlydomains.txt"),
    ("adult-entertainment", "domains", "ShadowWhisperer-BlockLists/Lists/Adult"),
    ("adult-entertainment", "domains", "Bon-Appetit-porn-domains/block.txt"),
    ("adult-entertainment", "domains", "UT1-blacklists/mixed_adult/domains"),
    ("adult-entertainment", "hosts", "Sinfonietta-hostfiles/pornography-hosts"),
    ("adult-entertainment", "hosts", "Clefspeare13-pornhosts/127.0.0.1/hosts"),
    ("adult-entertainment", "hosts", "columndeeply-hosts/hosts04"),
    ("dating", "domains", "ShadowWhisperer-BlockLists/Lists/Dating"),
    ("dating", "domains", "UT1-blacklists/dating/domains"),
]
# A fresh clone without the shared data: the shipped lists.
SHIPPED_LISTS = [
    ("commercial-sex-advertising", "domains",
     "lists/commercial-sex-advertising.txt"),
    ("adult-entertainment", "domains", "lists/shadowwhisperer-adult.txt"),
    ("adult-entertainment", "hosts", "lists/sinfonietta-pornography.hosts"),
]
CATEGORIES = ["commercial-sex-advertising", "adult-entertainment", "dating"]

# TLD weights, roughly as in adult/ads blocklists (com dominates, then a
# long tail of gTLDs and ccTLDs, some with second-level suffixes).
TLD_WEIGHTS = [
    ("com", 420), ("net", 60), ("org", 30), ("xyz", 25), ("ru", 25),
    ("info", 18), ("top", 18), ("de", 15), ("co.uk", 12), ("online", 10),
    ("site", 10), ("club", 9), ("live", 8), ("pro", 8), ("tv", 8),
    ("me", 8), ("cc", 7), ("io", 7), ("fr", 7), ("nl", 7), ("pl", 7),
    ("it", 6), ("es", 6), ("jp", 6), ("cn", 6), ("com.br", 6), ("in", 5),
    ("biz", 5), ("us", 5), ("eu", 5), ("xxx", 5), ("porn", 3), ("sex", 3),
    ("adult", 3), ("cam", 4), ("vip", 4), ("fun", 4), ("icu", 4),
    ("shop", 4), ("store", 3), ("app", 3), ("dev", 2), ("ca", 4),
    ("com.au", 4), ("co.jp", 2), ("co.kr", 2), ("kr", 3), ("tw", 2),
    ("com.tw", 2), ("hk", 2), ("com.cn", 2), ("ch", 3), ("at", 3),
    ("be", 3), ("se", 3), ("no", 2), ("dk", 2), ("fi", 2), ("cz", 3),
    ("sk", 2), ("hu", 2), ("ro", 2), ("bg", 2), ("gr", 2), ("pt", 2),
    ("ie", 1), ("ua", 3), ("by", 1), ("kz", 1), ("su", 2), ("tr", 2),
    ("com.tr", 2), ("ir", 1), ("il", 1), ("ae", 1), ("sa", 1), ("eg", 1),
    ("za", 1), ("co.za", 2), ("ng", 1), ("ke", 1), ("ma", 1), ("mx", 2),
    ("com.mx", 2), ("ar", 1), ("com.ar", 2), ("cl", 1), ("co", 4),
    ("pe", 1), ("ve", 1), ("vn", 2), ("th", 1), ("co.th", 1), ("id", 2),
    ("co.id", 1), ("my", 1), ("com.my", 1), ("ph", 1), ("com.ph", 1),
    ("sg", 1), ("nz", 1), ("co.nz", 1), ("ws", 2), ("to", 2), ("la", 2),
    ("ly", 1), ("gg", 1), ("ai", 1), ("fm", 1), ("am", 1), ("nu", 1),
    ("tk", 3), ("ml", 2), ("ga", 2), ("cf", 2), ("gq", 2), ("pw", 2),
    ("link", 2), ("click", 2), ("win", 2), ("bid", 1), ("loan", 1),
    ("date", 2), ("dating", 1), ("love", 1), ("sexy", 1), ("girls", 1),
    ("webcam", 1), ("chat", 1), ("video", 1), ("movie", 1), ("photos", 1),
    ("pics", 1), ("space", 2), ("website", 2), ("tech", 2), ("media", 1),
    ("network", 1), ("world", 1), ("today", 1), ("life", 1), ("best", 1),
    ("buzz", 1), ("rest", 1), ("bar", 1), ("lol", 1), ("mobi", 1),
    ("asia", 1), ("tokyo", 1), ("moscow", 1), ("berlin", 1), ("london", 1),
    ("nyc", 1), ("paris", 1), ("amsterdam", 1), ("party", 1), ("stream", 1),
    ("download", 1), ("racing", 1), ("review", 1), ("trade", 1),
    ("science", 1), ("work", 1), ("men", 1), ("host", 1), ("press", 1),
    ("ltd", 1), ("company", 1), ("agency", 1), ("studio", 1), ("world", 1),
    ("lt", 1), ("lv", 1), ("ee", 1), ("si", 1), ("hr", 1), ("rs", 1),
    ("ba", 1), ("md", 1), ("ge", 1), ("az", 1), ("uz", 1), ("mn", 1),
    ("np", 1), ("lk", 1), ("pk", 1), ("bd", 1), ("com.ua", 1),
    ("org.uk", 1), ("net.au", 1), ("or.jp", 1), ("ne.jp", 1),
    ("com.vn", 1), ("com.sg", 1), ("com.hk", 1), ("co.in", 1),
    ("net.in", 1), ("com.pl", 1), ("com.ru", 1), ("msk.ru", 1),
    ("spb.ru", 1), ("in.ua", 1), ("kiev.ua", 1), ("blogspot.com", 3),
    ("tumblr.com", 1), ("wordpress.com", 1), ("github.io", 1),
    ("herokuapp.com", 1), ("netlify.app", 1), ("web.app", 1),
    ("pages.dev", 1), ("vercel.app", 1), ("ngrok.io", 1), ("duckdns.org", 1),
    ("no-ip.org", 1), ("dyndns.org", 1), ("azurewebsites.net", 1),
    ("cloudfront.net", 1), ("s3.amazonaws.com", 1), ("appspot.com", 1),
]

WORDS = (
    "hot sexy babe babes girl girls teen milf mature amateur live cam cams "
    "chat date dating love lover hook hookup fling flirt adult xxx porn "
    "tube video videos movie movies clip clips pic pics photo photos gallery "
    "free best top new real wild naughty nude naked bare kink fetish tease "
    "dream fantasy night club star stars city local meet single singles "
    "match mate mates hub zone land world planet spot place house home "
    "box room show shows stream tv net web link links site page blog news "
    "daily world media land escort escorts model models vip elite luxury "
    "angel angels doll dolls kitty pussycat honey sugar candy cherry peach "
    "velvet silk satin lace red pink black blue gold silver diamond pearl "
    "asian latina ebony euro russian german french italian spanish brazil "
    "japan korea thai india arab czech polish dutch swiss nordic tokyo paris "
    "london berlin vegas miami moscow prague bangkok manila sydney "
    "massage spa relax body touch kiss hug heart passion desire secret "
    "private privat intim erotic erotik sensual lust seduce seduction play "
    "player toy toys shop store market deal deals offer cash pay bet win "
    "lucky casino game games fun joy happy smile sweet cute pretty beauty "
    "lady ladies woman women wife wives mom moms boy boys guy guys man men "
    "gay lesbian trans bi queer mix tribe fans fan only onlyfans premium "
    "plus pro max mega ultra super hyper prime alpha omega nova neo"
).split()

SYLLABLES = (
    "ka ko ki ku ke ma mo mi mu me na no ni nu ne ra ro ri ru re sa so si "
    "su se ta to ti tu te la lo li lu le ba bo bi bu be da do di du de ga "
    "go gi gu ge pa po pi pu pe va vo vi vu ve za zo zi zu ze xa xo xi "
    "an on in un en ar or ir ur er al ol il ul el ax ox ix ex ys"
).split()

SUBHOSTS = (
    "www m mobile cdn img static api media video stream live app go my "
    "en de fr es ru jp mail shop members secure ads track click pics"
).split()

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def tld_picker(rng):
    names = [t for t, _ in TLD_WEIGHTS]
    cum = []
    total = 0
    for _, w in TLD_WEIGHTS:
        total += w
        cum.append(total)

    def pick():
        import bisect
        return names[bisect.bisect_right(cum, rng.random() * total)]
    return pick


def make_label(rng):
    """One registrable label in one of several shapes."""
    r = rng.random()
    if r < 0.30:  # two or three words: hotbabescam
        n = 2 if rng.random() < 0.7 else 3
        s = "".join(rng.choice(WORDS) for _ in range(n))
    elif r < 0.45:  # words with hyphens: hot-babe-chat
        n = 2 if rng.random() < 0.6 else 3
        s = "-".join(rng.choice(WORDS) for _ in range(n))
    elif r < 0.60:  # word(s) and digits: babes247, 69sexcam
        w = rng.choice(WORDS) + (rng.choice(WORDS) if rng.random() < .5 else "")
        d = str(rng.randrange(1, 10 ** rng.randint(1, 4)))
        s = w + d if rng.random() < 0.7 else d + w
    elif r < 0.80:  # pronounceable: kovarilu
        s = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 5)))
    elif r < 0.92:  # random string (DGA, tracking): x7f3k2q9
        s = "".join(rng.choice(ALNUM) for _ in range(rng.randint(6, 16)))
        if s[0].isdigit() and s.isdigit():
            s = "x" + s
    else:  # word + syllables
        s = rng.choice(WORDS) + "".join(
            rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
    return s[:63]


def make_name(rng, pick_tld):
    """A host name: registrable label + suffix, sometimes a host below it."""
    name = make_label(rng) + "." + pick_tld()
    r = rng.random()
    if r < 0.12:
        name = rng.choice(SUBHOSTS) + "." + name
    elif r < 0.18:
        name = rng.choice(SUBHOSTS) + str(rng.randint(1, 20)) + "." + name
    elif r < 0.21:
        name = make_label(rng) + "." + name
    elif r < 0.22:
        name = make_label(rng) + "." + rng.choice(SUBHOSTS) + "." + name
    return name


def valid(name):
    if not name or len(name) > 253 or "." not in name:
        return False
    last = name.rsplit(".", 1)[1]
    if last.isdigit():
        return False
    for lab in name.split("."):
        if not lab or len(lab) > 63:
            return False
        for ch in lab:
            if not (ch.isascii() and (ch.isalnum() or ch in "-_")):
                return False
    return True


def read_real(base, lists):
    """Every blocked name of the real lists: {name: 's' or 'e'}."""
    names = {}
    for _, fmt, rel in lists:
        path = os.path.join(base, rel)
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.split("#", 1)[0].strip().lower()
                if not line:
                    continue
                if fmt == "hosts":
                    fields = line.split()
                    if len(fields) < 2 or fields[0] not in (
                            "0.0.0.0", "127.0.0.1", "::", "::1"):
                        continue
                    for n in fields[1:]:
                        n = n.rstrip(".")
                        if valid(n) and n not in names:
                            names[n] = "e"
                else:
                    n = line.rstrip(".")
                    kind = "s"
                    if n.startswith("="):
                        n, kind = n[1:], "e"
                    if valid(n):
                        if names.get(n) != "s":
                            names[n] = kind
    return names


def covered(name, blocked):
    """Is the name or one of its parents a blocked subtree (or exact)?"""
    if name in blocked:
        return True
    parts = name.split(".")
    for i in range(1, len(parts) - 1):
        if blocked.get(".".join(parts[i:])) == "s":
            return True
    return False


def write_queries(out, rng, pick_tld, blocked, sample_from, args):
    """Query files for dnsperf: not blocked names (cached, uncached, one
    file per phase so no uncached name is asked twice in one resolver
    lifetime), blocked names (listed names and names below subtree
    entries) and the mix."""
    seen = set()

    def fresh(n):
        res = []
        while len(res) < n:
            name = make_name(rng, pick_tld)
            if name in seen or covered(name, blocked):
                continue
            seen.add(name)
            res.append(name)
        return res

    cached = fresh(args.cached)
    blk = []
    for n in rng.sample(sample_from, args.blocked):
        if blocked[n] == "s" and rng.random() < 0.3:
            n = rng.choice(SUBHOSTS) + "." + n
        blk.append(n)

    def dump(fname, names):
        with open(os.path.join(out, fname), "w") as f:
            for n in names:
                f.write(n + " A\n")

    dump("q-cached.txt", cached)
    dump("q-blocked.txt", blk)
    for phase in ("tp", "lat"):
        count = args.uncached if phase == "tp" else args.uncached // 4
        dump("q-uncached-%s.txt" % phase, fresh(count))
        # The mix: 90 % cached, 9 % uncached (fresh), 1 % blocked.
        total = args.mix if phase == "tp" else args.mix // 4
        unc = fresh(total * 9 // 100)
        mix = []
        for i in range(total):
            r = i % 100
            if r < 9:
                mix.append(unc[(i // 100) * 9 + r])
            elif r == 9:
                mix.append(blk[(i // 100) % len(blk)])
            else:
                mix.append(cached[rng.randrange(len(cached))])
        dump("q-mix-%s.txt" % phase, mix)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocklists", required=True)
    ap.add_argument("--shipped", action="store_true",
                    help="the folder is the repo's blocklists/ (no shared data)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--names", default="1000000,5000000")
    ap.add_argument("--real-count", type=int, default=0,
                    help="names sinkhole-ctl compiles from the real lists")
    ap.add_argument("--seed", type=int, default=20260822)
    ap.add_argument("--cached", type=int, default=10000)
    ap.add_argument("--blocked", type=int, default=50000)
    ap.add_argument("--uncached", type=int, default=200000)
    ap.add_argument("--mix", type=int, default=1000000)
    ap.add_argument("--no-queries", action="store_true")
    args = ap.parse_args()

    sizes = sorted(int(x) for x in args.names.split(","))
    if sizes == [0]:
        # Only the real lists: the caller counts what sinkhole compiles.
        args.no_queries = True
    lists = SHIPPED_LISTS if args.shipped else REAL_LISTS
    base = os.path.abspath(args.blocklists)
    out = args.out
    os.makedirs(out, exist_ok=True)

    real = read_real(base, lists)
    rcount = args.real_count or len(real)
    print("real lists: %d names (normalised here), %d (sinkhole-ctl)"
          % (len(real), rcount), file=sys.stderr)

    rng = random.Random(args.seed)
    pick_tld = tld_picker(rng)
    blocked = dict(real)
    want = max(0, sizes[-1] - rcount)
    gen = []
    while len(gen) < want:
        n = make_name(rng, pick_tld)
        # New, and neither inside nor above an existing entry's exact
        # name (keeps the count exact; subtree overlaps are realistic
        # but would make N ambiguous).
        if n in blocked or covered(n, blocked):
            continue
        blocked[n] = "s"
        gen.append(n)
    with open(os.path.join(out, "generated.txt"), "w") as f:
        f.write("# generated by bench/gen-names.py, seed %d\n" % args.seed)
        for n in gen:
            f.write(n + "\n")

    for size in sizes:
        k = max(0, size - rcount)
        if k < len(gen):
            fname = "generated-%d.txt" % size
            with open(os.path.join(out, fname), "w") as f:
                for n in gen[:k]:
                    f.write(n + "\n")
        else:
            fname = "generated.txt"
        with open(os.path.join(out, "policy-%d.conf" % size), "w") as f:
            f.write("# benchmark policy: %d names (bench/gen-names.py)\n"
                    % size)
            for c in CATEGORIES:
                f.write("category %s action=sinkhole\n" % c)
            for cat, fmt, rel in lists:
                f.write('list %s %s "%s"\n'
                        % (cat, fmt, os.path.join(base, rel)))
            f.write('list adult-entertainment domains "%s"\n' % fname)

    # The smallest policy, normalised, for RPZ and local-zone.
    small = sizes[0]
    k = max(0, small - rcount)
    small_set = dict(real)
    for n in gen[:k]:
        small_set[n] = "s"
    with open(os.path.join(out, "names-%d.txt" % small), "w") as f:
        for n, kind in small_set.items():
            f.write("%s %s\n" % (n, kind))

    if not args.no_queries:
        # Blocked queries come from the smallest policy, so every
        # configuration blocks them; not-blocked ones avoid the largest.
        qrng = random.Random(args.seed + 1)
        write_queries(out, qrng, tld_picker(qrng), blocked,
                      sorted(small_set), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
