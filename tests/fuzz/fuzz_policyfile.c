/**
 * \file
 * Fuzz target for the policy file parser: the input becomes a policy file
 * under /tmp, is loaded and freed, and the file is removed. Success and
 * failure are both fine; a crash, a leak or a bad error text is not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policyfile.h"
#include "snapfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz_policyfile.XXXXXX";
	struct sk_policyfile *pol = NULL;
	char err[256];
	size_t off = 0, i;
	int fd;

	if ((fd = mkstemp(path)) < 0)
		return 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (off == size) {
		err[0] = '\0';
		if (sk_policyfile_load(path, &pol, err, sizeof(err)) == 0) {
			/* Everything handed out must be well-formed. */
			if (pol->ncategories > SK_MAX_CATEGORIES)
				abort();
			for (i = 0; i < pol->nlists; i++) {
				if (pol->lists[i].category < -1 ||
				    pol->lists[i].category >=
				        (int)pol->ncategories ||
				    pol->lists[i].path[0] == '\0')
					abort();
				/* a rewrite list feeds a rewrite category,
				 * which takes rewrite and rpz lists only */
				if ((pol->lists[i].format == SK_LIST_REWRITE ||
				        pol->lists[i].rewrites) &&
				    (pol->lists[i].category < 0 ||
				        pol->categories[pol->lists[i].category]
				                .action != SK_ACTION_REWRITE ||
				        (pol->lists[i].format !=
				                SK_LIST_REWRITE &&
				            pol->lists[i].format !=
				                SK_LIST_RPZ)))
					abort();
			}
			for (i = 0; i < pol->ncategories; i++)
				if (sk_category_needs_v2(&pol->categories[i]) <
				        0 ||
				    (pol->categories[i].ede != SK_EDE_BLOCKED &&
				        pol->categories[i].ede !=
				            SK_EDE_CENSORED &&
				        pol->categories[i].ede !=
				            SK_EDE_FILTERED))
					abort();
			if (pol->op.contact_count < 0 ||
			    pol->op.contact_count > SK_MAX_CONTACTS ||
			    (pol->op.language[0] != '\0' &&
			        !sk_operator_language_valid(pol->op.language)))
				abort();
			sk_policyfile_free(pol);
		} else if (pol != NULL ||
		    strncmp(err, path, strlen(path)) != 0) {
			abort();
		}
	}
	unlink(path);
	return 0;
}
