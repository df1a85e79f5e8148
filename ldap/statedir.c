/* SPDX-License-Identifier: Apache-2.0 */
/* statedir.c - taking an LMDB file under state_dir for one short use
 * (aig_ldap.h): the directory and the files trusted as the configuration
 * is, an flock() on the directory, and the file not mapped by this
 * process already.
 *
 * LMDB forbids having one file open twice in one process: the second
 * mdb_env_open() gets the process's own fcntl() lock as if it were alone,
 * resets the reader table under the first one's readers, and its close
 * drops the first one's lock. Whoever uses a file through this holds an
 * flock() on state_dir, which excludes threads too (every use opens its
 * own descriptor), and refuses a file the process maps already. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ldap_int.h"

#define LOCK_WAIT_MS 500
#define MAX_FILES 4

/* name: a file in dirname, or NULL for dirname itself. */
static int check_stat(const struct stat *st, bool dir, const char *dirname,
		      const char *name, struct aig_error *err)
{
	const struct aig_file_trust trust = {dir ? S_IFDIR : S_IFREG, geteuid(),
					     false};
	char what[4200];

	snprintf(what, sizeof(what), "%s%s%s", dirname, name ? "/" : "",
		 name ? name : "");
	return aig_file_trusted_st(st, &trust, what, err);
}

/* Waits up to LOCK_WAIT_MS for the flock: the holders only open, read or
 * write and close (a tenth of a millisecond or so), but a stuck one must
 * not hang logins. The first retries come after 50 us, the wait doubling
 * up to 1 ms, so that concurrent logins do not each sleep a whole
 * millisecond for a lock held a fraction of one. */
static int lock_dir(int fd, const char *dirname, struct aig_error *err)
{
	long step_ns = 50000, waited_ns = 0;

	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		struct timespec ts = {0, step_ns};

		if (errno != EWOULDBLOCK && errno != EINTR)
			return aig_error_set(err, AIG_ERR_IO, "%s: lock: %s",
					     dirname, strerror(errno));
		if (waited_ns >= LOCK_WAIT_MS * 1000000L)
			return aig_error_set(err, AIG_ERR_IO,
					     "%s: locked for over %d ms",
					     dirname, LOCK_WAIT_MS);
		nanosleep(&ts, NULL);
		waited_ns += step_ns;
		step_ns = step_ns >= 500000 ? 1000000 : 2 * step_ns;
	}
	return AIG_OK;
}

/* AIG_OK unless this process maps one of the n files. If /proc/self/maps
 * cannot be read, that cannot be ruled out. */
static int check_not_mapped(const struct stat *st, size_t n,
			    const char *dirname, const char *name,
			    struct aig_error *err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0, i;
	unsigned maj, min;
	unsigned long ino;
	int rc = AIG_OK;

	if (n == 0)
		return AIG_OK;
	f = fopen("/proc/self/maps", "re");
	if (f == NULL)
		return aig_error_set(err, AIG_ERR_IO, "/proc/self/maps: %s",
				     strerror(errno));
	while (rc == AIG_OK && getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%*s %*s %*s %x:%x %lu", &maj, &min, &ino) !=
		    3)
			continue;
		for (i = 0; i < n; i++)
			if (ino == (unsigned long)st[i].st_ino &&
			    maj == major(st[i].st_dev) &&
			    min == minor(st[i].st_dev))
				rc = aig_error_set(err, AIG_ERR_INVALID,
						   "%s/%s: already open in "
						   "this process",
						   dirname, name);
	}
	free(line);
	fclose(f);
	return rc;
}

/* The files, if they exist yet: safe to trust, and not open in this
 * process. */
static int check_files(int dirfd, const char *dirname, const char *const *files,
		       size_t nfiles, struct aig_error *err)
{
	struct stat st[MAX_FILES];
	size_t i, n = 0;
	int rc;

	for (i = 0; i < nfiles && i < MAX_FILES; i++) {
		if (fstatat(dirfd, files[i], &st[n], AT_SYMLINK_NOFOLLOW) !=
		    0) {
			if (errno == ENOENT)
				continue;
			return aig_error_set(err, AIG_ERR_IO, "%s/%s: %s",
					     dirname, files[i],
					     strerror(errno));
		}
		if ((rc = check_stat(&st[n], false, dirname, files[i], err)) !=
		    AIG_OK)
			return rc;
		n++;
	}
	return check_not_mapped(st, n, dirname, files[0], err);
}

int aig_ldap_statedir_lock(const char *dir, const char *const *files,
			   size_t nfiles, int *dirfd, struct aig_error *err)
{
	struct stat st;
	int fd, rc;

	*dirfd = -1;
	if (nfiles == 0 || nfiles > MAX_FILES)
		return aig_error_set(err, AIG_ERR_INTERNAL,
				     "statedir: 1 to %d files", MAX_FILES);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", dir,
				     strerror(errno));
	if (fstat(fd, &st) != 0)
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", dir,
				   strerror(errno));
	else if ((rc = check_stat(&st, true, dir, NULL, err)) == AIG_OK &&
		 (rc = lock_dir(fd, dir, err)) == AIG_OK)
		rc = check_files(fd, dir, files, nfiles, err);
	if (rc != AIG_OK) {
		close(fd);
		return rc;
	}
	*dirfd = fd;
	return AIG_OK;
}
