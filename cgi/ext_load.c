/* SPDX-License-Identifier: Apache-2.0 */
/* ext_load.c - loading aigate-ext.so (aig_ext.h) when a request needs it.
 *
 * The module is looked for beside the executable that runs (readlink of
 * /proc/self/exe), never where the environment or a request says; it is
 * refused unless it and its directory belong to root or to the
 * executable's owner and nobody else may write them, and unless it was
 * built from the same sources. The checked file is what dlopen(3) loads
 * (through /proc/self/fd). It stays loaded for the life of the
 * process. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_ext.h"

#define EXT_NAME "aigate-ext.so"

static const struct aig_gate_ext *loaded;

/* A directory or regular file (type) owned by root or by uid, writable
 * by nobody else. */
static bool owner_ok(const struct stat *st, mode_t type, uid_t uid)
{
	const struct aig_file_trust trust = {type, uid, false};

	return aig_file_trusted_st(st, &trust, "", NULL) == AIG_OK;
}

/* Opens dir/name if dir and the file (a regular file, not a symbolic
 * link) both pass owner_ok(); the checks are made on what was opened, so
 * nothing can be swapped in between. *fd is the open file. */
static bool open_trusted(const char *dir, const char *name, uid_t uid, int *fd)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), f = -1;
	struct stat st;

	if (dfd >= 0 && fstat(dfd, &st) == 0 && owner_ok(&st, S_IFDIR, uid))
		f = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0)
		close(dfd);
	if (f >= 0 && (fstat(f, &st) != 0 || !owner_ok(&st, S_IFREG, uid))) {
		close(f);
		f = -1;
	}
	*fd = f;
	return f >= 0;
}

/* The module beside the executable (or in its .libs/, where libtool
 * leaves it in a build tree), open. */
static int open_module(int *fd, struct aig_error *err)
{
	char exe[PATH_MAX], libs[PATH_MAX + 8], *dir;
	struct stat est;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || (size_t)n >= sizeof(exe) - 1)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "cannot find the running executable: %s",
				     strerror(errno));
	exe[n] = '\0';
	if (stat(exe, &est) != 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", exe,
				     strerror(errno));
	dir = dirname(exe);
	snprintf(libs, sizeof(libs), "%s/.libs", dir);
	if (open_trusted(dir, EXT_NAME, est.st_uid, fd) ||
	    open_trusted(libs, EXT_NAME, est.st_uid, fd))
		return AIG_OK;
	return aig_error_set(err, AIG_ERR_UNAVAILABLE,
			     "%s/" EXT_NAME " is missing, or it or its "
			     "directory is writable or owned by another user "
			     "than the gate's",
			     dir);
}

/* Whether the module was built from the same sources as this program. */
static bool same_build(const struct aig_gate_ext *ext)
{
	return ext != NULL && ext->version == AIG_GATE_EXT_VERSION &&
	       strcmp(ext->package, PACKAGE_STRING) == 0 &&
	       ext->config_size == sizeof(struct aig_config);
}

const struct aig_gate_ext *aig_gate_ext_load(struct aig_error *err)
{
	const struct aig_gate_ext *ext;
	char path[64];
	void *h;
	int fd;

	if (loaded != NULL)
		return loaded;
	if (open_module(&fd, err) != AIG_OK)
		return NULL;
	/* the file that was checked, whatever its name leads to now */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	close(fd);
	if (h == NULL) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s", dlerror());
		return NULL;
	}
	ext = dlsym(h, "aig_gate_ext_v1");
	if (!same_build(ext)) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE,
			      EXT_NAME " is not the module of this aigate.cgi");
		dlclose(h);
		return NULL;
	}
	loaded = ext;
	return loaded;
}
