/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c - counters for /_aigate/metrics (Prometheus text), in one
 * file under state_dir that every gate process of the host maps and adds
 * to with atomic instructions: state_dir/metrics.counters.
 *
 * A CGI process adds one request and ends. The LMDB environment these
 * counters were kept in before cost such a process about 0.15 ms of its
 * 1.4 ms (lock file, a 16 MiB map and its ftruncate(2), two write
 * transactions); mapping this file and adding to five counters costs
 * about 0.02-0.03 ms, mostly the page faults of the new mapping. A FastCGI
 * process keeps the map and adds each request when it ends: nothing waits
 * in memory, nothing is written in batches. It looks at most once a
 * second, and at each scrape, whether the file at the path is still the
 * one it maps (deleted to reset, or replaced), and maps the new one.
 *
 * The file (mode 0600): a header (magic, slot size, slot count), then
 * AIG_METRICS_SLOTS slots of {state, hash, value, key}. A series lives in
 * the first slot, probing linearly from the FNV-1a hash of its key, that
 * holds its key. A new series claims an empty slot with a
 * compare-and-swap (EMPTY -> CLAIMED), writes its key and publishes it
 * (READY, with release order); values grow by atomic fetch-and-add. A
 * process that dies between claim and publish leaves the slot CLAIMED:
 * the others wait a bounded time for it, then probe past it, so a series
 * may end up in two slots; the text adds them together. Nothing is ever
 * removed: series are bounded (aig_metrics_sample). Histogram buckets are
 * stored one per latency range and summed when the text is made, so that
 * a request adds to one bucket, not to every one above it.
 *
 * Trust (mapfile.c): the file is used only when it is a regular file (no
 * symlink) owned by the gate's user with no group or other permission;
 * otherwise the metrics are unavailable (logged; the request itself goes
 * on). A file of another size or header (an older format) is replaced by
 * a new one, made whole before it is put in place, its blocks reserved.
 * Whoever can write state_dir can change a counter, as with the
 * rate-limit buckets; a key with no NUL in its slot is skipped, never
 * read past. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_cgi.h"
#include "cgi_int.h"

#define COUNTERS_FILE "metrics.counters"
#define COUNTERS_MAGIC "AIGCNT1\n"
/* How many times a CLAIMED slot is looked at again before it is probed
 * past: longer than writing one key takes, short enough that a slot left
 * CLAIMED by a dead process costs a lookup little. */
#define CLAIM_WAIT 1000

_Static_assert(__atomic_always_lock_free(sizeof(uint64_t), 0),
	       "the counters need lock-free 64-bit atomics");

enum { SLOT_EMPTY = 0, SLOT_CLAIMED = 1, SLOT_READY = 2 };

struct slot {
	uint32_t state; /* SLOT_*, atomic */
	uint32_t hash;	/* of key, written before READY */
	uint64_t value; /* atomic */
	char key[AIG_METRICS_KEY_MAX];
};

struct head {
	char magic[8];
	uint32_t slot_size, nslots;
	char reserved[48];
};

struct table {
	struct head head;
	struct slot slot[AIG_METRICS_SLOTS];
};

/* The file mapped (mapfile.c); unmapped by aig_metrics_close(). */
struct aig_metrics {
	struct aig_mapfile mf;
};

/* The histogram's upper bounds and their series, spelt out so that a
 * request does not format one: the bound and the le label are the same
 * token, so they cannot differ. */
#define BUCKET(le) le, "aigate_request_duration_ms_bucket{le=\"" #le "\"}"
static const struct {
	double le;
	const char *key;
} latency_buckets[] = {
	{BUCKET(1)},	 {BUCKET(2.5)},	  {BUCKET(5)},	    {BUCKET(10)},
	{BUCKET(25)},	 {BUCKET(50)},	  {BUCKET(100)},    {BUCKET(250)},
	{BUCKET(500)},	 {BUCKET(1000)},  {BUCKET(2500)},   {BUCKET(5000)},
	{BUCKET(10000)}, {BUCKET(30000)}, {BUCKET(120000)},
};
#define N_BUCKETS (sizeof(latency_buckets) / sizeof(latency_buckets[0]))

uint32_t aig_metrics_key_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 16777619u;
	}
	return h;
}

/* ------------------------------------------------------------ the file */

static int init_table(const struct aig_mapfile_kind *k, void *map,
		      struct aig_error *err)
{
	struct head *h = map;

	(void)k;
	(void)err;
	memcpy(h->magic, COUNTERS_MAGIC, 8);
	h->slot_size = sizeof(struct slot);
	h->nslots = AIG_METRICS_SLOTS;
	return AIG_OK;
}

