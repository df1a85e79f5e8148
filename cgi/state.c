/* SPDX-License-Identifier: Apache-2.0 */
/* state.c - the LMDB files under state_dir that every CGI process shares
 * (rate-limit buckets, metrics).
 *
 * They are soft state: losing the last few updates in an operating
 * system crash does no harm, so they are opened with MDB_NOSYNC (no
 * fdatasync per request: it cost more than the rest of the request), and
 * with MDB_WRITEMAP: a commit writes into the shared map instead of
 * making pwrite(2) calls (a rate-limit update went from 2.3 to 0.3 us,
 * bench/bench_decision); the file is as large as the map (64 MiB for the
 * buckets, 16 MiB for the metrics), its blocks reserved. Every
 * process that opens them does so here, so none opens them without
 * MDB_WRITEMAP (LMDB forbids mixing). A file that such a crash left
 * unreadable is removed and made again, so that the gate does not stay at
 * 503 until someone cleans up. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi_int.h"

/* With MDB_WRITEMAP, a write into a hole of the sparse file would fault
 * with SIGBUS on a full disk (no answer, no audit record): the file's
 * blocks are reserved when it is opened, so that a full disk is an error
 * here (503) instead. Already reserved: one fstat(2). */
static int reserve(MDB_env *env, size_t size)
{
	mdb_filehandle_t fd;
	struct stat st;

	if (mdb_env_get_fd(env, &fd) != 0)
		return EINVAL;
	if (fstat(fd, &st) == 0 && (size_t)st.st_blocks * 512 >= size)
		return 0;
	return posix_fallocate(fd, 0, (off_t)size);
}

static int try_open(const char *path, size_t map_size, MDB_env **env,
		    MDB_dbi *dbi)
{
	MDB_txn *txn = NULL;
	int rc;

	*env = NULL;
	if ((rc = mdb_env_create(env)) != 0)
		return rc;
	rc = mdb_env_set_mapsize(*env, map_size);
	if (rc == 0)
		rc = mdb_env_open(*env, path,
				  MDB_NOSUBDIR | MDB_NOTLS | MDB_NOSYNC |
					  MDB_WRITEMAP,
				  0600);
	if (rc == 0)
		rc = reserve(*env, map_size);
	if (rc == 0)
		rc = mdb_txn_begin(*env, NULL, 0, &txn);
	if (rc == 0 && (rc = mdb_dbi_open(txn, NULL, 0, dbi)) != 0)
		mdb_txn_abort(txn);
	else if (rc == 0)
		rc = mdb_txn_commit(txn); /* frees the transaction either way */
	if (rc != 0) {
		mdb_env_close(*env);
		*env = NULL;
	}
	return rc;
}

static bool unreadable(int rc)
{
	return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PANIC ||
	       rc == MDB_VERSION_MISMATCH || rc == MDB_PAGE_NOTFOUND;
}

int aig_state_open(const char *state_dir, const char *name, size_t map_size,
		   MDB_env **env, MDB_dbi *dbi, struct aig_error *err)
{
	char path[4096], lock[4200];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.mdb", state_dir,
			     name) >= sizeof(path))
		return aig_error_set(err, AIG_ERR_CONFIG, "state_dir too long");
	rc = try_open(path, map_size, env, dbi);
	if (unreadable(rc)) {
		snprintf(lock, sizeof(lock), "%s-lock", path);
		unlink(path);
		unlink(lock);
		rc = try_open(path, map_size, env, dbi);
	}
	if (rc != 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", path,
				     mdb_strerror(rc));
	return AIG_OK;
}
