/**
 * \file
 * Copying a whole file into a new one (dbdir.c imports a snapshot into
 * the publication folder, snapedit.c copies the one it edits). The
 * callers word their own errors: the copy says which step failed.
 */
#ifndef SK_FILECOPY_H
#define SK_FILECOPY_H

#include <sys/types.h>

/** The step of sk_copy_file that failed. */
enum sk_copy_step {
	SK_COPY_OPEN_SRC, /**< opening the source */
	SK_COPY_CREATE,   /**< creating the destination */
	SK_COPY_DATA,     /**< reading, copying or writing the bytes */
	SK_COPY_SYNC      /**< fsync (when asked) or close of the copy */
};

/**
 * Copy src into dst: copy_file_range first (in-kernel, a reflink where
 * the file system can), read/write where the file systems do not allow it.
 * @param oflags: O_TRUNC or O_EXCL (added to O_WRONLY | O_CREAT).
 * @param mode: dst's mode when it is created.
 * @param sync: fsync dst before closing it.
 * @param size: NULL, or where src's size goes.
 * @return 0, or -1 with errno set and *step the step that failed.
 */
int sk_copy_file(const char *src, const char *dst, int oflags, mode_t mode,
    int sync, off_t *size, enum sk_copy_step *step);

#endif /* SK_FILECOPY_H */
