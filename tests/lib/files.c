/* SPDX-License-Identifier: Apache-2.0 */
/* files.c - files of aig_test.h, written from text. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_test.h"

void aig_test_write(const char *path, const void *data, size_t len, mode_t mode)
{
	ssize_t w;
	int fd;

	if (unlink(path) != 0 && errno != ENOENT)
		aig_test_bail("unlink %s: %s", path, strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		aig_test_bail("open %s: %s", path, strerror(errno));
	w = write(fd, data, len);
	if (w != (ssize_t)len || fchmod(fd, mode) != 0 || close(fd) != 0)
		aig_test_bail("write %s: %s", path, strerror(errno));
}

const char *aig_test_write_in(const char *dir, const char *name,
			      const char *text, mode_t mode)
{
	static char path[4096];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		aig_test_bail("path too long: %s/%s", dir, name);
	aig_test_write(path, text, strlen(text), mode);
	return path;
}
