/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c - counters for /_aigate/metrics (Prometheus text), kept in
 * LMDB under state_dir so that every gate process adds to the same ones.
 *
 * Keys are the series' names with their labels, values 64-bit counters
 * (latency sums in microseconds). A process adds its requests up in
 * memory and writes them in one transaction (LMDB serialises writers
 * across processes): a CGI process when it ends, a FastCGI process every
 * AIG_METRICS_BATCH requests or AIG_METRICS_BATCH_S seconds, and whenever
 * it is idle. One write per request cost about 5 us of the gate's
 * decision (bench/bench_decision). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "aig_cgi.h"
#include "cgi_int.h"

#define METRICS_MAP_SIZE (16u << 20)

static const double latency_buckets_ms[] = {1,	  2.5,	5,     10,    25,
					    50,	  100,	250,   500,   1000,
					    2500, 5000, 10000, 30000, 120000};
#define N_BUCKETS (sizeof(latency_buckets_ms) / sizeof(latency_buckets_ms[0]))

static int mfail(struct aig_error *err, const char *what, int rc)
{
	return aig_error_set(err, AIG_ERR_UNAVAILABLE, "metrics: %s: %s", what,
			     mdb_strerror(rc));
}

static int add(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t n)
{
	MDB_val k = {strlen(key), (void *)(uintptr_t)key}, v;
	uint64_t cur = 0;
	int rc = mdb_get(txn, dbi, &k, &v);

	if (rc == 0 && v.mv_size == sizeof(cur))
		memcpy(&cur, v.mv_data, sizeof(cur));
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	cur += n;
	v.mv_size = sizeof(cur);
	v.mv_data = &cur;
	return mdb_put(txn, dbi, &k, &v, 0);
}

/* What this process counted and has not written yet: requests are
 * added up here and written in one transaction (aig_metrics.h). */
#define STATUS_KINDS 16
#define EXTRA_KINDS 64

struct pending {
	unsigned samples;
	struct timespec first; /* when the first of them was counted */
	struct {
		bool allowed;
		int status;
		uint64_t n;
	} by_status[STATUS_KINDS];
	size_t nstatus;
	uint64_t buckets[N_BUCKETS];
	uint64_t count, sum_us, rate_limited, backend_errors;
	struct {
		char key[AIG_METRICS_KEY_MAX];
		uint64_t n;
	} extra[EXTRA_KINDS];
	size_t nextra;
};

struct aig_metrics {
	MDB_env *env;
	MDB_dbi dbi;
	struct pending p;
};

/* Writes the pending counts into the transaction. */
static int write_pending(MDB_txn *txn, MDB_dbi dbi, const struct pending *p)
{
	char key[160];
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < p->nstatus; i++) {
		snprintf(key, sizeof(key),
			 "aigate_requests_total{decision=\"%s\",status=\"%d\"}",
			 p->by_status[i].allowed ? "allow" : "deny",
			 p->by_status[i].status);
		rc = add(txn, dbi, key, p->by_status[i].n);
	}
	for (i = 0; rc == 0 && i < N_BUCKETS; i++) {
		if (p->buckets[i] == 0)
			continue;
		snprintf(key, sizeof(key),
			 "aigate_request_duration_ms_bucket{le=\"%g\"}",
			 latency_buckets_ms[i]);
		rc = add(txn, dbi, key, p->buckets[i]);
	}
	if (rc == 0)
		rc = add(txn, dbi, "aigate_request_duration_ms_count",
			 p->count);
	if (rc == 0)
		rc = add(txn, dbi, "aigate_request_duration_us_sum", p->sum_us);
	if (rc == 0 && p->rate_limited)
		rc = add(txn, dbi, "aigate_rate_limited_total",
			 p->rate_limited);
	if (rc == 0 && p->backend_errors)
		rc = add(txn, dbi, "aigate_backend_errors_total",
			 p->backend_errors);
	for (i = 0; rc == 0 && i < p->nextra; i++)
		rc = add(txn, dbi, p->extra[i].key, p->extra[i].n);
	return rc;
}

/* The slot of key among the pending extra counts, or -1 when full. */
static int extra_slot(struct pending *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->nextra; i++)
		if (strcmp(p->extra[i].key, key) == 0)
			return (int)i;
	if (p->nextra == EXTRA_KINDS)
		return -1;
	snprintf(p->extra[p->nextra].key, sizeof(p->extra[0].key), "%s", key);
	p->extra[p->nextra].n = 0;
	return (int)p->nextra++;
}

/* A sample's extra counts: all, or none when they do not fit (then the
 * caller writes what is pending and tries again). */