static bool valid_table(const struct aig_mapfile_kind *k, const void *map)
{
	const struct head *h = map;

	(void)k;
	return memcmp(h->magic, COUNTERS_MAGIC, 8) == 0 &&
	       h->slot_size == sizeof(struct slot) &&
	       h->nslots == AIG_METRICS_SLOTS;
}

/* The LMDB files of the older format. */
static const char *const old_files[] = {"metrics.mdb", "metrics.mdb-lock",
					NULL};

static const struct aig_mapfile_kind counters_kind = {
	COUNTERS_FILE, "metrics",   sizeof(struct table),
	init_table,    valid_table, old_files};

static struct table *table_of(struct aig_metrics *m)
{
	return m->mf.map;
}

int aig_metrics_open(const char *state_dir, struct aig_metrics **out,
		     struct aig_error *err)
{
	struct aig_metrics *m = calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (m == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rc = aig_mapfile_open(&m->mf, &counters_kind, state_dir, err);
	if (rc != AIG_OK) {
		free(m);
		return rc;
	}
	*out = m;
	return AIG_OK;
}

void aig_metrics_close(struct aig_metrics *m)
{
	if (m == NULL)
		return;
	aig_mapfile_close(&m->mf);
	free(m);
}

/* ----------------------------------------------------------- the slots */

/* Reads at most the key's length and its NUL from the slot, whatever the
 * slot holds. */
static bool holds(const struct slot *s, uint32_t h, const char *key, size_t len)
{
	return s->hash == h && memcmp(s->key, key, len + 1) == 0;
}

/* The state of a slot once it is no longer being claimed, or CLAIMED when
 * its writer did not finish in time (it may have died). */
static uint32_t settled(struct slot *s)
{
	uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	int i;

	for (i = 0; st == SLOT_CLAIMED && i < CLAIM_WAIT; i++)
		st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	return st;
}

/* The slot of key, claimed for it when it has none; NULL when every slot
 * holds another series. */
static struct slot *slot_of(struct table *t, const char *key, size_t len)
{
	uint32_t h = aig_metrics_key_hash(key), i;

	for (i = 0; i < AIG_METRICS_SLOTS; i++) {
		struct slot *s = &t->slot[(h + i) % AIG_METRICS_SLOTS];
		uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);

		if (st == SLOT_EMPTY &&
		    __atomic_compare_exchange_n(&s->state, &st, SLOT_CLAIMED,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_ACQUIRE)) {
			s->hash = h;
			memset(s->key, 0, sizeof(s->key));
			memcpy(s->key, key, len);
			__atomic_store_n(&s->state, SLOT_READY,
					 __ATOMIC_RELEASE);
			return s;
		}
		if (st == SLOT_CLAIMED)
			st = settled(s);
		if (st == SLOT_READY && holds(s, h, key, len))
			return s;
	}
	return NULL;
}

static int add(struct table *t, const char *key, uint64_t n,
	       struct aig_error *err)
{
	size_t len = strlen(key);
	struct slot *s;

	if (n == 0)
		return AIG_OK;
	if (len >= AIG_METRICS_KEY_MAX || (s = slot_of(t, key, len)) == NULL)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "metrics: no slot left for %.80s (%d "
				     "series at most)",
				     key, AIG_METRICS_SLOTS);
	__atomic_fetch_add(&s->value, n, __ATOMIC_RELAXED);
	return AIG_OK;
}

/* "aigate_requests_total{decision=\"D\",status=\"N\"}" into key. */
static void requests_key(char key[AIG_METRICS_KEY_MAX], bool allowed,
			 int status)
{
	static const char head[] = "aigate_requests_total{decision=\"";
	size_t n = sizeof(head) - 1;

	memcpy(key, head, n);
	memcpy(key + n, allowed ? "allow" : "deny", allowed ? 5 : 4);
	n += allowed ? 5 : 4;
	memcpy(key + n, "\",status=\"", 10);
	n += 10;
	n += aig_decimal(key + n, status);
	memcpy(key + n, "\"}", 3);
}

/* The count goes first: a scrape between the two adds then sees the
 * request in +Inf only, which a histogram allows (not the reverse). */
int aig_metrics_add(struct aig_metrics *m, const struct aig_metrics_sample *s,
		    struct aig_error *err)
{
	char key[AIG_METRICS_KEY_MAX];
	double us = s->latency_ms > 0 ? s->latency_ms * 1000.0 : 0;
	struct table *t;
	size_t i;
	int rc;

