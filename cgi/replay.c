/* SPDX-License-Identifier: Apache-2.0 */
/* replay.c - the gate's own record of the Kerberos authenticators it
 * accepted (sso.h), so that a captured Negotiate header is refused the
 * second time whatever the acceptor's replay cache does: in LMDB under
 * state_dir for the processes of one host, or in the rate-limit Redis
 * for several hosts. Check and record are one atomic step: an LMDB write
 * transaction (LMDB serialises writers across processes), or SET NX. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi_int.h"
#include "sso.h"

#ifdef HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

#define REPLAY_MAP_SIZE (32u << 20)
#define REPLAY_SWEEP 8 /* expired entries dropped per record, at most */

struct aig_replay {
	MDB_env *env;
	MDB_dbi dbi;
	void *redis; /* a redisContext when the store is Redis */
};

void aig_replay_close(struct aig_replay *r)
{
	if (r == NULL)
		return;
	if (r->env != NULL)
		mdb_env_close(r->env);
	aig_ratelimit_redis_close(r->redis);
	free(r);
}

int aig_replay_open(const struct aig_config *cfg, struct aig_replay **out,
		    struct aig_error *err)
{
	struct aig_replay *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (r == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (strncmp(cfg->ratelimit.store, "redis://", 8) == 0)
		rc = aig_ratelimit_redis_open(cfg->ratelimit.store, &r->redis,
					      err);
	else
		rc = aig_state_open(cfg->state_dir, "negotiate-replay",
				    REPLAY_MAP_SIZE, &r->env, &r->dbi, err);
	if (rc != AIG_OK) {
		aig_replay_close(r);
		return rc;
	}
	*out = r;
	return AIG_OK;
}

/* Drops a few expired entries, from the start of the key order (the keys
 * are digests, so that is a random sample): the map stays bounded. */
static void sweep(MDB_txn *txn, MDB_dbi dbi, long long now)
{
	MDB_cursor *cur;
	MDB_val k, v;
	long long exp;
	int n = 0, rc;

	if (mdb_cursor_open(txn, dbi, &cur) != 0)
		return;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	     rc == 0 && n < REPLAY_SWEEP * 4;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
		if (v.mv_size != sizeof(exp))
			continue;
		memcpy(&exp, v.mv_data, sizeof(exp));
		if (exp <= now)
			mdb_cursor_del(cur, 0);
	}
	mdb_cursor_close(cur);
}

static int record_lmdb(struct aig_replay *r, const unsigned char digest[32],
		       bool *seen, struct aig_error *err)
{
	long long now = (long long)time(NULL), exp = now + AIG_REPLAY_TTL_S,
		  old;
	unsigned char key[32];
	MDB_val k = {sizeof(key), key}, v;
	MDB_txn *txn = NULL;
	int rc;

	memcpy(key, digest, sizeof(key));
	*seen = false;
	if ((rc = mdb_txn_begin(r->env, NULL, 0, &txn)) != 0)
		goto fail;
	rc = mdb_get(txn, r->dbi, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(old)) {
		memcpy(&old, v.mv_data, sizeof(old));
		*seen = old > now;
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		goto fail;
	}
	if (*seen) {
		mdb_txn_abort(txn);
		return AIG_OK;
	}
	v.mv_size = sizeof(exp);
	v.mv_data = &exp;
	if ((rc = mdb_put(txn, r->dbi, &k, &v, 0)) != 0)
		goto fail;
	sweep(txn, r->dbi, now);
	rc = mdb_txn_commit(txn); /* frees the transaction either way */
	txn = NULL;
	if (rc == 0)
		return AIG_OK;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return aig_error_set(err, AIG_ERR_UNAVAILABLE,
			     "negotiate replay record: %s", mdb_strerror(rc));
}

#ifdef HAVE_HIREDIS
static int record_redis(struct aig_replay *r, const unsigned char digest[32],
			bool *seen, struct aig_error *err)
{
	redisContext *c = r->redis;
	redisReply *rep;
	int rc = AIG_OK;

	rep = redisCommand(c, "SET aigate:replay:%b 1 NX EX %d", digest,
			   (size_t)32, AIG_REPLAY_TTL_S);
	if (rep != NULL && rep->type == REDIS_REPLY_STATUS)
		*seen = false; /* OK: it was not there */
	else if (rep != NULL && rep->type == REDIS_REPLY_NIL)
		*seen = true;
	else
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE,
				   "negotiate replay record: redis: %s",
				   rep && rep->type == REDIS_REPLY_ERROR
					   ? rep->str
					   : c->errstr);
	freeReplyObject(rep);
	return rc;
}
#endif

int aig_replay_record(struct aig_replay *r, const unsigned char digest[32],
		      bool *seen, struct aig_error *err)
{
	*seen = false;
#ifdef HAVE_HIREDIS
	if (r->redis != NULL)
		return record_redis(r, digest, seen, err);
#endif
	return record_lmdb(r, digest, seen, err);
}
