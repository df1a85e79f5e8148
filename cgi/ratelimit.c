/* SPDX-License-Identifier: Apache-2.0 */
/* ratelimit.c - token buckets per (rule, user), shared by every gate
 * process of the host (state_dir/ratelimit.buckets, ratelimit.store
 * "lmdb") or by every front host (Redis).
 *
 * The host's store is a file of fixed size that every process maps
 * (mapfile.c): a CGI process that takes one token pays open, fstat, mmap
 * and close, one keyed hash and one lock, where the LMDB environment it
 * replaces (the store's name in aigate.json is kept) cost it about 0.1 ms
 * of its 1.3 ms: a lock file, a 64 MiB map, 3 MiB of bookkeeping and a
 * write transaction.
 *
 * A bucket is kept as the generic cell rate algorithm keeps it: one time,
 * tat, at which it will be full again. With T = 60 s / per_minute and
 * tau = burst * T, a take at now is allowed when max(tat, now) + T - now
 * <= tau, and then tat moves on by T; a bucket whose tat has passed is
 * full, the same as none, so its place can hold another. That is the
 * token bucket of the Redis store, with integers.
 *
 * The file: a head (magic, sizes, a random salt, the boot it was made
 * in), then sets of AIG_RATELIMIT_WAYS buckets, each set behind its own
 * process-shared robust mutex. A key's set and its 128-bit tag come from
 * HMAC-SHA256 under the salt, which only the gate's user can read: a
 * client that chooses user names (the failed-login budget counts names
 * nobody has) cannot aim them at one set. A set whose buckets are all
 * spending is an error: the caller refuses (503); no bucket is dropped
 * early to make room, which would give its owner a burst back.
 *
 * A process that dies holding a set's lock leaves it to the next taker
 * (EOWNERDEAD; the set's times are clamped when read, so a half-made
 * update can only make a bucket fuller or emptier by one take). A lock
 * left held by a crashed system would wait for ever after the reboot: a
 * file made in another boot (/proc/sys/kernel/random/boot_id) is replaced
 * by a new one, and a lock is never waited for longer than a second
 * (503 then; without /proc mounted boots are not told apart, and that
 * wait is all that bounds such a lock). Redis: one EVAL of a small Lua
 * script, atomic on the server. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <nettle/hmac.h>

#include "aig_cgi.h"
#include "cgi_int.h"

#define BUCKETS_FILE "ratelimit.buckets"
#define BUCKETS_MAGIC "AIGRLB1\n"
#define RL_KEY_MAX 511 /* "rule\x1fuser"; the file keeps only its hash */
#define BOOT_ID_LEN 40
#define NS 1000000000LL
#define LOCK_WAIT_S 1

_Static_assert(sizeof(pthread_mutex_t) <= 64, "a set's lock fits its line");

struct way {
	uint8_t tag[16]; /* of the key; any value when tat has passed */
	int64_t tat;	 /* ns, CLOCK_REALTIME: when the bucket is full */
	uint64_t reserved;
};

struct set {
	union {
		pthread_mutex_t m; /* process-shared, robust */
		char line[64];
	} lock;
	struct way way[AIG_RATELIMIT_WAYS];
};

struct head {
	char magic[8];
	uint32_t set_size, nsets, ways, reserved0;
	uint8_t salt[32];
	char boot_id[BOOT_ID_LEN]; /* as the kernel wrote it, NUL-padded */
	char reserved[32];
};

_Static_assert(sizeof(struct head) == AIG_RATELIMIT_HEAD_SIZE, "head size");
_Static_assert(sizeof(struct set) == AIG_RATELIMIT_SET_SIZE, "set size");

/* The kind of file, with what a valid one must carry. */
struct buckets_kind {
	struct aig_mapfile_kind k; /* first: mapfile.c passes &k */
	unsigned nsets;
	char boot_id[BOOT_ID_LEN];
};