static bool add_extra(struct pending *p, const struct aig_metrics_sample *s)
{
	size_t i, fresh = 0;

	for (i = 0; i < s->n_extra; i++) {
		size_t j;

		for (j = 0; j < p->nextra; j++)
			if (strcmp(p->extra[j].key, s->extra[i].key) == 0)
				break;
		fresh += j == p->nextra;
	}
	if (p->nextra + fresh > EXTRA_KINDS)
		return false;
	for (i = 0; i < s->n_extra; i++)
		p->extra[extra_slot(p, s->extra[i].key)].n += s->extra[i].n;
	return true;
}

int aig_metrics_open(const char *state_dir, struct aig_metrics **out,
		     struct aig_error *err)
{
	struct aig_metrics *m = calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (m == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rc = aig_state_open(state_dir, "metrics", METRICS_MAP_SIZE, &m->env,
			    &m->dbi, err);
	if (rc != AIG_OK) {
		free(m);
		return rc;
	}
	*out = m;
	return AIG_OK;
}

int aig_metrics_flush(struct aig_metrics *m, struct aig_error *err)
{
	MDB_txn *txn = NULL;
	int rc;

	if (m->p.samples == 0)
		return AIG_OK;
	if ((rc = mdb_txn_begin(m->env, NULL, 0, &txn)) != 0 ||
	    (rc = write_pending(txn, m->dbi, &m->p)) != 0) {
		if (txn != NULL)
			mdb_txn_abort(txn);
		return mfail(err, "update", rc);
	}
	rc = mdb_txn_commit(txn);
	memset(&m->p, 0, sizeof(m->p));
	return rc == 0 ? AIG_OK : mfail(err, "commit", rc);
}

void aig_metrics_close(struct aig_metrics *m)
{
	struct aig_error err = {0};

	if (m == NULL)
		return;
	if (aig_metrics_flush(m, &err) != AIG_OK)
		syslog(LOG_ERR, "%s", err.msg);
	mdb_env_close(m->env);
	free(m);
}

/* The slot of (allowed, status) among the pending counts, or -1 when all
 * slots hold other pairs. */
static int status_slot(struct pending *p, bool allowed, int status)
{
	size_t i;

	for (i = 0; i < p->nstatus; i++)
		if (p->by_status[i].allowed == allowed &&
		    p->by_status[i].status == status)
			return (int)i;
	if (p->nstatus == STATUS_KINDS)
		return -1;
	p->by_status[p->nstatus].allowed = allowed;
	p->by_status[p->nstatus].status = status;
	return (int)p->nstatus++;
}

/* Due after AIG_METRICS_BATCH samples or AIG_METRICS_BATCH_S seconds since
 * the first, counted in full: whole seconds alone would call a batch begun
 * at x.999 s due at x+1.000 (and made test_cgi_state fail now and then). */
static bool due(const struct pending *p)
{
	struct timespec now;
	double elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = (double)(now.tv_sec - p->first.tv_sec) +
		  (double)(now.tv_nsec - p->first.tv_nsec) / 1e9;
	return p->samples >= AIG_METRICS_BATCH ||
	       elapsed >= AIG_METRICS_BATCH_S;
}

int aig_metrics_add(struct aig_metrics *m, const struct aig_metrics_sample *s,
		    struct aig_error *err)
{
	struct pending *p = &m->p;
	int slot = status_slot(p, s->allowed, s->status);
	size_t i;

	if (slot < 0 || !add_extra(p, s)) { /* full: write what is there */
		int rc = aig_metrics_flush(m, err);

		if (rc != AIG_OK)
			return rc;
		slot = status_slot(p, s->allowed, s->status);
		add_extra(p, s);
	}
	if (p->samples++ == 0)
		clock_gettime(CLOCK_MONOTONIC, &p->first);
	p->by_status[slot].n++;
	for (i = 0; i < N_BUCKETS; i++)
		if (s->latency_ms <= latency_buckets_ms[i])
			p->buckets[i]++;
	p->count++;
	p->sum_us += (uint64_t)(s->latency_ms * 1000.0);
	p->rate_limited += s->rate_limited;
	p->backend_errors += s->backend_error;
	return due(p) ? aig_metrics_flush(m, err) : AIG_OK;
}

/* The value of key, 0 when absent. */
static uint64_t get(MDB_txn *txn, MDB_dbi dbi, const char *key)
{
	MDB_val k = {strlen(key), (void *)(uintptr_t)key}, v;
	uint64_t n = 0;

	if (mdb_get(txn, dbi, &k, &v) == 0 && v.mv_size == sizeof(n))
		memcpy(&n, v.mv_data, sizeof(n));
	return n;
}

/* Every series whose key starts with prefix, in key order. */
static int print_prefix(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
			FILE *out)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {strlen(prefix), (void *)(uintptr_t)prefix}, v;
	MDB_cursor_op op = MDB_SET_RANGE;
	uint64_t n;
	int rc = mdb_cursor_open(txn, dbi, &cur);

