#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fileio_read(const char *path, size_t max, char **text, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO must not hang the daemon. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	struct stat st;
	int e = 0;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (fstat(fd, &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else if ((uintmax_t)st.st_size > max)
		e = EFBIG;
	/* Room for the NUL and for one byte past the size: reading it is
	 * how a file of exactly max bytes is told from a bigger one. */
	else if (!(buf = malloc(cap = (size_t)st.st_size + 2)))
		e = ENOMEM;
	/* Read to the end, not to st_size: the file may be growing. */
	while (!e) {
		if (n == cap - 1) {
			if (n > max) {
				e = EFBIG;
				break;
			}
			size_t more = cap > (max + 2) / 2 ? max + 2 : cap * 2;
			char *grown = realloc(buf, more);
			if (!grown) {
				e = ENOMEM;
				break;
			}
			buf = grown;
			cap = more;
		}
		ssize_t got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			e = errno;
		else if (got == 0)
			break;
		else
			n += (size_t)got;
	}
	close(fd);
	if (e) {
		free(buf);
		errno = e;
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static int fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

long fileio_read_into(const char *path, char *buf, size_t size)
{
	if (size == 0 || size > LONG_MAX) {
		errno = EINVAL;
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	size_t n = 0;
	int e = 0;
	while (n < size - 1) {
		ssize_t got = read(fd, buf + n, size - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			e = errno;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	if (e) {
		errno = e;
		return -1;
	}
	return (long)n;
}

int fileio_read_number(const char *path, unsigned long long *out)
{
	char buf[32], *end;
	if (fileio_read_into(path, buf, sizeof buf) <= 0)
		return -1;
	*out = strtoull(buf, &end, 10);
	return end != buf && (*end == '\n' || !*end) ? 0 : -1;
}

int fileio_write_atomic(const char *path, int (*write)(FILE *fp, void *ctx), void *ctx)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof ".XXXXXX");
	if (!tmp)
		return -1;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", sizeof ".XXXXXX");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	FILE *fp = fdopen(fd, "w");
	int e = 0;
	if (!fp) {
		e = errno;
		close(fd);
	} else {
		errno = 0; /* stdio may fail without saying why */
		if (write(fp, ctx) < 0 || fflush(fp) == EOF || fsync(fd) < 0)
			e = errno ? errno : EIO;
		if (fclose(fp) == EOF && !e)
			e = errno ? errno : EIO;
	}
	if (!e && rename(tmp, path) < 0)
		e = errno;
	if (e)
		unlink(tmp);
	free(tmp);
	if (e) {
		errno = e;
		return -1;
	}
	return fsync_dir_of(path);
}
