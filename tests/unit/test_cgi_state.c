/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgi_state.c - the gate's shared state: token buckets in LMDB, the
 * metrics counters and their Prometheus text, and recovery from a state
 * file that a crash left unreadable. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_cgi.h"
#include "cgi_int.h"
#include "aig_test.h"

static char dir[] = "/tmp/aig-test-state-XXXXXX";

static struct aig_config *config_store(const char *store)
{
	return aig_test_config(
		"{\"ldap\": {\"uri\": [\"ldaps://x\"], \"domain\": \"d\", "
		"\"base_dn\": \"DC=d\"}, \"auth\": {\"methods\": [\"basic\"]},"
		" \"backend\": {\"url\": \"http://127.0.0.1:1\"}, "
		"\"policy_file\": \"/p.json\", \"state_dir\": \"%s\", "
		"\"ratelimit\": {\"store\": \"%s\"}}",
		dir, store);
}

static struct aig_config *config(void)
{
	return config_store("lmdb");
}

static void test_buckets(const struct aig_config *cfg)
{
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	unsigned retry = 0, i, allowed_n = 0;
	bool allowed;

	struct stat st;
	char path[256];

	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK, "open the store (%s)",
	   err.msg);
	snprintf(path, sizeof(path), "%s/ratelimit.mdb", dir);
	ok(stat(path, &st) == 0 && st.st_size > 0 &&
		   st.st_blocks * 512 >= st.st_size,
	   "its blocks are reserved (a full disk cannot fault a write into "
	   "the map)");
	for (i = 0; i < 5; i++) {
		ok(aig_ratelimit_take(rl, "inference", "bob", 60, 3, &allowed,
				      &retry, &err) == AIG_OK,
		   "take %u", i);
		allowed_n += allowed;
	}
	ok(allowed_n == 3, "burst 3: 3 of 5 quick takes allowed (%u)",
	   allowed_n);
	ok(!allowed && retry == 1, "then refused with Retry-After 1 (%u)",
	   retry);
	ok(aig_ratelimit_take(rl, "inference", "alice", 60, 3, &allowed, &retry,
			      &err) == AIG_OK &&
		   allowed,
	   "another user has a bucket of her own");
	ok(aig_ratelimit_take(rl, "admins", "bob", 60, 3, &allowed, &retry,
			      &err) == AIG_OK &&
		   allowed,
	   "another rule has a bucket of its own");
	ok(aig_ratelimit_take(rl, "inference", "carol", 1, 1, &allowed, &retry,
			      &err) == AIG_OK &&
		   allowed &&
		   aig_ratelimit_take(rl, "inference", "carol", 1, 1, &allowed,
				      &retry, &err) == AIG_OK &&
		   !allowed && retry >= 59 && retry <= 60,
	   "1 a minute: Retry-After about 60 s (%u)", retry);
	aig_ratelimit_close(rl);
	rl = NULL;
	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK &&
		   aig_ratelimit_take(rl, "inference", "bob", 60, 3, &allowed,
				      &retry, &err) == AIG_OK &&
		   !allowed,
	   "the bucket is kept across opens (processes)");
	aig_ratelimit_close(rl);
}

/* A redis:// store: with Redis built in, a server that is not there is an
 * outage (the gate answers 503); built without Redis (configure
 * --without-redis), it is a configuration error that says so. */
static void test_redis_store(void)
{
	struct aig_config *cfg = config_store("redis://127.0.0.1:1/0");
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	int rc = aig_ratelimit_open(cfg, &rl, &err);

#ifdef HAVE_HIREDIS
	ok(rc == AIG_ERR_UNAVAILABLE && rl == NULL,
	   "redis store, no server: unavailable (%s)", err.msg);
#else
	ok(rc == AIG_ERR_CONFIG && rl == NULL &&
		   strstr(err.msg, "built without Redis") != NULL,
	   "redis store in a build without Redis: configuration error (%s)",
	   err.msg);
#endif
	aig_ratelimit_close(rl);
	aig_config_free(cfg);
}

/* Taking and giving back: a token given back is there again, never more
 * than burst. */
