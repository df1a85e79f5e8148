/* ratelimit.c - token buckets per (rule, user), shared by every CGI
 * process (LMDB under state_dir) or every front host (Redis).
 *
 * LMDB: one write transaction per request; LMDB serialises writers across
 * processes with its own lock, so take() is atomic without any lock of
 * ours. Redis: one EVAL of a small Lua script, atomic on the server. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "aig_cgi.h"
#include "cgi_int.h"

#define RL_MAP_SIZE (64u << 20)
#define RL_KEY_MAX 511 /* LMDB's default maximum key size */

struct aig_ratelimit {
	MDB_env *env;
	MDB_dbi dbi;
	void *redis; /* ratelimit_redis.c's connection, when store is redis */
};

/* The bucket as stored: tokens left and when they were counted. */
struct bucket {
	double tokens;
	double at; /* seconds, CLOCK_REALTIME: shared across processes */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Refills b to now and takes one token if there is one. */
static void bucket_take(struct bucket *b, double now, unsigned per_minute,
			unsigned burst, bool *allowed, unsigned *retry)
{
	double rate = per_minute / 60.0, elapsed = now - b->at;

	if (elapsed < 0)
		elapsed = 0; /* a clock step back gives nothing away */
	b->tokens = fmin((double)burst, b->tokens + elapsed * rate);
	b->at = now;
	*allowed = b->tokens >= 1.0;
	if (*allowed) {
		b->tokens -= 1.0;
		*retry = 0;
	} else {
		*retry = (unsigned)ceil((1.0 - b->tokens) / rate);
		if (*retry < 1)
			*retry = 1;
	}
}

static int lmdb_fail(struct aig_error *err, const char *what, int rc)
{
	return aig_error_set(err, AIG_ERR_UNAVAILABLE,
			     "rate limit store: %s: %s", what,
			     mdb_strerror(rc));
}

int aig_ratelimit_open(const struct aig_config *cfg, struct aig_ratelimit **out,
		       struct aig_error *err)
{
	struct aig_ratelimit *rl = calloc(1, sizeof(*rl));
	int rc;

	*out = NULL;
	if (rl == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (strcmp(cfg->ratelimit.store, "lmdb") == 0)
		rc = aig_state_open(cfg->state_dir, "ratelimit", RL_MAP_SIZE,
				    &rl->env, &rl->dbi, err);
	else
		rc = aig_ratelimit_redis_open(cfg->ratelimit.store, &rl->redis,
					      err);
	if (rc != AIG_OK) {
		aig_ratelimit_close(rl);
		return rc;
	}
	*out = rl;
	return AIG_OK;
}

void aig_ratelimit_close(struct aig_ratelimit *rl)
{
	if (rl == NULL)
		return;
	if (rl->env != NULL)
		mdb_env_close(rl->env);
	aig_ratelimit_redis_close(rl->redis);
	free(rl);
}

/* "rule\x1fuser": the unit separator cannot occur in either. */
static int make_key(const char *rule, const char *user, char *key, size_t len,
		    struct aig_error *err)
{
	if ((size_t)snprintf(key, len, "%s\x1f%s", rule, user) >= len)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "rate limit key too long");
	return AIG_OK;
}

static int take_lmdb(struct aig_ratelimit *rl, const char *key,
		     unsigned per_minute, unsigned burst, bool *allowed,
		     unsigned *retry, struct aig_error *err)
{
	struct bucket b = {(double)burst, now_s()};
	MDB_val k = {strlen(key), (void *)(uintptr_t)key}, v;
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = mdb_txn_begin(rl->env, NULL, 0, &txn)) != 0)
		return lmdb_fail(err, "begin", rc);
	rc = mdb_get(txn, rl->dbi, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(b))
		memcpy(&b, v.mv_data, sizeof(b));
	else if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	bucket_take(&b, now_s(), per_minute, burst, allowed, retry);
	v.mv_size = sizeof(b);
	v.mv_data = &b;
	if ((rc = mdb_put(txn, rl->dbi, &k, &v, 0)) != 0)
		goto fail;
	if ((rc = mdb_txn_commit(txn)) != 0)
		return lmdb_fail(err, "commit", rc);
	return AIG_OK;
fail:
	mdb_txn_abort(txn);
	return lmdb_fail(err, "update", rc);
}

int aig_ratelimit_take(struct aig_ratelimit *rl, const char *rule,
		       const char *user, unsigned per_minute, unsigned burst,
		       bool *allowed, unsigned *retry_after_s,
		       struct aig_error *err)
{
	char key[RL_KEY_MAX + 1];
	int rc;

	*allowed = false;
	*retry_after_s = 1;
	if (per_minute == 0 || burst == 0)
		return aig_error_set(err, AIG_ERR_INVALID, "no rate given");
	rc = make_key(rule, user, key, sizeof(key), err);
	if (rc != AIG_OK)
		return rc;
	if (rl->redis != NULL)
		return aig_ratelimit_redis_take(rl->redis, key, per_minute,
						burst, allowed, retry_after_s,
						err);
	return take_lmdb(rl, key, per_minute, burst, allowed, retry_after_s,
			 err);
}
