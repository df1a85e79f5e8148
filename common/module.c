/* SPDX-License-Identifier: Apache-2.0 */
/*
 * module.c - loading one of our own shared objects with dlopen(3) after
 * checking it: the gate's modules (cgi/ext_load.c) and pam_aigate.so's
 * directory code (ldap/lazy.c).
 *
 * The file is opened first (not following a symbolic link), it and its
 * directory are checked on what was opened (aig_file_trusted_st(): root
 * or the given owner, writable by nobody else), and dlopen(3) is given
 * "/proc/self/fd/N", so that what was checked is what is loaded, whatever
 * the name leads to by then.
 *
 * glibc takes an object whose name matches an already loaded one for
 * that object, without opening anything: a second module loaded through
 * the same "/proc/self/fd/N" (the descriptor numbers are reused) would
 * silently be the first. So the descriptor is first moved to a number no
 * object loaded so far is named after (dlopen(RTLD_NOLOAD) tells).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_common.h"

/* How many descriptor numbers are tried for a name not yet taken. */
#define FD_NAME_TRIES 64

/* dir/name, open, if the directory and the file (regular, not a symbolic
 * link) pass aig_file_trusted_st() for owner; *fd is then the file. */
static int open_trusted(const char *dir, const char *name, uid_t owner, int *fd,
			struct aig_error *err)
{
	const struct aig_file_trust tdir = {S_IFDIR, owner, false};
	const struct aig_file_trust tfile = {S_IFREG, owner, false};
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	struct stat st;

	*fd = -1;
	if (dfd < 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", dir,
				     strerror(errno));
	if (fstat(dfd, &st) != 0)
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", dir,
				   strerror(errno));
	else
		rc = aig_file_trusted_st(&st, &tdir, dir, err);
	if (rc == AIG_OK &&
	    (*fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s/%s: %s", dir,
				   name, strerror(errno));
	close(dfd);
	if (rc == AIG_OK && fstat(*fd, &st) != 0)
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s/%s: %s", dir,
				   name, strerror(errno));
	else if (rc == AIG_OK)
		rc = aig_file_trusted_st(&st, &tfile, name, err);
	if (rc != AIG_OK && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

/* Whether an object named path is loaded already. */
static bool name_taken(const char *path)
{
	void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);

	if (h == NULL)
		return false;
	dlclose(h);
	return true;
}

/* Loads the open file fd through a "/proc/self/fd/N" that names no
 * loaded object. fd stays the caller's. */
static void *dlopen_fd(int fd, int flags, struct aig_error *err)
{
	char path[64];
	int n = fd, tries;
	void *h;

	for (tries = 0; tries < FD_NAME_TRIES; tries++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", n);
		if (!name_taken(path))
			break;
		if (n != fd)
			close(n);
		if ((n = fcntl(fd, F_DUPFD_CLOEXEC, n + 1)) < 0) {
			aig_error_set(err, AIG_ERR_UNAVAILABLE, "dup: %s",
				      strerror(errno));
			return NULL;
		}
	}
	h = tries < FD_NAME_TRIES ? dlopen(path, flags) : NULL;
	if (h == NULL)
		aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s",
			      tries < FD_NAME_TRIES
				      ? dlerror()
				      : "no free name to load as");
	if (n != fd)
		close(n);
	return h;
}

int aig_module_load(const char *dir, const char *name, uid_t owner, int flags,
		    void **handle, struct aig_error *err)
{
	int fd, rc;

	*handle = NULL;
	if ((rc = open_trusted(dir, name, owner, &fd, err)) != AIG_OK)
		return rc == AIG_ERR_UNSAFE ? rc : AIG_ERR_UNAVAILABLE;
	*handle = dlopen_fd(fd, flags, err);
	close(fd);
	return *handle != NULL ? AIG_OK : AIG_ERR_UNAVAILABLE;
}