static void test_give_back(const struct aig_config *cfg)
{
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	unsigned retry = 0, i, n = 0;
	bool allowed = false;

	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK, "open (%s)", err.msg);
	for (i = 0; i < 2; i++)
		aig_ratelimit_take(rl, "!f", "dave", 1, 2, &allowed, &retry,
				   &err);
	ok(aig_ratelimit_give_back(rl, "!f", "dave", 1, 2, &err) == AIG_OK &&
		   aig_ratelimit_take(rl, "!f", "dave", 1, 2, &allowed, &retry,
				      &err) == AIG_OK &&
		   allowed,
	   "a token given back can be taken again");
	for (i = 0; i < 5; i++)
		aig_ratelimit_give_back(rl, "!f", "erin", 1, 2, &err);
	for (i = 0; i < 4; i++) {
		aig_ratelimit_take(rl, "!f", "erin", 1, 2, &allowed, &retry,
				   &err);
		n += allowed;
	}
	ok(n == 2, "giving back never fills a bucket above burst (%u)", n);
	aig_ratelimit_close(rl);
}

/* A map full of buckets: those that have refilled are swept and the take
 * succeeds; one still spent survives the sweep. (Before, every take failed
 * with MDB_MAP_FULL once the map was full: every rate-limited request was
 * 503 for good.) */
static void test_full_map(void)
{
	char sub[300], user[32];
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	unsigned retry = 0, i, failed = 0;
	bool allowed = false;

	snprintf(sub, sizeof(sub), "%s/small", dir);
	mkdir(sub, 0700);
	ok(aig_ratelimit_open_lmdb(sub, 256u << 10, &rl, &err) == AIG_OK,
	   "open a 256 KiB store (%s)", err.msg);
	ok(aig_ratelimit_take(rl, "slow", "hot", 1, 1, &allowed, &retry,
			      &err) == AIG_OK &&
		   allowed,
	   "a bucket of 1 a minute is spent");
	/* 600000 a minute: each bucket is full again 0.1 ms after its take. */
	for (i = 0; i < 6000; i++) {
		snprintf(user, sizeof(user), "user-%u", i);
		if (aig_ratelimit_take(rl, "fast", user, 600000, 1, &allowed,
				       &retry, &err) != AIG_OK ||
		    !allowed)
			failed++;
	}
	ok(failed == 0,
	   "6000 users' buckets (more than the map holds) all taken: %u "
	   "failed (%s)",
	   failed, err.msg);
	ok(aig_ratelimit_take(rl, "slow", "hot", 1, 1, &allowed, &retry,
			      &err) == AIG_OK &&
		   !allowed && retry >= 30,
	   "the spent bucket was not swept: still refused (%u s)", retry);
	aig_ratelimit_close(rl);
}

/* One request's counts, as a CGI process adds them: open, add, close. */
static int record(const struct aig_metrics_sample *s, struct aig_error *err)
{
	struct aig_metrics *m = NULL;
	int rc = aig_metrics_open(dir, &m, err);

	if (rc == AIG_OK)
		rc = aig_metrics_add(m, s, err);
	aig_metrics_close(m);
	return rc;
}

static int render(char **text, struct aig_error *err)
{
	struct aig_metrics *m = NULL;
	int rc = aig_metrics_open(dir, &m, err);

	*text = NULL;
	if (rc == AIG_OK)
		rc = aig_metrics_text(m, text, err);
	aig_metrics_close(m);
	return rc;
}

