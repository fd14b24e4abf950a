/**
 * \file
 * The module's ABI check: at init, refuse to run inside an Unbound other
 * than the one the module was compiled against.
 *
 * The adapter reads Unbound's structs directly (module_env, module_qstate,
 * comm_reply, reply_info, packed rrsets, dynlibmod_env); their layouts
 * depend on Unbound's version, Debian's patches and the configure options.
 * Unbound exports no version or layout description, so the module
 * identifies its host by what the running process holds in memory:
 * - the GNU build-id of the main executable (dl_iterate_phdr): the same
 *   build-id means the very binary the module was compiled against, hence
 *   the same layouts. This is the check that decides;
 * - PACKAGE_STRING ("unbound 1.17.1") and the configure line (CONFCMDLINE)
 *   as string constants in the executable's read-only segments, and the
 *   compiled-in modules (module_list_avail): they say *why* two builds
 *   differ, and decide alone when a binary carries no build-id.
 * A layout fingerprint (hash of the version, the configure line and the
 * sizeof/offsetof of every struct and field the adapter touches) names the
 * module's own build in the messages, so two module builds can be told
 * apart. Everything is read from memory already mapped; no file, no
 * process, nothing that can fault.
 */
#include "config.h"

#include "dynlibmod/dynlibmod.h"
#include "services/mesh.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/log.h"
#include "util/module.h"
#include "util/netevent.h"
#include "util/storage/lruhash.h"

#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "adapter_abi.h"
#include "abi_built.h" /* SK_UNBOUND_BUILD_ID, SK_UNBOUND_MODULES */

/** Sizes and offsets the adapter depends on (module/adapter*.c), one
 * struct a line: the struct's size, then the offsets of its fields. */
#define SZ(s) sizeof(struct s)
#define AT(s, f) offsetof(struct s, f)
/* clang-format off */
static const size_t layout[] = {
	SZ(module_env), AT(module_env, cfg), AT(module_env, msg_cache),
	    AT(module_env, rrset_cache), AT(module_env, modinfo),
	    AT(module_env, unique_mesh),
	SZ(module_qstate), AT(module_qstate, qinfo), AT(module_qstate, query_flags),
	    AT(module_qstate, return_msg), AT(module_qstate, return_rcode),
	    AT(module_qstate, region), AT(module_qstate, ext_state),
	    AT(module_qstate, env), AT(module_qstate, minfo),
	    AT(module_qstate, mesh_info), AT(module_qstate, no_cache_store),
	    AT(module_qstate, edns_opts_front_out),
	SZ(query_info), AT(query_info, qname_len), AT(query_info, qtype),
	    AT(query_info, qclass),
	SZ(mesh_state), AT(mesh_state, reply_list),
	SZ(mesh_reply), AT(mesh_reply, query_reply),
	SZ(comm_reply), AT(comm_reply, client_addr),
	SZ(reply_info), AT(reply_info, an_numrrsets), AT(reply_info, rrset_count),
	    AT(reply_info, rrsets),
	SZ(ub_packed_rrset_key), AT(ub_packed_rrset_key, entry),
	    AT(ub_packed_rrset_key, rk),
	SZ(packed_rrset_key), AT(packed_rrset_key, dname_len),
	    AT(packed_rrset_key, flags), AT(packed_rrset_key, type),
	    AT(packed_rrset_key, rrset_class),
	SZ(packed_rrset_data), AT(packed_rrset_data, ttl),
	    AT(packed_rrset_data, count), AT(packed_rrset_data, trust),
	    AT(packed_rrset_data, security), AT(packed_rrset_data, rr_len),
	    AT(packed_rrset_data, rr_ttl), AT(packed_rrset_data, rr_data),
	SZ(lruhash_entry), AT(lruhash_entry, hash), AT(lruhash_entry, key),
	    AT(lruhash_entry, data),
	SZ(dynlibmod_env), AT(dynlibmod_env, dyn_env),
	    AT(dynlibmod_env, inplace_cb_register_wrapped),
	    AT(dynlibmod_env, inplace_cb_delete_wrapped),
};
/* clang-format on */

/** FNV-1a, 64 bits: enough to tell builds apart in a message. */
static uint64_t
fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
sk_abi_fingerprint(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = fnv1a(h, PACKAGE_VERSION, sizeof(PACKAGE_VERSION));
	h = fnv1a(h, CONFCMDLINE, sizeof(CONFCMDLINE));
	return fnv1a(h, layout, sizeof(layout));
}

/** What the running executable says about itself. */
struct host {
	char build_id[2 * 64 + 1]; /* hex; "" when it has none */
	char version[32];          /* "1.17.1"; "" when not found */
	int same_confline;         /* our CONFCMDLINE is among its strings */
	char modules[256];         /* module_list_avail(), space-separated */
};

/** The GNU build-id in one PT_NOTE segment, as hex, or "". */
static void
note_build_id(const char *p, size_t len, size_t align, char *hex, size_t hexlen)
{
	size_t off = 0;

	while (off + sizeof(ElfW(Nhdr)) <= len) {
		const ElfW(Nhdr) *n = (const void *)(p + off);
		size_t name = off + sizeof(*n);
		size_t desc = name + ((n->n_namesz + align - 1) & ~(align - 1));
		size_t next = desc + ((n->n_descsz + align - 1) & ~(align - 1));

		if (desc > len || next > len || next <= off)
			return;
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
		    memcmp(p + name, "GNU", 4) == 0 &&
		    n->n_descsz * 2 < hexlen) {
			const unsigned char *d = (const void *)(p + desc);
			for (size_t i = 0; i < n->n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", d[i]);
			return;
		}
		off = next;
	}
}

