/* SPDX-License-Identifier: Apache-2.0 */
/* file.c - reading configuration and secret files with their checks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_common.h"

void aig_wipe_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void aig_secret_free(char *secret)
{
	if (secret != NULL)
		aig_wipe_free(secret, strlen(secret));
}

bool aig_file_unchanged(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int aig_file_trusted_st(const struct stat *st, const struct aig_file_trust *t,
			const char *what, struct aig_error *err)
{
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if ((st->st_mode & S_IFMT) != t->type)
		return aig_error_set(err, AIG_ERR_UNSAFE, "%s: not a %s", what,
				     t->type == S_IFDIR ? "directory"
							: "regular file");
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return aig_error_set(
			err, AIG_ERR_UNSAFE,
			"%s: writable by group or others (mode %04o)", what,
			mode);
	if (t->secret && (st->st_mode & (S_IRGRP | S_IROTH)))
		return aig_error_set(
			err, AIG_ERR_UNSAFE,
			"%s: secret readable by group or others (mode %04o)",
			what, mode);
	if (st->st_uid != 0 && st->st_uid != t->owner)
		return aig_error_set(
			err, AIG_ERR_UNSAFE,
			"%s: owned by uid %u, neither root nor uid %u", what,
			(unsigned)st->st_uid, (unsigned)t->owner);
	return AIG_OK;
}

static int open_checked(const char *path, bool secret, struct stat *st,
			struct aig_error *err)
{
	const struct aig_file_trust trust = {S_IFREG, geteuid(), secret};
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
				    O_NOCTTY);

	if (fd < 0) {
		if (errno == ELOOP)
			return aig_error_set(err, AIG_ERR_UNSAFE,
					     "%s: is a symbolic link", path),
			       -1;
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				     strerror(errno)),
		       -1;
	}
	if (fstat(fd, st) != 0) {
		aig_error_set(err, AIG_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (aig_file_trusted_st(st, &trust, path, err) != AIG_OK)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Reads all of fd, at most max bytes, into a new NUL-terminated buffer. */
static int read_all(int fd, const char *path, size_t max, char **buf,
		    size_t *len, struct aig_error *err)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);

	if (b == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb;

			if (cap > max + 1) {
				aig_wipe_free(b, cap);
				return aig_error_set(
					err, AIG_ERR_TOO_BIG,
					"%s: larger than %zu bytes", path, max);
			}
			nb = malloc(cap * 2);
			if (nb == NULL) {
				aig_wipe_free(b, cap);
				return aig_error_set(err, AIG_ERR_NOMEM,
						     "out of memory");
			}
			memcpy(nb, b, n);
			aig_wipe_free(b, cap);
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			aig_wipe_free(b, cap);
			return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
					     strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			aig_wipe_free(b, cap);
			return aig_error_set(err, AIG_ERR_TOO_BIG,
					     "%s: larger than %zu bytes", path,
					     max);
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return AIG_OK;
}

int aig_file_read_checked(const char *path, size_t max_bytes, char **buf,
			  size_t *len, struct aig_error *err)
{
	struct stat st;
	int fd, rc;

	*buf = NULL;
	*len = 0;
	fd = open_checked(path, false, &st, err);
	if (fd < 0)
		return err ? err->status : AIG_ERR_IO;
	if ((uintmax_t)st.st_size > max_bytes) {
		close(fd);
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "%s: larger than %zu bytes", path,
				     max_bytes);
	}
	rc = read_all(fd, path, max_bytes, buf, len, err);
	close(fd);
	return rc;
}

#define SECRET_MAX 4096

int aig_secret_read(const char *path, char **secret, struct aig_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	*secret = NULL;
	fd = open_checked(path, true, &st, err);
	if (fd < 0)
		return err ? err->status : AIG_ERR_IO;
	rc = read_all(fd, path, SECRET_MAX, &buf, &len, err);
	close(fd);
	if (rc != AIG_OK)
		return rc;
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		aig_wipe_free(buf, len);
		return aig_error_set(err, AIG_ERR_INVALID,
				     "%s: empty, or holds a NUL byte", path);
	}
	*secret = buf;
	return AIG_OK;
}

int aig_secret_read_raw(const char *path, size_t max_bytes, unsigned char **buf,
			size_t *len, struct aig_error *err)
{
	struct stat st;
	char *b = NULL;
	int fd, rc;

	*buf = NULL;
	*len = 0;
	fd = open_checked(path, true, &st, err);
	if (fd < 0)
		return err ? err->status : AIG_ERR_IO;
	rc = read_all(fd, path, max_bytes, &b, len, err);
	close(fd);
	if (rc == AIG_OK)
		*buf = (unsigned char *)b;
	return rc;
}