struct aig_ratelimit {
	struct buckets_kind kind; /* the mapfile points at it */
	struct aig_mapfile mf;	  /* the local store, when map != NULL */
	void *redis; /* ratelimit_redis.c's connection, when store is redis */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* ------------------------------------------------------------ the file */

static void read_boot_id(char id[BOOT_ID_LEN])
{
	int fd = open("/proc/sys/kernel/random/boot_id",
		      O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n = fd < 0 ? -1 : read(fd, id, BOOT_ID_LEN - 1);

	if (fd >= 0)
		close(fd);
	memset(id + (n > 0 ? n : 0), 0, BOOT_ID_LEN - (n > 0 ? (size_t)n : 0));
}

static struct set *sets_of(const void *map)
{
	return (struct set *)((char *)(uintptr_t)map + AIG_RATELIMIT_HEAD_SIZE);
}

static int init_buckets(const struct aig_mapfile_kind *k, void *map,
			struct aig_error *err)
{
	const struct buckets_kind *bk = (const struct buckets_kind *)k;
	struct head *h = map;
	pthread_mutexattr_t a;
	struct set *s = sets_of(map);
	unsigned i;
	int rc = 0;

	memcpy(h->magic, BUCKETS_MAGIC, 8);
	h->set_size = sizeof(struct set);
	h->nsets = bk->nsets;
	h->ways = AIG_RATELIMIT_WAYS;
	memcpy(h->boot_id, bk->boot_id, BOOT_ID_LEN);
	if (getrandom(h->salt, sizeof(h->salt), 0) != (ssize_t)sizeof(h->salt))
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "rate limit store: no random salt: %s",
				     strerror(errno));
	if ((rc = pthread_mutexattr_init(&a)) == 0 &&
	    (rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) ==
		    0)
		rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	for (i = 0; rc == 0 && i < bk->nsets; i++)
		rc = pthread_mutex_init(&s[i].lock.m, &a);
	pthread_mutexattr_destroy(&a);
	if (rc != 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "rate limit store: locks: %s",
				     strerror(rc));
	return AIG_OK;
}

static bool valid_buckets(const struct aig_mapfile_kind *k, const void *map)
{
	const struct buckets_kind *bk = (const struct buckets_kind *)k;
	const struct head *h = map;

	return memcmp(h->magic, BUCKETS_MAGIC, 8) == 0 &&
	       h->set_size == sizeof(struct set) && h->nsets == bk->nsets &&
	       h->ways == AIG_RATELIMIT_WAYS &&
	       memcmp(h->boot_id, bk->boot_id, BOOT_ID_LEN) == 0;
}

/* The LMDB store of earlier versions. */
static const char *const old_files[] = {"ratelimit.mdb", "ratelimit.mdb-lock",
					NULL};

int aig_ratelimit_open_local(const char *state_dir, unsigned nsets,
			     struct aig_ratelimit **out, struct aig_error *err)
{
	struct aig_ratelimit *rl = calloc(1, sizeof(*rl));
	int rc;

