#!/bin/sh
# make-deb.sh: `make deb`. Builds, into OUT (printed at the end):
#   - Debian's unbound packages rebuilt with the dynlib module loader
#     (packaging/deb-unbound.sh: Debian's source package, packaging, flags,
#     patches, unit, AppArmor profile, version DEBIAN+sinkholeN);
#   - the sinkhole package (debian/), compiled against that very unbound
#     build tree and depending on that exact unbound version;
# then runs lintian on them (no errors allowed; kept warnings have
# overrides in debian/sinkhole.lintian-overrides and packaging/).
#
#   make-deb.sh SRCDIR WORKDIR [OUT]
#
# What is already built is skipped: unbound per version, sinkhole per
# content of the tracked source files. Environment: SK_DEB_JOBS (2),
# SK_UNBOUND_REV (1), UNBOUND_DSC (a local .dsc instead of apt's newest),
# SK_DEB_VERSION (the sinkhole package's version instead of debian/changelog's,
# e.g. for an upgrade test), SK_DEB_LINTIAN=no (skip lintian).
set -eu

src=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
out=${3:-$work/packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)
say() { printf 'make deb: %s\n' "$*" >&2; }
die() { printf 'make deb: error: %s\n' "$*" >&2; exit 1; }
t0=$(date +%s)

# --- tools and build dependencies ------------------------------------------
need="dpkg-dev debhelper fakeroot lintian devscripts"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# unbound's build dependencies (its .dsc) and sinkhole's (debian/control).
if ! dpkg-checkbuilddeps "$src/debian/control" 2>/dev/null; then
	missing="$missing $(dpkg-checkbuilddeps "$src/debian/control" 2>&1 |
		sed -n 's/.*Unmet build dependencies: //p' | sed 's/([^)]*)//g')"
fi
ubdeps_ok=installed
apt-get -s -qq build-dep unbound 2>/dev/null | grep -q '^Inst' && ubdeps_ok=missing
if [ -n "$(echo $missing)" ] || [ $ubdeps_ok = missing ]; then
	[ "$(id -u)" = 0 ] || die "missing build packages:$missing (and unbound's build
  dependencies: $ubdeps_ok); as root: apt-get install$missing && apt-get build-dep unbound"
	if [ -n "$(echo $missing)" ]; then
		say "installing build packages:$missing"
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$missing >/dev/null || die "apt-get install failed for:$missing"
	fi
	if [ $ubdeps_ok = missing ]; then
		say "installing unbound's build dependencies (apt-get build-dep unbound)"
		DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq unbound >/dev/null ||
			die "apt-get build-dep unbound failed"
	fi
fi

# --- unbound -----------------------------------------------------------------
ubtree=$(sh "$src/packaging/deb-unbound.sh" "$work" "$out")
ubver=$(cd "$ubtree/../.." && dpkg-parsechangelog -S Version)

# --- sinkhole ----------------------------------------------------------------
# The tracked files as they are in the working tree (uncommitted edits
# included, untracked files not), copied to a fresh tree: the package build
# never touches the developer's configured tree.
files=$work/sinkhole-files
if [ -d "$src/.git" ] || [ -f "$src/.git" ]; then
	git -C "$src" ls-files -z >"$files"
else
	(cd "$src" && find . -path ./build -prune -o -path ./_deps -prune -o \
		-type f -print0) >"$files"
fi
key=$( (cd "$src" && xargs -0 sha256sum <"$files"; echo "$ubver ${SK_DEB_VERSION:-}") |
	sha256sum | cut -c1-16)
shtree=$work/sinkhole-$key
stamp=$shtree.built
if [ -f "$stamp" ]; then
	say "sinkhole already built from these sources ($shtree)"
else
	rm -rf "$work"/sinkhole-????????????????  "$work"/sinkhole-*.built "$work"/sinkhole_*
	mkdir -p "$shtree"
	(cd "$src" && xargs -0 tar -cf - --no-recursion <"$files") | tar -xf - -C "$shtree"
	if [ -n "${SK_DEB_VERSION:-}" ]; then
		(cd "$shtree" && {
			printf 'sinkhole (%s) %s; urgency=medium\n\n  * Built as %s by make deb (SK_DEB_VERSION).\n\n -- %s  %s\n\n' \
				"$SK_DEB_VERSION" "$(dpkg-parsechangelog -S Distribution)" "$SK_DEB_VERSION" \
				"$(dpkg-parsechangelog -S Maintainer)" "$(dpkg-parsechangelog -S Date)"
			cat debian/changelog
		} >debian/changelog.new && mv debian/changelog.new debian/changelog)
	fi
	say "building sinkhole against $ubtree (unbound $ubver)"
	t1=$(date +%s)
	(cd "$shtree" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" \
		LC_ALL=C.UTF-8 DEB_BUILD_OPTIONS="nocheck parallel=${SK_DEB_JOBS:-2}" \
		SK_UNBOUND_BUILD="$ubtree" SK_UNBOUND_VERSION="$ubver" \
		dpkg-buildpackage -b -uc -us >"$work/sinkhole-build.log" 2>&1) ||
		{ tail -n 40 "$work/sinkhole-build.log" >&2; die "sinkhole build failed (log: $work/sinkhole-build.log)"; }
	say "sinkhole built in $(( $(date +%s) - t1 )) s"
	touch "$stamp"
fi
rm -f "$out"/sinkhole_*.deb "$out"/extra/sinkhole-dbgsym_*
for deb in "$work"/sinkhole_*.deb "$work"/sinkhole-dbgsym_*.deb; do
	[ -f "$deb" ] || continue
	case $deb in *-dbgsym_*) cp -p "$deb" "$out/extra/" ;; *) cp -p "$deb" "$out/" ;; esac
done

# --- lintian -------------------------------------------------------------------
# Run again only when a package changed. Tags of Debian's own unbound
# packaging are suppressed for the unbound packages only, each with its
# reason in packaging/unbound.lintian-overrides.
if [ "${SK_DEB_LINTIAN:-yes}" != no ]; then
	sums=$( (cd "$out" && sha256sum ./*.deb ./extra/*.deb) | sha256sum)
	if [ -f "$work/lintian.ok" ] && [ "$(cat "$work/lintian.ok")" = "$sums" ]; then
		say "lintian: these packages passed already"
	else
		say "lintian"
		rm -f "$work/lintian.ok"
		{
			lintian --fail-on error \
				--suppress-tags-from-file "$src/packaging/unbound.lintian-overrides" \
				$(ls "$out"/*.deb "$out"/extra/*.deb | grep -v '/sinkhole[-_]') &&
				lintian --fail-on error "$out"/sinkhole_*.deb "$out"/extra/sinkhole-*.deb
		} 2>&1 | grep -v '^running with root privileges' >"$work/lintian.txt" ||
			true
		if grep -q '^E: ' "$work/lintian.txt"; then
			cat "$work/lintian.txt" >&2
			die "lintian found errors (above; $work/lintian.txt)"
		fi
		[ ! -s "$work/lintian.txt" ] || sed 's/^/  /' "$work/lintian.txt" >&2
		echo "$sums" >"$work/lintian.ok"
	fi
fi

say "done in $(( $(date +%s) - t0 )) s; the packages are in $out:"
(cd "$out" && ls -1 *.deb) | sed 's/^/  /' >&2
echo "$out"