	if (rc != 0)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size < strlen(prefix) ||
		    memcmp(k.mv_data, prefix, strlen(prefix)) != 0)
			break;
		if (v.mv_size != sizeof(n))
			continue;
		memcpy(&n, v.mv_data, sizeof(n));
		fprintf(out, "%.*s %llu\n", (int)k.mv_size,
			(const char *)k.mv_data, (unsigned long long)n);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : rc;
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
static void print_fixed(MDB_txn *txn, MDB_dbi dbi, size_t i, FILE *out)
{
	const char *const *l = families[i].fixed;
	char key[AIG_METRICS_KEY_MAX];
	MDB_val k, v;

	for (; l != NULL && *l != NULL; l++) {
		snprintf(key, sizeof(key), "%s%s", families[i].name, *l);
		k.mv_size = strlen(key);
		k.mv_data = key;
		if (mdb_get(txn, dbi, &k, &v) != 0)
			fprintf(out, "%s 0\n", key);
	}
}

/* Each family together, as the exposition format wants. */
static int render_all(MDB_txn *txn, MDB_dbi dbi, FILE *out)
{
	uint64_t count = get(txn, dbi, "aigate_request_duration_ms_count");
	size_t i;
	char key[96];
	int rc;

	fputs("# HELP aigate_requests_total Requests by decision and HTTP "
	      "status.\n# TYPE aigate_requests_total counter\n",
	      out);
	if ((rc = print_prefix(txn, dbi, "aigate_requests_total{", out)) != 0)
		return rc;
	fputs("# HELP aigate_request_duration_ms Time in the gate, "
	      "milliseconds.\n# TYPE aigate_request_duration_ms histogram\n",
	      out);
	for (i = 0; i < N_BUCKETS; i++) {
		snprintf(key, sizeof(key),
			 "aigate_request_duration_ms_bucket{le=\"%g\"}",
			 latency_buckets_ms[i]);
		fprintf(out, "%s %llu\n", key,
			(unsigned long long)get(txn, dbi, key));
	}
	fprintf(out,
		"aigate_request_duration_ms_bucket{le=\"+Inf\"} %llu\n"
		"aigate_request_duration_ms_sum %.3f\n"
		"aigate_request_duration_ms_count %llu\n",
		(unsigned long long)count,
		(double)get(txn, dbi, "aigate_request_duration_us_sum") / 1e3,
		(unsigned long long)count);
	fprintf(out,
		"# HELP aigate_rate_limited_total Requests refused by a rate "
		"limit.\n# TYPE aigate_rate_limited_total counter\n"
		"aigate_rate_limited_total %llu\n"
		"# HELP aigate_backend_errors_total Backend failures (502, "
		"504).\n# TYPE aigate_backend_errors_total counter\n"
		"aigate_backend_errors_total %llu\n",
		(unsigned long long)get(txn, dbi, "aigate_rate_limited_total"),
		(unsigned long long)get(txn, dbi,
					"aigate_backend_errors_total"));
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s counter\n",
			families[i].name, families[i].help, families[i].name);
		snprintf(key, sizeof(key), "%s{", families[i].name);
		if ((rc = print_prefix(txn, dbi, key, out)) != 0)
			return rc;
		print_fixed(txn, dbi, i, out);
		snprintf(key, sizeof(key), "%s", families[i].name);
		if (families[i].bare)
			fprintf(out, "%s %llu\n", key,
				(unsigned long long)get(txn, dbi, key));
	}
	return 0;
}

int aig_metrics_text(struct aig_metrics *m, char **text, struct aig_error *err)
{
	MDB_txn *txn = NULL;
	size_t len = 0;
	FILE *out;
	int rc;

	*text = NULL;
	rc = aig_metrics_flush(m, err); /* this process's counts too */
	if (rc != AIG_OK)
		return rc;
	out = open_memstream(text, &len);
	if (out == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn)) == 0)
		rc = render_all(txn, m->dbi, out);
	if (txn != NULL)
		mdb_txn_abort(txn);
	fclose(out);
	if (rc != 0) {
		free(*text);
		*text = NULL;
		return mfail(err, "read", rc);
	}
	return AIG_OK;
}