	*out = NULL;
	if (rl == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rl->kind.k.name = BUCKETS_FILE;
	rl->kind.k.what = "rate limit store";
	rl->kind.k.size =
		sizeof(struct head) + (size_t)nsets * sizeof(struct set);
	rl->kind.k.init = init_buckets;
	rl->kind.k.valid = valid_buckets;
	rl->kind.k.old = old_files;
	rl->kind.nsets = nsets;
	read_boot_id(rl->kind.boot_id);
	rc = aig_mapfile_open(&rl->mf, &rl->kind.k, state_dir, err);
	if (rc != AIG_OK) {
		free(rl);
		return rc;
	}
	*out = rl;
	return AIG_OK;
}

/* ---------------------------------------------------------- the buckets */

/* The set of key (of nsets, the count the file was checked to have when
 * it was mapped: not read from the file again) and its tag, by
 * HMAC-SHA256 under the file's salt. */
static struct set *place(const void *map, unsigned nsets, const char *key,
			 uint8_t tag[16])
{
	const struct head *h = map;
	struct hmac_sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	uint32_t i;

	hmac_sha256_set_key(&ctx, sizeof(h->salt), h->salt);
	hmac_sha256_update(&ctx, strlen(key), (const uint8_t *)key);
	hmac_sha256_digest(&ctx, sizeof(d), d);
	memcpy(tag, d + 16, 16);
	i = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
	    (uint32_t)d[3] << 24;
	return &sets_of(map)[i % nsets];
}

static int lock_set(struct aig_ratelimit *rl, struct set *s,
		    struct aig_error *err)
{
	struct timespec until;
	int rc;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += LOCK_WAIT_S;
	rc = pthread_mutex_timedlock(&s->lock.m, &until);
	if (rc == EOWNERDEAD) /* its holder died: the times are clamped */
		rc = pthread_mutex_consistent(&s->lock.m);
	if (rc != 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "rate limit store: %s: a set's lock: %s",
				     rl->mf.path, strerror(rc));
	return AIG_OK;
}

/* The way of tag in s, or a free one (full again: none, or another
 * key's that has refilled) for it; NULL when all are spending. */
static struct way *way_of(struct set *s, const uint8_t tag[16], int64_t now,
			  bool *found)
{
	struct way *free_way = NULL;
	unsigned i;

	*found = false;
	for (i = 0; i < AIG_RATELIMIT_WAYS; i++) {
		struct way *w = &s->way[i];

		if (w->tat > now && memcmp(w->tag, tag, 16) == 0) {
			*found = true;
			return w;
		}
		if (w->tat <= now && free_way == NULL)
			free_way = w;
	}
	return free_way;
}

/* 60 s / per_minute, rounded up (never a faster rate than asked). */
static int64_t interval_ns(unsigned per_minute)
{
	return (60 * NS + per_minute - 1) / per_minute;
}

/* Takes one token from (or, give, puts one back into) the bucket in w,
 * whose time is tat (now when it was free). */
static void gcra(struct way *w, int64_t tat, int64_t now, unsigned per_minute,
		 unsigned burst, bool give, bool *allowed, unsigned *retry)
{
	int64_t t = interval_ns(per_minute), tau;

	tau = (int64_t)burst > INT64_MAX / 4 / t ? INT64_MAX / 4
						 : (int64_t)burst * t;
	if (tat > now + tau)
		tat = now + tau; /* a clock step back, a lower burst: empty */
	*allowed = true;
	*retry = 0;
	if (give) {
		w->tat = tat - t > now ? tat - t : now;
		return;
	}
	if (tat + t - now <= tau) {
		w->tat = tat + t;
		return;
	}
	*allowed = false;
	*retry = (unsigned)((tat + t - tau - now + NS - 1) / NS);
	if (*retry == 0)
		*retry = 1;
	w->tat = tat;
}

static int update_local(struct aig_ratelimit *rl, const char *key,
			unsigned per_minute, unsigned burst, bool give,
			bool *allowed, unsigned *retry, struct aig_error *err)
{
	uint8_t tag[16];
	struct set *s;
	struct way *w;
	int64_t now;
	bool found;
	int rc;

	if ((rc = aig_mapfile_current(&rl->mf, false, err)) != AIG_OK)
		return rc;
	s = place(rl->mf.map, rl->kind.nsets, key, tag);
	if ((rc = lock_set(rl, s, err)) != AIG_OK)
		return rc;
	now = now_ns();
	w = way_of(s, tag, now, &found);
	if (w == NULL && give) {
		*allowed = true; /* not spending: full, nothing to give back */
	} else if (w == NULL) {
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE,
				   "rate limit store: %s: the %u buckets of a "
				   "set are all spending",
				   rl->mf.path, AIG_RATELIMIT_WAYS);
	} else {
		gcra(w, found ? w->tat : now, now, per_minute, burst, give,
		     allowed, retry);
		if (!found)
			memcpy(w->tag, tag, 16);
	}
	pthread_mutex_unlock(&s->lock.m);
	return rc;
}

int aig_ratelimit_open(const struct aig_config *cfg, struct aig_ratelimit **out,
		       struct aig_error *err)
{
	struct aig_ratelimit *rl;
	int rc;

	*out = NULL;
	if (strcmp(cfg->ratelimit.store, "lmdb") == 0)
		return aig_ratelimit_open_local(cfg->state_dir,
						AIG_RATELIMIT_SETS, out, err);
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
	aig_mapfile_close(&rl->mf); /* nothing mapped: nothing done */
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
	rc = update_local(rl, key, per_minute, burst, give, allowed,
			  retry_after_s, err);
	if (rc != AIG_OK)
		*allowed = false;
	return rc;
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
