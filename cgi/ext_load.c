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

static const struct aig_gate_ext *loaded_ext;
static const struct aig_gate_pam *loaded_pam;
static const struct aig_gate_openssl *loaded_openssl;

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

/* Whether a module's table (version, package, config_size, as both
 * tables begin) comes from the same sources as this program. */
static bool same_build(unsigned version, unsigned want, const char *package,
		       size_t config_size)
{
	return version == want && strcmp(package, PACKAGE_STRING) == 0 &&
	       config_size == sizeof(struct aig_config);
}

static const void *refuse(void *h, const char *name, struct aig_error *err)
{
	aig_error_set(err, AIG_ERR_UNAVAILABLE,
		      "%s is not the module of this aigate.cgi", name);
	if (h != NULL)
		dlclose(h);
	return NULL;
}

const struct aig_gate_ext *aig_gate_ext_load(struct aig_error *err)
{
	const struct aig_gate_ext *ext;
	void *h;

	if (loaded_ext != NULL)
		return loaded_ext;
	ext = load_symbol(EXT_NAME, "aig_gate_ext_v1", &h, err);
	if (ext == NULL || !same_build(ext->version, AIG_GATE_EXT_VERSION,
				       ext->package, ext->config_size))
		return refuse(h, EXT_NAME, err);
	loaded_ext = ext;
	return loaded_ext;
}

const struct aig_gate_pam *aig_gate_pam_load(struct aig_error *err)
{
	const struct aig_gate_pam *pam;
	void *h;

	if (loaded_pam != NULL)
		return loaded_pam;
	pam = load_symbol(PAM_NAME, "aig_gate_pam_v1", &h, err);
	if (pam == NULL || !same_build(pam->version, AIG_GATE_PAM_VERSION,
				       pam->package, pam->config_size))
		return refuse(h, PAM_NAME, err);
	loaded_pam = pam;
	return loaded_pam;
}

const struct aig_gate_openssl *aig_gate_openssl_load(struct aig_error *err)
{
	const struct aig_gate_openssl *o;
	void *h;

	if (loaded_openssl != NULL)
		return loaded_openssl;
	o = load_symbol(OPENSSL_NAME, "aig_gate_openssl_v1", &h, err);
	if (o == NULL || !same_build(o->version, AIG_GATE_OPENSSL_VERSION,
				     o->package, o->config_size))
		return refuse(h, OPENSSL_NAME, err);
	loaded_openssl = o;
	return loaded_openssl;
}
