/* SPDX-License-Identifier: Apache-2.0 */
/* ratelimit.c - token buckets per (rule, user), shared by every CGI
 * process (LMDB under state_dir) or every front host (Redis).
 *
 * LMDB: one write transaction per request; LMDB serialises writers across
 * processes with its own lock, so take() is atomic without any lock of
 * ours. Redis: one EVAL of a small Lua script, atomic on the server. */
#include "config.h"

#include <errno.h>
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
	size_t sweep_pages; /* the sweep runs from this many pages in use */
	void *redis; /* ratelimit_redis.c's connection, when store is redis */
};

/* The bucket as stored: tokens left, when they were counted, and when
 * the bucket will be full again (from then on it is the same as no entry:
 * the sweep may drop it). Values of another size are read as no entry. */
struct bucket {
	double tokens;
	double at;	/* seconds, CLOCK_REALTIME: shared across processes */
	double full_at; /* seconds, CLOCK_REALTIME */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The smaller of x and cap, cap when x is not a number (as fmin(): a
 * damaged bucket is full, not empty). Not fmin() itself: it alone would
 * make every exec of aigate.cgi map libm. */
static double at_most(double x, double cap)
{
	return x < cap ? x : cap;
}

/* Whole seconds, at least 1, until a bucket holding tokens (under 1) has
 * one again at rate tokens a second. */
static unsigned seconds_until_one(double tokens, double rate)
{
	double wait = (1.0 - tokens) / rate; /* at most 60 s: rate >= 1/60 */
	unsigned s = wait > 1.0 ? (unsigned)wait : 1;

	return s < wait ? s + 1 : s; /* rounded up, without libm's ceil() */
}

/* Refills b to now, then takes one token if there is one (give: puts one
 * back, up to burst). */
static void bucket_update(struct bucket *b, double now, unsigned per_minute,
			  unsigned burst, bool give, bool *allowed,
			  unsigned *retry)
{
	double rate = per_minute / 60.0, elapsed = now - b->at;

	if (elapsed < 0)
		elapsed = 0; /* a clock step back gives nothing away */
	b->tokens = at_most(b->tokens + elapsed * rate, (double)burst);
	b->at = now;
	*allowed = give || b->tokens >= 1.0;
	*retry = 0;
	if (give)
		b->tokens = at_most(b->tokens + 1.0, (double)burst);
	else if (*allowed)
		b->tokens -= 1.0;
	else
		*retry = seconds_until_one(b->tokens, rate);
	b->full_at = now + ((double)burst - b->tokens) / rate;
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
	struct aig_ratelimit *rl;
	int rc;

	*out = NULL;
	if (strcmp(cfg->ratelimit.store, "lmdb") == 0)
		return aig_ratelimit_open_lmdb(cfg->state_dir, RL_MAP_SIZE, out,
					       err);
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rc = aig_ratelimit_redis_open(cfg->ratelimit.store, &rl->redis, err);
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

/* The sweep: a bucket that has refilled to full (or a value not of this
 * version's size) is the same as none, so it can go. Once the store is
 * half full, each update first looks at the next SWEEP_STEP entries (from
 * where the last look stopped, kept under SWEEP_KEY, round and round) and
 * drops those: bounded work per request, never a pause to walk millions
 * of entries, and the half left free is room enough for the deletions'
 * copy-on-write pages (in a map that is full, even a deletion fails). */
#define SWEEP_STEP 256
static const char sweep_key[] = "!sweep"; /* no \x1f: no bucket's key */

static bool is_sweep_key(const MDB_val *k)
{
	return k->mv_size == sizeof(sweep_key) - 1 &&
	       memcmp(k->mv_data, sweep_key, k->mv_size) == 0;
}

static bool crowded(struct aig_ratelimit *rl, MDB_txn *txn)
{
	MDB_stat st;

	if (mdb_stat(txn, rl->dbi, &st) != 0)
		return false;
	return st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages >=
	       rl->sweep_pages;
}

static bool refilled(const MDB_val *v, double now)
{
	struct bucket b;

	if (v->mv_size != sizeof(b))
		return true;
	memcpy(&b, v->mv_data, sizeof(b));
	return b.full_at <= now;
}

static int sweep_step(struct aig_ratelimit *rl, MDB_txn *txn, double now)
{
	MDB_val mk = {sizeof(sweep_key) - 1, (void *)(uintptr_t)sweep_key};
	MDB_val k, v, from = {0, NULL};
	MDB_cursor *c = NULL;
	char next[RL_KEY_MAX + 1];
	size_t n = 0, next_len = 0;
	bool wrapped = false;
	int rc;

	if ((rc = mdb_get(txn, rl->dbi, &mk, &from)) != 0 && rc != MDB_NOTFOUND)
		return rc;
	if ((rc = mdb_cursor_open(txn, rl->dbi, &c)) != 0)
		return rc;
	k = from;
	rc = mdb_cursor_get(c, &k, &v,
			    from.mv_size ? MDB_SET_RANGE : MDB_FIRST);
	for (; n < SWEEP_STEP; n++) {
		if (rc == MDB_NOTFOUND && !wrapped) {
			wrapped = true; /* round again from the start */
			rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		}
		if (rc != 0)
			break;
		if (!is_sweep_key(&k) && refilled(&v, now) &&
		    (rc = mdb_cursor_del(c, 0)) != 0)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (rc == 0 &&
	    k.mv_size <= RL_KEY_MAX) { /* where the next look starts */
		memcpy(next, k.mv_data, k.mv_size);
		next_len = k.mv_size;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	v.mv_size = next_len;
	v.mv_data = next;
	return next_len ? mdb_put(txn, rl->dbi, &mk, &v, 0)
			: mdb_del(txn, rl->dbi, &mk, NULL);
}

static int update_lmdb(struct aig_ratelimit *rl, const char *key,
		       unsigned per_minute, unsigned burst, bool give,
		       bool *allowed, unsigned *retry)
{
	double now = now_s();
	struct bucket b = {(double)burst, now, 0};
	MDB_val k = {strlen(key), (void *)(uintptr_t)key}, v;
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = mdb_txn_begin(rl->env, NULL, 0, &txn)) != 0)
		return rc;
	if (crowded(rl, txn) && (rc = sweep_step(rl, txn, now)) != 0 &&
	    rc != MDB_NOTFOUND)
		goto fail;
	rc = mdb_get(txn, rl->dbi, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(b))
		memcpy(&b, v.mv_data, sizeof(b));
	else if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	bucket_update(&b, now, per_minute, burst, give, allowed, retry);
	v.mv_size = sizeof(b);
	v.mv_data = &b;
	if ((rc = mdb_put(txn, rl->dbi, &k, &v, 0)) != 0)
		goto fail;
	return mdb_txn_commit(txn);
fail:
	mdb_txn_abort(txn);
	return rc;
}

static int update_or_fail(struct aig_ratelimit *rl, const char *key,
			  unsigned per_minute, unsigned burst, bool give,
			  bool *allowed, unsigned *retry, struct aig_error *err)
{
	int rc = update_lmdb(rl, key, per_minute, burst, give, allowed, retry);

	if (rc != 0) {
		*allowed = false;
		return lmdb_fail(err, "update", rc);
	}
	return AIG_OK;
}

static int update(struct aig_ratelimit *rl, const char *rule, const char *user,
		  unsigned per_minute, unsigned burst, bool give, bool *allowed,
		  unsigned *retry_after_s, struct aig_error *err)
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
						burst, give, allowed,
						retry_after_s, err);
	return update_or_fail(rl, key, per_minute, burst, give, allowed,
			      retry_after_s, err);
}

