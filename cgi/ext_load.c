/* SPDX-License-Identifier: Apache-2.0 */
/* ext_load.c - loading aigate-ext.so, aigate-pam.so and aigate-openssl.so
 * (aig_ext.h) when a request needs one.
 *
 * A module is looked for beside the executable that runs (readlink of
 * /proc/self/exe), never where the environment or a request says; it is
 * refused unless it and its directory belong to root or to the
 * executable's owner and nobody else may write them (aig_module_load(),
 * which loads the file it checked), and unless it was built from the same
 * sources. It stays loaded for the life of the process. */
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
#define PAM_NAME "aigate-pam.so"
#define OPENSSL_NAME "aigate-openssl.so"

/* The tables loaded so far (struct aig_gate_ext, _pam, _openssl). */
static const void *loaded_ext, *loaded_pam, *loaded_openssl;

/* The symbol `symbol` of the module `name` beside the executable (or in
 * its .libs/, where libtool leaves it in a build tree), loaded (the handle
 * in *h); NULL with err set when it cannot be loaded. */
static const void *load_symbol(const char *name, const char *symbol, void **h,
			       struct aig_error *err)
{
	char exe[PATH_MAX], libs[PATH_MAX + 8], *dir;
	const int flags = RTLD_NOW | RTLD_LOCAL;
	struct stat est;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const void *sym;

	*h = NULL;
	if (n <= 0 || (size_t)n >= sizeof(exe) - 1) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE,
			      "cannot find the running executable: %s",
			      strerror(errno));
		return NULL;
	}
	exe[n] = '\0';
	if (stat(exe, &est) != 0) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", exe,
			      strerror(errno));
		return NULL;
	}
	dir = dirname(exe);
	snprintf(libs, sizeof(libs), "%s/.libs", dir);
	if (aig_module_load(dir, name, est.st_uid, flags, h, NULL) != AIG_OK &&
	    aig_module_load(libs, name, est.st_uid, flags, h, NULL) != AIG_OK) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE,
			      "%s/%s is missing, cannot be loaded, or it or "
			      "its directory is writable or owned by another "
			      "user than the gate's",
			      dir, name);
		return NULL;
	}
	if ((sym = dlsym(*h, symbol)) == NULL)
		aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: no %s", name,
			      symbol);
	return sym;
}

/* The table `symbol` of module `name`, loaded once per process (*cache),
 * if its head says it comes from the same sources as this program
 * (version want, package, config_size); NULL with err set otherwise. A
 * table begins with its head, so the head's address is the table's. */
static const void *load_table(const char *name, const char *symbol,
			      unsigned want, const void **cache,
			      struct aig_error *err)
{
	const struct aig_gate_head *head;
	void *h;

	if (*cache != NULL)
		return *cache;
	head = load_symbol(name, symbol, &h, err);
	if (head == NULL || head->version != want ||
	    strcmp(head->package, PACKAGE_STRING) != 0 ||
	    head->config_size != sizeof(struct aig_config)) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE,
			      "%s is not the module of this aigate.cgi", name);
		if (h != NULL)
			dlclose(h);
		return NULL;
	}
	*cache = head;
	return head;
}

const struct aig_gate_ext *aig_gate_ext_load(struct aig_error *err)
{
	return load_table(EXT_NAME, "aig_gate_ext_v1", AIG_GATE_EXT_VERSION,
			  &loaded_ext, err);
}

const struct aig_gate_pam *aig_gate_pam_load(struct aig_error *err)
{
	return load_table(PAM_NAME, "aig_gate_pam_v1", AIG_GATE_PAM_VERSION,
			  &loaded_pam, err);
}

const struct aig_gate_openssl *aig_gate_openssl_load(struct aig_error *err)
{
	return load_table(OPENSSL_NAME, "aig_gate_openssl_v1",
			  AIG_GATE_OPENSSL_VERSION, &loaded_openssl, err);
}
