/* metrics.c - counters for /_aigate/metrics (Prometheus text), kept in
 * LMDB under state_dir so that every CGI process adds to the same ones.
 *
 * Keys are the series' names with their labels, values 64-bit counters
 * (latency sums in microseconds). One write transaction per request;
 * LMDB serialises writers across processes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The series one request adds to. */
static int add_sample(MDB_txn *txn, MDB_dbi dbi,
		      const struct aig_metrics_sample *s)
{
	char key[160];
	size_t i;
	int rc;

	snprintf(key, sizeof(key),
		 "aigate_requests_total{decision=\"%s\",status=\"%d\"}",
		 s->allowed ? "allow" : "deny", s->status);
	if ((rc = add(txn, dbi, key, 1)) != 0)
		return rc;
	for (i = 0; i < N_BUCKETS; i++) {
		if (s->latency_ms > latency_buckets_ms[i])
			continue;
		snprintf(key, sizeof(key),
			 "aigate_request_duration_ms_bucket{le=\"%g\"}",
			 latency_buckets_ms[i]);
		if ((rc = add(txn, dbi, key, 1)) != 0)
			return rc;
	}
	if ((rc = add(txn, dbi, "aigate_request_duration_ms_count", 1)) != 0 ||
	    (rc = add(txn, dbi, "aigate_request_duration_us_sum",
		      (uint64_t)(s->latency_ms * 1000.0))) != 0)
		return rc;
	if (s->rate_limited &&
	    (rc = add(txn, dbi, "aigate_rate_limited_total", 1)) != 0)
		return rc;
	if (s->backend_error &&
	    (rc = add(txn, dbi, "aigate_backend_errors_total", 1)) != 0)
		return rc;
	return 0;
}

struct aig_metrics {
	MDB_env *env;
	MDB_dbi dbi;
};

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

void aig_metrics_close(struct aig_metrics *m)
{
	if (m == NULL)
		return;
	mdb_env_close(m->env);
	free(m);
}

int aig_metrics_add(struct aig_metrics *m, const struct aig_metrics_sample *s,
		    struct aig_error *err)
{
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = mdb_txn_begin(m->env, NULL, 0, &txn)) != 0 ||
	    (rc = add_sample(txn, m->dbi, s)) != 0) {
		if (txn != NULL)
			mdb_txn_abort(txn);
		return mfail(err, "update", rc);
	}
	rc = mdb_txn_commit(txn);
	return rc == 0 ? AIG_OK : mfail(err, "commit", rc);
}

int aig_metrics_record(const char *state_dir,
		       const struct aig_metrics_sample *s,
		       struct aig_error *err)
{
	struct aig_metrics *m = NULL;
	int rc = aig_metrics_open(state_dir, &m, err);

	if (rc == AIG_OK)
		rc = aig_metrics_add(m, s, err);
	aig_metrics_close(m);
	return rc;
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
	return 0;
}

int aig_metrics_text(struct aig_metrics *m, char **text, struct aig_error *err)
{
	MDB_txn *txn = NULL;
	size_t len = 0;
	FILE *out;
	int rc;

	*text = NULL;
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

int aig_metrics_render(const char *state_dir, char **text,
		       struct aig_error *err)
{
	struct aig_metrics *m = NULL;
	int rc = aig_metrics_open(state_dir, &m, err);

	*text = NULL;
	if (rc == AIG_OK)
		rc = aig_metrics_text(m, text, err);
	aig_metrics_close(m);
	return rc;
}
