#!/bin/sh
# deb-unbound.sh: Debian's own unbound source package, rebuilt with the dynlib
# module loader (the only change), into OUT.
#
#   deb-unbound.sh WORKDIR OUT
#
# The source is the newest unbound source package apt knows (a security update
# is picked up by running `make deb` again), or the .dsc named by $UNBOUND_DSC.
# The version is Debian's plus "+sinkholeN" ($SK_UNBOUND_REV, default 1): it
# sorts just above Debian's build of the same source and below Debian's next
# update, so apt keeps the rebuilt unbound back when Debian publishes a fix
# (sinkhole depends on this exact version) and the operator rebuilds.
# Already built versions are skipped. Prints the unbound build tree (the
# configured tree with config.h that sinkhole is compiled against) on stdout.
set -eu

work=$1
out=$2
rev=${SK_UNBOUND_REV:-1}
say() { printf 'make deb: %s\n' "$*" >&2; }
die() { printf 'make deb: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$work/src" "$out"
work=$(cd "$work" && pwd)
out=$(cd "$out" && pwd)

# --- which source -------------------------------------------------------------
if [ -n "${UNBOUND_DSC:-}" ]; then
	dsc=$UNBOUND_DSC
	[ -f "$dsc" ] || die "UNBOUND_DSC=$dsc: no such file"
else
	uri=$(apt-get source --print-uris -qq unbound 2>/dev/null | awk '/\.dsc/ {print $2}' | head -n 1)
	[ -n "$uri" ] || die "apt knows no unbound source package: add deb-src entries for the
  machine's Debian suites (./bootstrap does) and run apt-get update, or set UNBOUND_DSC"
	dsc=$work/src/$uri
	if [ ! -f "$dsc" ]; then
		say "fetching Debian's unbound source ($uri)"
		(cd "$work/src" && apt-get source --download-only -qq unbound >/dev/null 2>&1) ||
			die "apt-get source unbound failed"
	fi
fi
debver=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
[ -n "$debver" ] || die "$dsc names no version"
version=$debver+sinkhole$rev
upver=${debver%-*}
upver=${upver#*:}
tree=$work/unbound-$version
stamp=$work/unbound-$version.built

# --- build (skipped when this version is built) --------------------------------
if [ -f "$stamp" ] && [ -f "$tree/b/unbound/config.h" ]; then
	say "unbound $version already built ($tree)"
else
	rm -rf "$tree" "$stamp"
	say "unpacking $(basename "$dsc")"
	dpkg-source --no-check -x "$dsc" "$tree" >/dev/null ||
		die "dpkg-source could not unpack $dsc"
	# The one change: the daemon's build gets the dynlib module loader (which
	# also links unbound with -export-dynamic, so a module can call it).
	sed -i 's/^\(\t*\)--with-pythonmodule \\$/\1--with-pythonmodule \\\n\1--with-dynlibmodule \\/' \
		"$tree/debian/rules"
	grep -q -- '--with-dynlibmodule' "$tree/debian/rules" ||
		die "Debian's debian/rules changed: cannot add --with-dynlibmodule (look at $tree/debian/rules)"
	# One second after Debian's entry: newer, as a changelog needs, and the
	# same for every rebuild of this source (reproducible packages).
	date=$(cd "$tree" && dpkg-parsechangelog -S Timestamp)
	date=$(LC_ALL=C date -u -R -d "@$((date + 1))")
	dist=$(cd "$tree" && dpkg-parsechangelog -S Distribution)
	{
		printf 'unbound (%s) %s; urgency=medium\n\n' "$version" "$dist"
		printf '  * Rebuilt for the sinkhole DNS policy module: configure the daemon\n'
		printf '    --with-dynlibmodule so it can load sinkhole.so. No other change to\n'
		printf '    Debian %s (same patches, flags, unit, AppArmor profile).\n\n' "$debver"
		printf ' -- sinkhole package build <dev@sinkhole.invalid>  %s\n\n' "$date"
		cat "$tree/debian/changelog"
	} >"$tree/debian/changelog.new"
	mv "$tree/debian/changelog.new" "$tree/debian/changelog"
	say "building unbound $version (Debian's packaging; several minutes)"
	t0=$(date +%s)
	# A clean environment: the system's compiler and Python, never a user's
	# (pyenv, /usr/local) that would end up linked into the package.
	(cd "$tree" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" \
		LC_ALL=C.UTF-8 DEB_BUILD_OPTIONS="nocheck parallel=${SK_DEB_JOBS:-2}" \
		dpkg-buildpackage -b -uc -us -j"${SK_DEB_JOBS:-2}" >"$work/unbound-build.log" 2>&1) ||
		{ tail -n 40 "$work/unbound-build.log" >&2; die "unbound build failed (log: $work/unbound-build.log)"; }
	grep -q '^#define WITH_DYNLIBMODULE 1' "$tree/b/unbound/config.h" ||
		die "the rebuilt unbound has no dynlib module loader"
	say "unbound $version built in $(( $(date +%s) - t0 )) s"
	touch "$stamp"
fi

# --- the packages a resolver needs go to OUT, the rest to OUT/extra ----------
mkdir -p "$out/extra"
for deb in "$work"/*_"$(echo "$version" | sed 's/^[0-9]*://')"_*.deb; do
	[ -f "$deb" ] || die "no .deb of unbound $version in $work"
	case $(basename "$deb") in
	libunbound-dev_* | python3-unbound_* | *-dbgsym_*) cp -p "$deb" "$out/extra/" ;;
	*) cp -p "$deb" "$out/" ;;
	esac
done
printf '%s\n' "$tree/b/unbound"
