/* SPDX-License-Identifier: Apache-2.0 */
/* groups_cache.c - the groups_cache option (aig_pam.h): the auth phase's
 * group lists kept in the LMDB group cache under state_dir that
 * aigate.cgi shares (ldap/cache.c), so that a repeated login costs the
 * bind alone instead of the bind and the group searches.
 *
 * The cached groups decide access, so the cache is trusted only as the
 * configuration is (common/file.c): state_dir and its files must belong
 * to root or to this process's user and not be writable by group or
 * others, and each entry must carry a MAC under the state key
 * (state_key_file, a secret file by the same rules), which whatever else
 * runs as that user (other CGIs under the web server's uid) cannot read
 * when the documented set-up is followed. Any trouble is one warning and
 * the directory's answer, never a failed call and never "no groups".
 *
 * LMDB forbids having one file open twice in one process: the second
 * mdb_env_open() gets the process's own fcntl() lock as if it were alone,
 * resets the reader table under the first one's readers (so that a writer
 * may reuse the pages they read), and its close drops the first one's
 * lock. A PAM module cannot know its host, so each use here holds an
 * flock() on state_dir, which excludes threads too (every use opens its
 * own descriptor), and the cache is skipped when the process maps the
 * file already (aigate.cgi under FastCGI keeps it open). The environment
 * is opened and closed around each get and put, never kept. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "aig_pam.h"

#define LOCK_WAIT_MS 500

/* The files aig_ldap_cache_open() makes in state_dir. */
static const char *const cache_files[] = {"ldap-groups.mdb",
					  "ldap-groups.mdb-lock"};
#define N_CACHE_FILES (sizeof(cache_files) / sizeof(cache_files[0]))

struct cache_use {
	int dirfd; /* state_dir, flocked */
	struct aig_state_key *key;
	struct aig_ldap_cache *c;
};

/* name: a file in dirname, or NULL for dirname itself. Trusted as the
 * configuration is (aig_file_trusted_st()). */
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
 * write and close, but a stuck one must not hang logins. */
static int lock_dir(int fd, const char *dirname, struct aig_error *err)
{
	const struct timespec ms = {0, 1000000};
	int i;

	for (i = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; i++) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return aig_error_set(err, AIG_ERR_IO, "%s: lock: %s",
					     dirname, strerror(errno));
		if (i >= LOCK_WAIT_MS)
			return aig_error_set(err, AIG_ERR_IO,
					     "%s: locked for over %d ms",
					     dirname, LOCK_WAIT_MS);
		nanosleep(&ms, NULL);
	}
	return AIG_OK;
}

/* AIG_OK unless this process maps one of the n files (has the cache open).
 * If /proc/self/maps cannot be read, that cannot be ruled out. */
static int check_not_mapped(const struct stat *st, size_t n,
			    const char *dirname, struct aig_error *err)
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
						   dirname, cache_files[0]);
	}
	free(line);
	fclose(f);
	return rc;
}

/* The cache's files, if they exist yet: safe to trust, and not open in
 * this process. */
static int check_files(int dirfd, const char *dirname, struct aig_error *err)
{
	struct stat st[N_CACHE_FILES];
	size_t i, n = 0;
	int rc;

	for (i = 0; i < N_CACHE_FILES; i++) {
		if (fstatat(dirfd, cache_files[i], &st[n],
			    AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;
			return aig_error_set(err, AIG_ERR_IO, "%s/%s: %s",
					     dirname, cache_files[i],
					     strerror(errno));
		}
		if ((rc = check_stat(&st[n], false, dirname, cache_files[i],
				     err)) != AIG_OK)
			return rc;
		n++;
	}
	return check_not_mapped(st, n, dirname, err);
}

static void use_end(struct cache_use *u)
{
	aig_ldap_cache_close(u->c); /* before the flock goes */
	u->c = NULL;
	aig_state_key_free(u->key);
	u->key = NULL;
	if (u->dirfd >= 0)
		close(u->dirfd);
	u->dirfd = -1;
}

static int use_begin(const struct aig_pam_ctx *ctx,
		     const struct aig_config *cfg, struct cache_use *u,
		     struct aig_error *err)
{
	const char *dir = cfg->state_dir;
	struct stat st;
	int rc;

	u->c = NULL;
	u->key = NULL;
	u->dirfd = -1;
	if ((rc = aig_state_key_load(cfg->state_key_file, &u->key, err)) !=
	    AIG_OK)
		return rc;
	u->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u->dirfd < 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", dir,
				     strerror(errno));
	if (fstat(u->dirfd, &st) != 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", dir,
				     strerror(errno));
	if ((rc = check_stat(&st, true, dir, NULL, err)) != AIG_OK ||
	    (rc = lock_dir(u->dirfd, dir, err)) != AIG_OK ||
	    (rc = check_files(u->dirfd, dir, err)) != AIG_OK)
		return rc;
	return aig_ldap_cache_open(dir, u->key, (unsigned)ctx->groups_cache_ttl,
				   &u->c, err);
}

static void warn(const struct aig_pam_ctx *ctx, const struct aig_error *err)
{
	aig_log_msg(&ctx->log, LOG_WARNING,
		    "groups_cache: %s; groups read from the directory",
		    err->msg);
}

bool aig_pam_cache_get(const struct aig_pam_ctx *ctx,
		       const struct aig_config *cfg, const char *user,
		       struct aig_strv *groups, bool *usable)
{
	struct cache_use u;
	struct aig_error err = {0};
	char esc[128];
	bool found = false;
	int rc;

	groups->v = NULL;
	groups->n = 0;
	*usable = use_begin(ctx, cfg, &u, &err) == AIG_OK;
	if (*usable) {
		rc = aig_ldap_cache_get(u.c, user, &found, groups, &err);
		/* an entry that is not ours: a miss, and the put replaces it */
		*usable = rc == AIG_OK || rc == AIG_ERR_UNSAFE;
		if (rc == AIG_ERR_UNSAFE)
			warn(ctx, &err);
	}
	use_end(&u);
	if (!*usable)
		warn(ctx, &err);
	found = found && *usable;
	aig_log_msg(&ctx->log, LOG_DEBUG, "groups_cache: %s for %s",
		    found ? "hit" : "miss",
		    aig_log_quote(esc, sizeof(esc), user));
	return found;
}

void aig_pam_cache_put(const struct aig_pam_ctx *ctx,
		       const struct aig_config *cfg, const char *user,
		       const struct aig_strv *groups)
{
	struct cache_use u;
	struct aig_error err = {0};

	if (use_begin(ctx, cfg, &u, &err) != AIG_OK ||
	    aig_ldap_cache_put(u.c, user, groups, &err) != AIG_OK)
		warn(ctx, &err);
	use_end(&u);
}
