/* SPDX-License-Identifier: Apache-2.0 */
/* mapfile.c - a file of fixed size under state_dir that every gate
 * process of the host maps (MAP_SHARED) and changes in place: the metrics
 * counters (metrics.c) and the rate-limit buckets (ratelimit.c).
 *
 * Mapping one is open, fstat, mmap and close: a CGI process that uses it
 * once pays that and the page faults of what it touches, no lock file
 * and no transaction.
 *
 * Trust: a file is used only when it is a regular file (no symlink) owned
 * by the gate's user with no group or other permission; otherwise the
 * caller gets AIG_ERR_UNSAFE. A file of another size or head (an older
 * format, another boot for the buckets) is replaced by a new one. A new
 * file is made beside the path (mode 0600), its blocks reserved with
 * posix_fallocate (a full disk fails then, instead of faulting a later
 * request with SIGBUS), filled by the kind's init(), and only then linked
 * into place: no process ever maps a file that is not whole. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgi_int.h"

#define STATE_DIR_MAX 4000

enum file_state { FILE_OK, FILE_MISSING, FILE_FOREIGN, FILE_ERROR };

static enum file_state map_file(const struct aig_mapfile_kind *k,
				const char *path, void **map,
				struct stat *st_out, int *status,
				struct aig_error *err)
{
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	void *p;

	if (fd < 0) {
		if (errno == ENOENT)
			return FILE_MISSING;
		*status = aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s: %s",
					k->what, path, strerror(errno));
		return FILE_ERROR;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		close(fd);
		*status = aig_error_set(err, AIG_ERR_UNSAFE,
					"%s: %s is not a regular file of "
					"uid %u with mode 0600",
					k->what, path, (unsigned)geteuid());
		return FILE_ERROR;
	}
	if (st.st_size != (off_t)k->size) {
		close(fd);
		return FILE_FOREIGN;
	}
	p = mmap(NULL, k->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		*status = aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s: %s",
					k->what, path, strerror(errno));
		return FILE_ERROR;
	}
	if (!k->valid(k, p)) {
		munmap(p, k->size);
		return FILE_FOREIGN;
	}
	*map = p;
	*st_out = st;
	return FILE_OK;
}

/* Reserves and fills the new file fd (of k->size bytes, zero). */
static int fill(const struct aig_mapfile_kind *k, int fd, struct aig_error *err)
{
	void *p;
	int rc = posix_fallocate(fd, 0, (off_t)k->size);

	if (rc != 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s",
				     k->what, strerror(rc));
	p = mmap(NULL, k->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s",
				     k->what, strerror(errno));
	rc = k->init(k, p, err);
	munmap(p, k->size);
	return rc;
}

static void remove_old(const struct aig_mapfile_kind *k, const char *state_dir)
{
	char path[STATE_DIR_MAX + 100];
	size_t i;

	for (i = 0; k->old != NULL && k->old[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", state_dir, k->old[i]);
		unlink(path);
	}
}

/* Makes a new file beside path and moves it there: over a foreign one
 * (replace), or only if there is none (another process may have made it
 * meanwhile: then that one stands). The files of an older format go when
 * the first file is made. */
static int make_file(const struct aig_mapfile_kind *k, const char *state_dir,
		     const char *path, bool replace, struct aig_error *err)
{
	char tmp[STATE_DIR_MAX + 100];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", state_dir, k->name);
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s: %s",
				     k->what, tmp, strerror(errno));
	rc = fill(k, fd, err);
	if (close(fd) != 0 && rc == AIG_OK)
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s: %s",
				   k->what, tmp, strerror(errno));
	if (rc == AIG_OK && replace && rename(tmp, path) != 0)
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s: %s",
				   k->what, path, strerror(errno));
	else if (rc == AIG_OK && !replace && link(tmp, path) != 0 &&
		 errno != EEXIST)
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s: %s",
				   k->what, path, strerror(errno));
	if (rc != AIG_OK || !replace)
		unlink(tmp);
	if (rc == AIG_OK && !replace)
		remove_old(k, state_dir);
	return rc;
}

/* The file at path mapped, made first when there is none or it is
 * foreign; *st is the one mapped. */
static int map_or_make(const struct aig_mapfile_kind *k, const char *state_dir,
		       const char *path, void **map, struct stat *st,
		       struct aig_error *err)
{
	int tries;

	*map = NULL;
	for (tries = 0; tries < 3; tries++) {
		int rc = AIG_OK;
		enum file_state s = map_file(k, path, map, st, &rc, err);

		if (s == FILE_OK)
			return AIG_OK;
		if (s == FILE_ERROR)
			return rc;
		rc = make_file(k, state_dir, path, s == FILE_FOREIGN, err);
		if (rc != AIG_OK)
			return rc;
	}
	return aig_error_set(err, AIG_ERR_UNAVAILABLE,
			     "%s: %s could not be made", k->what, path);
}

static time_t coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

int aig_mapfile_open(struct aig_mapfile *mf, const struct aig_mapfile_kind *k,
		     const char *state_dir, struct aig_error *err)
{
	struct stat st;
	int rc;

	memset(mf, 0, sizeof(*mf));
	mf->kind = k;
	if (strlen(state_dir) > STATE_DIR_MAX)
		return aig_error_set(err, AIG_ERR_CONFIG, "state_dir too long");
	if ((mf->state_dir = strdup(state_dir)) == NULL ||
	    asprintf(&mf->path, "%s/%s", state_dir, k->name) < 0) {
		mf->path = NULL;
		aig_mapfile_close(mf);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	rc = map_or_make(k, state_dir, mf->path, &mf->map, &st, err);
	if (rc != AIG_OK) {
		aig_mapfile_close(mf);
		return rc;
	}
	mf->dev = st.st_dev;
	mf->ino = st.st_ino;
	mf->checked = coarse_now();
	return AIG_OK;
}

int aig_mapfile_current(struct aig_mapfile *mf, bool now, struct aig_error *err)
{
	time_t t = coarse_now();
	void *fresh = NULL;
	struct stat st;
	int rc;

	if (!now && t == mf->checked)
		return AIG_OK;
	mf->checked = t;
	if (stat(mf->path, &st) == 0 && st.st_dev == mf->dev &&
	    st.st_ino == mf->ino)
		return AIG_OK;
	rc = map_or_make(mf->kind, mf->state_dir, mf->path, &fresh, &st, err);
	if (rc != AIG_OK)
		return rc;
	munmap(mf->map, mf->kind->size);
	mf->map = fresh;
	mf->dev = st.st_dev;
	mf->ino = st.st_ino;
	return AIG_OK;
}

void aig_mapfile_close(struct aig_mapfile *mf)
{
	if (mf->map != NULL)
		munmap(mf->map, mf->kind->size);
	free(mf->state_dir);
	free(mf->path);
	memset(mf, 0, sizeof(*mf));
}
