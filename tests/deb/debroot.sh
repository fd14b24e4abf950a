# Helpers for make check-deb (POSIX sh, sourced by tests/deb/check-deb.sh):
# a minimal Debian 12 root made with mmdebstrap from the machine's own apt
# sources (cached as a tarball), commands inside it (chroot), Unbound
# started there the way its systemd unit would start it, and queries from
# the host over loopback (the root shares the host's network).
#
# Needs: root, mmdebstrap, nsd, dig. Variables the caller sets: WORK,
# CACHE, DEB_DIR (may be empty: the root then gets Debian's unbound
# dependencies), UB_PORT; say() from tests/integration/lib.sh.

ROOT="$WORK/root"

# The machine's Debian archives (deb, main, bookworm suites) as one deb822
# file: no third-party source reaches the root.
debian_sources() {
	for s in /etc/apt/sources.list.d/*.sources; do
		[ -f "$s" ] || continue
		awk 'BEGIN{RS="";ORS="\n\n"}
			/(^|\n)Types:[ \t]*deb[ \t]*(\n|$)/ && /Suites:[^\n]*bookworm/ &&
			/Components:[^\n]*main/' "$s"
	done
	if [ -f /etc/apt/sources.list ]; then
		awk '$1 == "deb" && $3 ~ /^bookworm(-updates|-security)?$/ {
			printf "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n\n", $2, $3 }' \
			/etc/apt/sources.list
	fi
}

# The packages the root holds before the test installs ours: what our
# packages depend on (first alternative, no versions), less themselves.
root_includes() {
	own=""
	deps=""
	if [ -n "$DEB_DIR" ]; then
		for d in "$DEB_DIR"/unbound_*.deb "$DEB_DIR"/sinkhole_*.deb; do
			[ -f "$d" ] || continue
			own="$own $(dpkg-deb -f "$d" Package)"
			deps="$deps,$(dpkg-deb -f "$d" Pre-Depends),$(dpkg-deb -f "$d" Depends)"
		done
	fi
	[ -n "$own" ] || deps="adduser, lsb-base, libc6, libevent-2.1-7,
		libnghttp2-14, libprotobuf-c1, libpython3.11, libssl3, libsystemd0,
		init-system-helpers, liblmdb0, libidn2-0"
	# Recommended by unbound: the root trust anchor its unit installs.
	deps="$deps, dns-root-data"
	echo "$deps" | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/[[:space:]]//g; s/:any$//' |
		grep -v '^$' | sort -u | while read -r p; do
		case " $own " in *" $p "*) ;; *) echo "$p" ;; esac
	done | tr '\n' ',' | sed 's/,$//'
}

# make_root: $ROOT from the cached tarball, made first when missing (its
# name carries a hash of the sources and the package list).
make_root() {
	mkdir -p "$CACHE"
	debian_sources >"$WORK/debian.sources"
	[ -s "$WORK/debian.sources" ] ||
		{ say "no Debian bookworm source in /etc/apt/sources.list*"; return 1; }
	includes=$(root_includes)
	key=$({ cat "$WORK/debian.sources"; echo "$includes"; echo apt-variant-1; } |
		sha256sum | cut -c1-16)
	TARBALL="$CACHE/bookworm-$key.tar"
	if [ -f "$TARBALL" ]; then
		say "root: cached $TARBALL"
	else
		say "root: mmdebstrap bookworm (variant apt) with: $includes"
		t=$(date +%s)
		mmdebstrap --quiet --mode=root --variant=apt --format=tar \
			--include="$includes" bookworm "$TARBALL.tmp" \
			"$WORK/debian.sources" >"$WORK/mmdebstrap.log" 2>&1 ||
			{ tail -n 30 "$WORK/mmdebstrap.log"; rm -f "$TARBALL.tmp"; return 1; }
		mv "$TARBALL.tmp" "$TARBALL"
		say "root: made in $(($(date +%s) - t)) s ($(du -h "$TARBALL" | cut -f1))"
		# Only the newest tarball is kept.
		for old in "$CACHE"/bookworm-*.tar; do
			[ "$old" = "$TARBALL" ] || rm -f "$old"
		done
	fi
	rm -rf "$ROOT"
	mkdir -p "$ROOT"
	tar -xpf "$TARBALL" -C "$ROOT" --numeric-owner
	# As mmdebstrap and Debian's build daemons do: maintainer scripts
	# never start services in the root (unbound is started by the test).
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod 755 "$ROOT/usr/sbin/policy-rc.d"
	# This process runs in its own mount namespace: the mounts go with it.
	mount -t proc proc "$ROOT/proc"
	# Device nodes of its own (never a bind of the host's /dev: the root
	# is removed with rm -rf).
	for d in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
		n=${d%%:*} mm=${d#*:}
		[ -c "$ROOT/dev/$n" ] || mknod -m 666 "$ROOT/dev/$n" c "${mm%:*}" "${mm#*:}"
	done
	mkdir -p "$ROOT/run/lock"
}

# in_root COMMAND...: run in the root, with a clean environment.
ROOT_ENV="PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive HOME=/root"
in_root() {
	# shellcheck disable=SC2086
	chroot "$ROOT" /usr/bin/env -i $ROOT_ENV "$@"
}

# unit_script: the commands systemd would run to start unbound.service (the
# unit and its drop-ins, in systemd's order), as one shell script: the
# EnvironmentFile read, each ExecStartPre (a leading "-": failure ignored),
# then ExecStart in the foreground. Run as the unit's User= (none: root;
# Unbound switches to its own user itself).
unit_script() {
	files=""
	for f in "$ROOT/lib/systemd/system/unbound.service" \
		"$ROOT"/lib/systemd/system/unbound.service.d/*.conf \
		"$ROOT"/etc/systemd/system/unbound.service.d/*.conf; do
		[ -f "$f" ] && files="$files $f"
	done
	# shellcheck disable=SC2086
	awk '
		/^\[/ { service = ($0 == "[Service]"); next }
		!service { next }
		/^EnvironmentFile=/ {
			f = substr($0, 17); opt = (substr(f, 1, 1) == "-")
			if (opt) f = substr(f, 2)
			printf "if [ -r %s ]; then set -a; . %s; set +a; fi\n", f, f
			if (!opt) printf "[ -r %s ] || exit 1\n", f
		}
		/^User=/ { user = substr($0, 6) }
		/^ExecStartPre=/ {
			c = substr($0, 14); opt = 0
			if (c == "") { npre = 0; next } # an empty assignment resets
			while (c ~ /^[-+!@:]/) { if (substr(c, 1, 1) == "-") opt = 1; c = substr(c, 2) }
			pre[++npre] = sprintf("echo \"ExecStartPre: %s\" >&2\n%s%s", c, c,
				opt ? " || true" : " || exit 1")
		}
		/^ExecStart=/ {
			c = substr($0, 11); while (c ~ /^[-+!@:]/) c = substr(c, 2)
			start = c
		}
		END {
			if (user != "" && user != "root") print "# User=" user
			for (i = 1; i <= npre; i++) print pre[i]
			printf "echo \"ExecStart: %s\" >&2\nexec %s\n", start, start
		}' $files
}

# start_unbound_unit: start unbound in the root as its unit would; waits
# until it answers on UB_PORT (60 s at most). Sets UNBOUND_PID.
start_unbound_unit() {
	unit_script >"$ROOT/run/start-unbound.sh"
	user=$(sed -n 's/^# User=//p' "$ROOT/run/start-unbound.sh")
	as=""
	[ -z "$user" ] || as="setpriv --reuid=$user --regid=$user --init-groups"
	# Not through in_root: $! must be the process that becomes Unbound
	# (chroot, env, setpriv and sh all exec), not a subshell.
	# shellcheck disable=SC2086
	chroot "$ROOT" /usr/bin/env -i $ROOT_ENV $as /bin/sh /run/start-unbound.sh \
		>>"$WORK/unbound.log" 2>&1 &
	UNBOUND_PID=$!
	i=0
	while [ $i -lt 600 ]; do
		if "$DIG" @127.0.0.1 -p "$UB_PORT" www.ok.test A +time=1 +tries=1 \
			>/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$UNBOUND_PID" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# stop_unbound_unit: SIGTERM, as systemctl stop does; wait for the exit.
stop_unbound_unit() {
	[ -n "${UNBOUND_PID:-}" ] || return 0
	kill "$UNBOUND_PID" 2>/dev/null || true
	i=0
	while kill -0 "$UNBOUND_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$UNBOUND_PID" 2>/dev/null || true
	wait "$UNBOUND_PID" 2>/dev/null || true
	UNBOUND_PID=""
}