static void test_metrics(void)
{
	struct aig_metrics_sample a = {true, 200, 3.2, false, false};
	struct aig_metrics_sample d = {false, 429, 0.8, true, false};
	struct aig_metrics_sample b = {true, 504, 2100, false, true};
	struct aig_error err = {0};
	char *text = NULL;

	ok(record(&a, &err) == AIG_OK && record(&a, &err) == AIG_OK &&
		   record(&d, &err) == AIG_OK && record(&b, &err) == AIG_OK,
	   "four processes record a request each (%s)", err.msg);
	ok(render(&text, &err) == AIG_OK && text != NULL, "render");
	if (text == NULL)
		return;
	ok(strstr(text, "aigate_requests_total{decision=\"allow\","
			"status=\"200\"} 2\n") != NULL,
	   "allowed 200 counted twice");
	ok(strstr(text, "aigate_requests_total{decision=\"deny\","
			"status=\"429\"} 1\n") != NULL,
	   "denied 429 counted");
	ok(strstr(text, "aigate_request_duration_ms_bucket{le=\"1\"} 1\n") &&
		   strstr(text,
			  "aigate_request_duration_ms_bucket{le=\"5\"} 3\n") &&
		   strstr(text, "aigate_request_duration_ms_bucket{le=\"+Inf\"}"
				" 4\n") &&
		   strstr(text, "aigate_request_duration_ms_count 4\n"),
	   "cumulative latency buckets");
	ok(strstr(text, "aigate_rate_limited_total 1\n") &&
		   strstr(text, "aigate_backend_errors_total 1\n"),
	   "rate-limited and backend-error counters");
	ok(strstr(text, "# TYPE aigate_request_duration_ms histogram\n") !=
		   NULL,
	   "TYPE lines");
	free(text);
}

/* A process adds its requests up in memory and writes them in batches:
 * another process sees them once written, none lost, none twice. */
static void test_metrics_batched(void)
{
	struct aig_metrics_sample a = {true, 201, 1.5, false, false};
	struct aig_metrics *m = NULL, *other = NULL;
	struct aig_error err = {0};
	char *text = NULL, want[128];
	int i;
	bool ok_add = true;

	ok(aig_metrics_open(dir, &m, &err) == AIG_OK &&
		   aig_metrics_open(dir, &other, &err) == AIG_OK,
	   "two handles on the metrics (%s)", err.msg);
	if (m == NULL || other == NULL)
		return;
	for (i = 0; i < 3; i++)
		ok_add &= aig_metrics_add(m, &a, &err) == AIG_OK;
	ok(ok_add && aig_metrics_text(other, &text, &err) == AIG_OK &&
		   strstr(text, "status=\"201\"") == NULL,
	   "three requests counted in memory are not written yet");
	free(text);
	for (i = 3; i < AIG_METRICS_BATCH; i++)
		ok_add &= aig_metrics_add(m, &a, &err) == AIG_OK;
	snprintf(want, sizeof(want),
		 "aigate_requests_total{decision=\"allow\",status=\"201\"} "
		 "%d\n",
		 AIG_METRICS_BATCH);
	ok(ok_add && aig_metrics_text(other, &text, &err) == AIG_OK &&
		   strstr(text, want) != NULL,
	   "a full batch (%d) is written at once", AIG_METRICS_BATCH);
	free(text);
	ok_add &= aig_metrics_add(m, &a, &err) == AIG_OK;
	aig_metrics_close(m);
	snprintf(want, sizeof(want),
		 "aigate_requests_total{decision=\"allow\",status=\"201\"} "
		 "%d\n",
		 AIG_METRICS_BATCH + 1);
	ok(ok_add && aig_metrics_text(other, &text, &err) == AIG_OK &&
		   strstr(text, want) != NULL,
	   "closing writes the rest");
	free(text);
	aig_metrics_close(other);
}

static void test_recovery(const struct aig_config *cfg)
{
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	char path[256];
	unsigned retry;
	bool allowed;

	snprintf(path, sizeof(path), "%s/ratelimit.mdb", dir);
	aig_test_write(path, "garbage, not an LMDB file......", 31, 0600);
	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK &&
		   aig_ratelimit_take(rl, "inference", "bob", 60, 3, &allowed,
				      &retry, &err) == AIG_OK &&
		   allowed,
	   "an unreadable state file is made again (%s)", err.msg);
	aig_ratelimit_close(rl);
}

int main(void)
{
	struct aig_config *cfg;
	aig_test_tmpdir(dir);
	cfg = config();
	test_buckets(cfg);
	test_give_back(cfg);
	test_redis_store();
	test_full_map();
	test_metrics();
	test_metrics_batched();
	test_recovery(cfg);
	aig_config_free(cfg);
	return tap_done();
}