int aig_ratelimit_take(struct aig_ratelimit *rl, const char *rule,
		       const char *user, unsigned per_minute, unsigned burst,
		       bool *allowed, unsigned *retry_after_s,
		       struct aig_error *err)
{
	return update(rl, rule, user, per_minute, burst, false, allowed,
		      retry_after_s, err);
}

int aig_ratelimit_give_back(struct aig_ratelimit *rl, const char *rule,
			    const char *user, unsigned per_minute,
			    unsigned burst, struct aig_error *err)
{
	bool allowed;
	unsigned retry;

	return update(rl, rule, user, per_minute, burst, true, &allowed, &retry,
		      err);
}

/* Half the map's pages. */
static int sweep_threshold(struct aig_ratelimit *rl, struct aig_error *err)
{
	MDB_envinfo info;
	MDB_stat st;
	int rc;

	if ((rc = mdb_env_info(rl->env, &info)) != 0 ||
	    (rc = mdb_env_stat(rl->env, &st)) != 0)
		return lmdb_fail(err, "stat", rc);
	rl->sweep_pages = info.me_mapsize / st.ms_psize / 2;
	return AIG_OK;
}

int aig_ratelimit_open_lmdb(const char *state_dir, size_t map_size,
			    struct aig_ratelimit **out, struct aig_error *err)
{
	struct aig_ratelimit *rl = calloc(1, sizeof(*rl));
	int rc;

	*out = NULL;
	if (rl == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rc = aig_state_open(state_dir, "ratelimit", map_size, &rl->env,
			    &rl->dbi, err);
	if (rc == AIG_OK)
		rc = sweep_threshold(rl, err);
	if (rc != AIG_OK) {
		aig_ratelimit_close(rl);
		return rc;
	}
	*out = rl;
	return AIG_OK;
}