	if ((rc = aig_mapfile_current(&m->mf, false, err)) != AIG_OK)
		return rc;
	t = table_of(m); /* after the look: it may have mapped a new file */
	requests_key(key, s->allowed, s->status);
	rc = add(t, key, 1, err);
	if (rc == AIG_OK)
		rc = add(t, "aigate_request_duration_ms_count", 1, err);
	for (i = 0; rc == AIG_OK && i < N_BUCKETS; i++)
		if (s->latency_ms <= latency_buckets[i].le) {
			rc = add(t, latency_buckets[i].key, 1, err);
			break;
		}
	if (rc == AIG_OK)
		rc = add(t, "aigate_request_duration_us_sum",
			 us < 1e15 ? (uint64_t)us : 0, err);
	if (rc == AIG_OK)
		rc = add(t, "aigate_rate_limited_total", s->rate_limited, err);
	if (rc == AIG_OK)
		rc = add(t, "aigate_backend_errors_total", s->backend_error,
			 err);
	for (i = 0; rc == AIG_OK && i < s->n_extra; i++)
		rc = add(t, s->extra[i].key, s->extra[i].n, err);
	return rc;
}

/* ------------------------------------------------------------ the text */

/* The published series, copied out, in key order, one entry per key. */
struct series {
	char key[AIG_METRICS_KEY_MAX];
	uint64_t n;
};

struct snapshot {
	struct series *s;
	size_t n;
};

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct series *)a)->key,
		      ((const struct series *)b)->key);
}

static int take_snapshot(struct table *t, struct snapshot *snap)
{
	size_t i, n = 0;

	snap->s = calloc(AIG_METRICS_SLOTS, sizeof(*snap->s));
	if (snap->s == NULL)
		return AIG_ERR_NOMEM;
	for (i = 0; i < AIG_METRICS_SLOTS; i++) {
		struct slot *s = &t->slot[i];

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_READY)
			continue;
		memcpy(snap->s[n].key, s->key, sizeof(s->key));
		if (memchr(snap->s[n].key, '\0', sizeof(s->key)) == NULL)
			continue; /* damaged: skipped (checked on the copy) */
		snap->s[n++].n = __atomic_load_n(&s->value, __ATOMIC_RELAXED);
	}
	qsort(snap->s, n, sizeof(*snap->s), by_key);
	snap->n = 0;
	for (i = 0; i < n; i++) /* a series in two slots: added together */
		if (snap->n > 0 &&
		    strcmp(snap->s[snap->n - 1].key, snap->s[i].key) == 0)
			snap->s[snap->n - 1].n += snap->s[i].n;
		else
			snap->s[snap->n++] = snap->s[i];
	return AIG_OK;
}

/* The value of key, 0 when absent. */
static uint64_t get(const struct snapshot *snap, const char *key)
{
	struct series want, *hit;

	snprintf(want.key, sizeof(want.key), "%s", key);
	hit = bsearch(&want, snap->s, snap->n, sizeof(*snap->s), by_key);
	return hit != NULL ? hit->n : 0;
}

/* Every series whose key starts with prefix, in key order. */
static void print_prefix(const struct snapshot *snap, const char *prefix,
			 FILE *out)
{
	size_t i, len = strlen(prefix);

	for (i = 0; i < snap->n; i++)
		if (strncmp(snap->s[i].key, prefix, len) == 0)
			fprintf(out, "%s %llu\n", snap->s[i].key,
				(unsigned long long)snap->s[i].n);
}

/* The families of the extra counts (metrics_gate.c): labelled ones print
 * the series seen so far, bare ones always print (0 when none). */
static const char *const methods[] = {"{method=\"basic\"}",
				      "{method=\"bearer\"}", NULL};
static const char *const whys[] = {"{why=\"pattern\"}", "{why=\"untrusted\"}",
				   NULL};
static const char *const deps[] = {
	"{dependency=\"audit\"}",     "{dependency=\"directory\"}",
	"{dependency=\"issuer\"}",    "{dependency=\"quarantine\"}",
	"{dependency=\"ratelimit\"}", NULL};

/* Series of a fixed label set are written from 0, so that the first
 * increase after a start is seen by rate() and increase(). */
