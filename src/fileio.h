/*
 * fileio: the ways vsacctd touches its files: reading one whole, bounded
 * (allocated, or into a caller's buffer for the small files of /proc and
 * /sys read every second), and replacing one atomically.
 */
#ifndef VS_FILEIO_H
#define VS_FILEIO_H

#include <stddef.h>
#include <stdio.h>

/*
 * Reads a regular file of at most max bytes into a NUL-terminated buffer
 * (*text, to be freed; *len excludes the NUL). Opening never blocks: a FIFO
 * or device is refused. Returns 0, or -1 with errno: ENOENT when missing,
 * EFBIG when larger than max, EISDIR for a directory, EINVAL for another
 * file that is not a regular one, ENOMEM, or
 * what open/read said.
 */
int fileio_read(const char *path, size_t max, char **text, size_t *len);

/*
 * Reads at most size - 1 bytes of path (a small file of /proc or /sys,
 * or a pid file) into buf and NUL-terminates them. Opening never blocks.
 * Returns the bytes read, or -1 with errno (an empty file reads as 0).
 */
long fileio_read_into(const char *path, char *buf, size_t size);

/* Reads the decimal number that a small file (a /sys counter) holds, alone
 * on its line, into *out. Returns 0, or -1 when unreadable or not one. */
int fileio_read_number(const char *path, unsigned long long *out);

/*
 * Replaces path: write(fp, ctx) fills a temporary file in the same
 * directory (rename is atomic only within one filesystem), which is
 * flushed, fsynced and renamed over path; then the directory is fsynced.
 * write returns 0, or -1 on failure. Returns 0, or -1 with errno set: the
 * old file is untouched and no temporary file is left, unless only the
 * final directory fsync failed (the new file is then in place).
 */
int fileio_write_atomic(const char *path, int (*write)(FILE *fp, void *ctx), void *ctx);

#endif
