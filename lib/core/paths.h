/**
 * \file
 * The compiled-in default paths, in one place for the module and
 * sinkhole-ctl: the Debian layout, which README, OPERATIONS.md and the man
 * pages name. A packager with another layout overrides them with
 * -DSK_DEFAULT_CONF=... and -DSK_DEFAULT_DBDIR=... (CPPFLAGS); the
 * snapshot path follows the folder.
 */
#ifndef SK_PATHS_H
#define SK_PATHS_H

/** The module's configuration file (sinkhole.conf(5)), unless
 * $SINKHOLE_CONF names another. */
#ifndef SK_DEFAULT_CONF
#define SK_DEFAULT_CONF "/etc/unbound/sinkhole.conf"
#endif

/** The publication folder (sinkhole-ctl -d). */
#ifndef SK_DEFAULT_DBDIR
#define SK_DEFAULT_DBDIR "/var/lib/sinkhole"
#endif

/** Where running modules write their state files (sinkhole.conf
 * "state-dir:"; sinkhole-ctl status reads them). */
#ifndef SK_DEFAULT_STATE_DIR
#define SK_DEFAULT_STATE_DIR "/run/sinkhole"
#endif

/** The active snapshot in it: the module's "snapshot:" default, and
 * sinkhole-ctl's -s default. build never writes it: without -o or -d it
 * writes a new file in SK_DEFAULT_DBDIR/snapshots. */
#define SK_DEFAULT_SNAPSHOT SK_DEFAULT_DBDIR "/active.mdb"

#endif /* SK_PATHS_H */