static const struct {
	const char *name, *help;
	bool bare;
	const char *const *fixed; /* label sets always written, or NULL */
} families[] = {
	{"aigate_denials_total", "Requests refused, by the error code.", 0,
	 NULL},
	{"aigate_denials_by_rule_total",
	 "Requests refused after a rule decided, by the rule.", 0, NULL},
	{"aigate_login_failures_total",
	 "Failed logins (bad password or token), by method.", 0, methods},
	{"aigate_prompt_pattern_hits_total",
	 "Prompt pattern matches, by list and pattern index.", 0, NULL},
	{"aigate_output_redactions_total",
	 "Matches replaced in backend answers by output rules.", 1, NULL},
	{"aigate_output_refused_total",
	 "Backend answers refused by output rules.", 1, NULL},
	{"aigate_quarantined_total", "Prompts quarantined for review.", 1,
	 NULL},
	{"aigate_sandboxed_total",
	 "Requests routed to the sandbox backend, by why.", 0, whys},
	{"aigate_dependency_unavailable_total",
	 "Requests refused because a dependency was down (directory, "
	 "issuer keys, rate limit store, quarantine, audit).",
	 0, deps},
	{"aigate_audit_write_failures_total",
	 "Audit records that could not be written.", 1, NULL},
};

/* The fixed series of family i that are not stored yet, as 0. */
static void print_fixed(const struct snapshot *snap, size_t i, FILE *out)
{
	const char *const *l = families[i].fixed;
	struct series want;

	for (; l != NULL && *l != NULL; l++) {
		snprintf(want.key, sizeof(want.key), "%s%s", families[i].name,
			 *l);
		if (bsearch(&want, snap->s, snap->n, sizeof(*snap->s),
			    by_key) == NULL)
			fprintf(out, "%s 0\n", want.key);
	}
}

/* The histogram: each range's count summed into the buckets at and above
 * it; +Inf is the count, or the buckets' sum if a scrape came between a
 * request's two adds. */
static void print_histogram(const struct snapshot *snap, FILE *out)
{
	uint64_t count = get(snap, "aigate_request_duration_ms_count"), sum = 0;
	size_t i;

	fputs("# HELP aigate_request_duration_ms Time in the gate, "
	      "milliseconds.\n# TYPE aigate_request_duration_ms histogram\n",
	      out);
	for (i = 0; i < N_BUCKETS; i++) {
		sum += get(snap, latency_buckets[i].key);
		fprintf(out, "%s %llu\n", latency_buckets[i].key,
			(unsigned long long)sum);
	}
	if (count < sum)
		count = sum;
	fprintf(out,
		"aigate_request_duration_ms_bucket{le=\"+Inf\"} %llu\n"
		"aigate_request_duration_ms_sum %.3f\n"
		"aigate_request_duration_ms_count %llu\n",
		(unsigned long long)count,
		(double)get(snap, "aigate_request_duration_us_sum") / 1e3,
		(unsigned long long)count);
}

/* Each family together, as the exposition format wants. */
static void render_all(const struct snapshot *snap, FILE *out)
{
	size_t i;
	char key[96];

	fputs("# HELP aigate_requests_total Requests by decision and HTTP "
	      "status.\n# TYPE aigate_requests_total counter\n",
	      out);
	print_prefix(snap, "aigate_requests_total{", out);
	print_histogram(snap, out);
	fprintf(out,
		"# HELP aigate_rate_limited_total Requests refused by a rate "
		"limit.\n# TYPE aigate_rate_limited_total counter\n"
		"aigate_rate_limited_total %llu\n"
		"# HELP aigate_backend_errors_total Backend failures (502, "
		"504).\n# TYPE aigate_backend_errors_total counter\n"
		"aigate_backend_errors_total %llu\n",
		(unsigned long long)get(snap, "aigate_rate_limited_total"),
		(unsigned long long)get(snap, "aigate_backend_errors_total"));
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s counter\n",
			families[i].name, families[i].help, families[i].name);
		snprintf(key, sizeof(key), "%s{", families[i].name);
		print_prefix(snap, key, out);
		print_fixed(snap, i, out);
		if (families[i].bare)
			fprintf(out, "%s %llu\n", families[i].name,
				(unsigned long long)get(snap,
							families[i].name));
	}
}

int aig_metrics_text(struct aig_metrics *m, char **text, struct aig_error *err)
{
	struct snapshot snap = {NULL, 0};
	size_t len = 0;
	FILE *out;

	int rc;

	*text = NULL;
	if ((rc = aig_mapfile_current(&m->mf, true, err)) != AIG_OK)
		return rc;
	if (take_snapshot(table_of(m), &snap) != AIG_OK)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	out = open_memstream(text, &len);
	if (out == NULL) {
		free(snap.s);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	render_all(&snap, out);
	free(snap.s);
	if (fclose(out) != 0) {
		free(*text);
		*text = NULL;
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	return AIG_OK;
}
