/**
 * \file
 * The module's ABI check (adapter_abi.c): is the Unbound the module was
 * loaded into the one it was compiled against?
 */
#ifndef SK_ADAPTER_ABI_H
#define SK_ADAPTER_ABI_H

#include <stddef.h>
#include <stdint.h>

enum sk_abi_result {
	/** The running binary has the build-id of the one built against. */
	SK_ABI_SAME = 0,
	/** Neither build-id to compare; version, configure line and
	 * compiled-in modules all match (why says so: log it as a warning). */
	SK_ABI_PROBABLY_SAME = 1,
	/** Another build: the module must not run (why names both). */
	SK_ABI_REFUSED = -1,
};

/**
 * Compare the running Unbound with the one the module was compiled
 * against. Reads only memory the process has mapped; safe before any other
 * use of Unbound's structs (including the dynlibmod_env).
 * @param why: set to a message naming both builds (not for SK_ABI_SAME).
 */
enum sk_abi_result sk_abi_check(char *why, size_t len);

/**
 * The check as init uses it: logs a refusal (error) or a weak match
 * (warning) in Unbound's log. @return 1 when the module may run.
 */
int sk_abi_allow(void);

/** Hash of the version, configure line and struct layouts the adapter was
 * compiled against. */
uint64_t sk_abi_fingerprint(void);

#endif
