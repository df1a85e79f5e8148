/* SPDX-License-Identifier: Apache-2.0 */
/* tmpdir.c - temporary directories of aig_test.h, removed at the end. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_test.h"

#define MAX_DIRS 8

static char *dirs[MAX_DIRS];
static size_t n_dirs;
static pid_t owner; /* the process that made them */

static bool dot_or_dotdot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Removes what directory d holds; each pass removes what it lists, and
 * passes repeat while one removed something (readdir(3) need not list
 * what changes under it). */
static int empty_dir(DIR *d);

static int remove_at(int dirfd, const char *name)
{
	struct stat st;
	DIR *d;
	int fd, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0);
	/* a test may have left it read-only; if this fails, so will the
	 * removal, which reports it */
	if (fchmodat(dirfd, name, 0700, 0) != 0 && errno == ENOENT)
		return 0;
	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	rc = empty_dir(d);
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
		rc = -1;
	return rc;
}

static int empty_dir(DIR *d)
{
	struct dirent *e;
	bool removed = true;
	int rc = 0;

	while (removed) {
		removed = false;
		rewinddir(d);
		while ((e = readdir(d)) != NULL) {
			if (dot_or_dotdot(e->d_name))
				continue;
			if (remove_at(dirfd(d), e->d_name) == 0)
				removed = true;
			else
				rc = -1;
		}
		if (rc != 0)
			break;
	}
	return rc;
}

int aig_test_rmtree(const char *path)
{
	return remove_at(AT_FDCWD, path);
}

int aig_test_tmpdir_cleanup(void)
{
	int rc = 0;

	if (owner != getpid())
		return 0;
	while (n_dirs > 0)
		if (aig_test_rmtree(dirs[--n_dirs]) != 0)
			rc = -1;
	return rc;
}

static void cleanup_at_exit(void)
{
	(void)aig_test_tmpdir_cleanup();
}

void aig_test_tmpdir(char *tmpl)
{
	if (n_dirs == MAX_DIRS)
		aig_test_bail("aig_test_tmpdir: more than %d directories",
			      MAX_DIRS);
	if (mkdtemp(tmpl) == NULL)
		aig_test_bail("mkdtemp %s: %s", tmpl, strerror(errno));
	if (n_dirs == 0 && owner == 0) {
		owner = getpid();
		atexit(cleanup_at_exit);
	}
	dirs[n_dirs++] = tmpl;
}
