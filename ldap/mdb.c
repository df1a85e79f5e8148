/* SPDX-License-Identifier: Apache-2.0 */
/* mdb.c - the LMDB steps the stores under state_dir share (mdb_int.h). */
#include "config.h"

#include <errno.h>

#include "mdb_int.h"

int aig_mdb_fail(const char *store, int mrc, const char *what,
		 struct aig_error *err)
{
	return aig_error_set(err, mrc == ENOMEM ? AIG_ERR_NOMEM : AIG_ERR_IO,
			     "%s: %s: %s", store, what, mdb_strerror(mrc));
}

int aig_mdb_put(const char *store, MDB_env *env, MDB_dbi dbi, void *key,
		size_t klen, void *val, size_t vlen, struct aig_error *err)
{
	MDB_val k = {klen, key}, v = {vlen, val};
	MDB_txn *txn = NULL;
	int mrc;

	if ((mrc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		return aig_mdb_fail(store, mrc, "write", err);
	if ((mrc = mdb_put(txn, dbi, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return aig_mdb_fail(store, mrc, "write", err);
	}
	/* mdb_txn_commit() frees the transaction even when it fails. */
	if ((mrc = mdb_txn_commit(txn)) != 0)
		return aig_mdb_fail(store, mrc, "write", err);
	return AIG_OK;
}
