/* SPDX-License-Identifier: Apache-2.0 */
/* mdb_int.h - what the LMDB stores under state_dir (the group cache,
 * cache.c; the credential cache, credstore.c) share. Internal to ldap/. */
#ifndef AIG_LDAP_MDB_INT_H
#define AIG_LDAP_MDB_INT_H

#include <lmdb.h>
#include <stddef.h>

#include "aig_common.h"

/* An LMDB error mrc of the store named store ("group cache") during what
 * ("read", "write") into err: AIG_ERR_NOMEM or AIG_ERR_IO, returned. */
int aig_mdb_fail(const char *store, int mrc, const char *what,
		 struct aig_error *err);

/* Writes key -> val in one write transaction on dbi of env (the caller
 * owns both buffers; LMDB copies them and changes neither). AIG_OK or the
 * error aig_mdb_fail() made. */
int aig_mdb_put(const char *store, MDB_env *env, MDB_dbi dbi, void *key,
		size_t klen, void *val, size_t vlen, struct aig_error *err);

#endif
