/* ext_load.c - loading aigate-ext.so (gate.h) when a request needs it.
 *
 * The module is looked for beside the executable that runs (readlink of
 * /proc/self/exe), never where the environment or a request says; it is
 * refused unless it belongs to root or to the executable's owner and
 * nobody else may write it, like the configuration. It stays loaded for
 * the life of the process. */
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

#include "gate.h"

#define EXT_NAME "aigate-ext.so"

static const struct aig_gate_ext *loaded;

/* Whether path is a regular file that the owner of exe (or root) owns
 * and nobody else can write. */
static bool trusted(const char *path, const struct stat *exe)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_uid == 0 || st.st_uid == exe->st_uid) &&
	       (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* The module's path beside the executable (or in its .libs/, where
 * libtool leaves it in a build tree). */
static int find_module(char *out, size_t len, struct aig_error *err)
{
	char exe[PATH_MAX], *dir;
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
	if ((size_t)snprintf(out, len, "%s/" EXT_NAME, dir) < len &&
	    trusted(out, &est))
		return AIG_OK;
	if ((size_t)snprintf(out, len, "%s/.libs/" EXT_NAME, dir) < len &&
	    trusted(out, &est))
		return AIG_OK;
	return aig_error_set(err, AIG_ERR_UNAVAILABLE,
			     "%s/" EXT_NAME " is missing, or writable or "
			     "owned by another user than the gate's",
			     dir);
}

const struct aig_gate_ext *aig_gate_ext_load(struct aig_error *err)
{
	const struct aig_gate_ext *ext;
	char path[PATH_MAX + 32];
	void *h;

	if (loaded != NULL)
		return loaded;
	if (find_module(path, sizeof(path), err) != AIG_OK)
		return NULL;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s", dlerror());
		return NULL;
	}
	ext = dlsym(h, "aig_gate_ext_v1");
	if (ext == NULL || ext->version != AIG_GATE_EXT_VERSION) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE,
			      "%s: not the module of this aigate.cgi", path);
		dlclose(h);
		return NULL;
	}
	loaded = ext;
	return loaded;
}