/** "unbound X.Y.Z" NUL-terminated in a read-only segment: the version. */
static void
find_version(const char *p, size_t len, char *out, size_t outlen)
{
	static const char tag[] = "unbound ";
	const char *end = p + len;
	const char *s = p;

	if (out[0] != '\0')
		return;
	while (
	    (s = memmem(s, (size_t)(end - s), tag, sizeof(tag) - 1)) != NULL) {
		const char *v = s + sizeof(tag) - 1;
		const char *e = v;

		while (e < end && ((*e >= '0' && *e <= '9') || *e == '.'))
			e++;
		if (e < end && *e == '\0' && e > v && *v != '.' &&
		    (size_t)(e - v) < outlen) {
			memcpy(out, v, (size_t)(e - v));
			out[e - v] = '\0';
			return;
		}
		s = v;
	}
}

/** Does a read-only segment hold str with its terminating NUL? */
static int
holds_string(const char *p, size_t len, const char *str, size_t size)
{
	return memmem(p, len, str, size) != NULL;
}

/** dl_iterate_phdr callback: the first object is the executable. */
static int
scan_executable(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct host *h = arg;

	(void)size;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);

		if (ph->p_type == PT_NOTE && h->build_id[0] == '\0')
			note_build_id(p, ph->p_filesz, ph->p_align == 8 ? 8 : 4,
			    h->build_id, sizeof(h->build_id));
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R) ||
		    (ph->p_flags & (PF_W | PF_X)))
			continue;
		find_version(p, ph->p_filesz, h->version, sizeof(h->version));
		if (holds_string(
		        p, ph->p_filesz, CONFCMDLINE, sizeof(CONFCMDLINE)))
			h->same_confline = 1;
	}
	return 1; /* only the executable */
}

/** The host's compiled-in modules; looked up, as an alien host may lack
 * the function (a lazy call to a missing symbol would end the process). */
static void
host_modules(char *out, size_t outlen)
{
	const char **(*avail)(void);
	const char **names;
	size_t used = 0;

	out[0] = '\0';
	*(void **)&avail = dlsym(RTLD_DEFAULT, "module_list_avail");
	if (avail == NULL || (names = avail()) == NULL) {
		snprintf(out, outlen, "unknown");
		return;
	}
	for (size_t i = 0; names[i] != NULL && used < outlen; i++) {
		int n = snprintf(out + used, outlen - used, "%s%s",
		    i > 0 ? " " : "", names[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/** Our side and the host's side, for a refusal or a warning. */
static void
describe(const struct host *h, char *why, size_t len, const char *verdict)
{
	snprintf(why, len,
	    "%s: built for Unbound %s (build-id %s, modules: %s, configure "
	    "line: %s, layout %016llx) but running in Unbound %s (build-id %s, "
	    "modules: %s, configure line: %s)",
	    verdict, PACKAGE_VERSION,
	    SK_UNBOUND_BUILD_ID[0] != '\0' ? SK_UNBOUND_BUILD_ID : "none",
	    SK_UNBOUND_MODULES, CONFCMDLINE,
	    (unsigned long long)sk_abi_fingerprint(),
	    h->version[0] != '\0' ? h->version : "unknown",
	    h->build_id[0] != '\0' ? h->build_id : "none", h->modules,
	    h->same_confline ? "the same" : "another");
}

enum sk_abi_result
sk_abi_check(char *why, size_t len)
{
	struct host h;
	int described_same;

	memset(&h, 0, sizeof(h));
	dl_iterate_phdr(scan_executable, &h);
	host_modules(h.modules, sizeof(h.modules));
	why[0] = '\0';

	if (SK_UNBOUND_BUILD_ID[0] != '\0' && h.build_id[0] != '\0') {
		if (strcmp(SK_UNBOUND_BUILD_ID, h.build_id) == 0)
			return SK_ABI_SAME;
		describe(&h, why, len, "a different Unbound binary");
		return SK_ABI_REFUSED;
	}
	/* No build-id on one side: judge by what the binary shows. */
	described_same = strcmp(h.version, PACKAGE_VERSION) == 0 &&
	    h.same_confline && strcmp(h.modules, SK_UNBOUND_MODULES) == 0;
	describe(&h, why, len,
	    described_same ? "no build-id to compare, version, configure line "
	                     "and modules match"
	                   : "a different Unbound build");
	return described_same ? SK_ABI_PROBABLY_SAME : SK_ABI_REFUSED;
}

int
sk_abi_allow(void)
{
	char why[2048];

	switch (sk_abi_check(why, sizeof(why))) {
	case SK_ABI_SAME:
		verbose(VERB_OPS,
		    "sinkhole: running in the Unbound it was "
		    "built against (%s, build-id %s)",
		    PACKAGE_VERSION, SK_UNBOUND_BUILD_ID);
		return 1;
	case SK_ABI_PROBABLY_SAME:
		log_warn("sinkhole: %s", why);
		return 1;
	case SK_ABI_REFUSED:
	default:
		log_err("sinkhole: refusing to load, %s; its structs may "
		        "differ from what the module reads. Install the "
		        "sinkhole package built with this unbound package, or "
		        "rebuild sinkhole against this Unbound "
		        "(./configure --with-unbound-build=DIR)",
		    why);
		return 0;
	}
}
