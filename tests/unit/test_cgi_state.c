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
#include <sys/wait.h>
#include <time.h>
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

	char old[300];

	/* the LMDB file of the older format goes when the new file is made */
	snprintf(old, sizeof(old), "%s/metrics.mdb", dir);
	aig_test_write(old, "x", 1, 0600);
	ok(record(&a, &err) == AIG_OK && record(&a, &err) == AIG_OK &&
		   record(&d, &err) == AIG_OK && record(&b, &err) == AIG_OK,
	   "four processes record a request each (%s)", err.msg);
	ok(access(old, F_OK) != 0, "metrics.mdb of the older format removed");
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

/* The text holds want, found with strstr. */
static bool text_has(struct aig_metrics *m, const char *want)
{
	struct aig_error err = {0};
	char *text = NULL;
	bool found = aig_metrics_text(m, &text, &err) == AIG_OK &&
		     strstr(text, want) != NULL;

	free(text);
	return found;
}

/* A request added by one process is in another's text at once; several
 * processes adding at the same time lose nothing and count nothing twice. */
static void test_metrics_shared(void)
{
	struct aig_metrics_sample a = {true, 201, 1.5, false, false};
	struct aig_metrics *m = NULL, *other = NULL;
	struct aig_error err = {0};
	char want[160];
	int i, status, children_ok = 1;
	pid_t pid[4];

	ok(aig_metrics_open(dir, &m, &err) == AIG_OK &&
		   aig_metrics_open(dir, &other, &err) == AIG_OK,
	   "two handles on the metrics (%s)", err.msg);
	if (m == NULL || other == NULL)
		return;
	ok(aig_metrics_add(m, &a, &err) == AIG_OK &&
		   text_has(other, "aigate_requests_total{decision=\"allow\","
				   "status=\"201\"} 1\n"),
	   "one process's request is in the other's text at once");
	for (i = 0; i < 4; i++) {
		if ((pid[i] = fork()) == 0) {
			struct aig_metrics *c = NULL;
			struct aig_metrics_sample s = {true, 202, 7, false,
						       false};
			int n, bad = 0;

			/* each child adds 500 of 202 and 20 series of its own
			 */
			bad |= aig_metrics_open(dir, &c, &err) != AIG_OK;
			for (n = 0; !bad && n < 500; n++) {
				s.n_extra = n < 20;
				snprintf(s.extra[0].key, sizeof(s.extra[0].key),
					 "aigate_denials_total{reason=\"c%d"
					 "-%d\"}",
					 i, n);
				s.extra[0].n = 1;
				bad |= aig_metrics_add(c, &s, &err) != AIG_OK;
			}
			aig_metrics_close(c);
			_exit(bad);
		}
	}
	for (i = 0; i < 4; i++)
		children_ok &= pid[i] > 0 && waitpid(pid[i], &status, 0) > 0 &&
			       WIFEXITED(status) && WEXITSTATUS(status) == 0;
	ok(children_ok, "four processes added at the same time");
	ok(text_has(other, "aigate_requests_total{decision=\"allow\","
			   "status=\"202\"} 2000\n"),
	   "2000 requests from four processes: none lost, none twice");
	snprintf(want, sizeof(want),
		 "aigate_denials_total{reason=\"c3-19\"} 1\n");
	ok(text_has(other, want) &&
		   text_has(other, "aigate_denials_total{reason=\"c0-0\"} 1\n"),
	   "series claimed by different processes at once are all there");
	aig_metrics_close(m);
	aig_metrics_close(other);

	/* no file yet, four processes at once: they all end in one file */
	snprintf(want, sizeof(want), "%s/metrics.counters", dir);
	unlink(want);
	for (i = 0; i < 4; i++)
		if ((pid[i] = fork()) == 0) {
			struct aig_metrics *c = NULL;
			int bad = aig_metrics_open(dir, &c, &err) != AIG_OK ||
				  aig_metrics_add(c, &a, &err) != AIG_OK;

			aig_metrics_close(c);
			_exit(bad);
		}
	children_ok = 1;
	for (i = 0; i < 4; i++)
		children_ok &= pid[i] > 0 && waitpid(pid[i], &status, 0) > 0 &&
			       WIFEXITED(status) && WEXITSTATUS(status) == 0;
	m = NULL;
	ok(children_ok && aig_metrics_open(dir, &m, &err) == AIG_OK &&
		   text_has(m, "aigate_requests_total{decision=\"allow\","
			       "status=\"201\"} 4\n"),
	   "four processes making the file at once count in the same one");
	aig_metrics_close(m);
}

/* The slot a key is placed in first: the file's format (metrics.c). */
static size_t home_slot(const char *key)
{
	return aig_metrics_key_hash(key) % AIG_METRICS_SLOTS;
}

#define SLOT_SIZE (16 + AIG_METRICS_KEY_MAX)
#define SLOT_AT(i) (64 + (off_t)(i)*SLOT_SIZE)

/* A damaged or hostile file: a key with no NUL, a slot whose writer died
 * between claim and publish, another format, a mode that lets others in,
 * a symlink, and a table with no slot left. */
static void test_metrics_file(void)
{
	struct aig_metrics_sample a = {true, 203, 2, false, false};
	struct aig_metrics *m = NULL;
	struct aig_error err = {0};
	char path[300], link_to[300], buf[SLOT_SIZE];
	uint32_t state;
	int fd, i, rc = AIG_OK;
	const char *stuck = "aigate_requests_total{decision=\"allow\","
			    "status=\"203\"}";

	snprintf(path, sizeof(path), "%s/metrics.counters", dir);
	/* the slot where status 203 would go: claimed by a dead writer */
	fd = open(path, O_RDWR);
	state = 1;
	ok(fd >= 0 && pwrite(fd, &state, 4, SLOT_AT(home_slot(stuck))) == 4,
	   "a slot left claimed");
	/* a published slot with a key of no NUL */
	memset(buf, 'A', sizeof(buf));
	state = 2;
	memcpy(buf, &state, 4);
	ok(pwrite(fd, buf, sizeof(buf), SLOT_AT(home_slot(stuck) + 7)) ==
		   (ssize_t)sizeof(buf),
	   "a slot with a key of no NUL");
	close(fd);
	ok(aig_metrics_open(dir, &m, &err) == AIG_OK &&
		   aig_metrics_add(m, &a, &err) == AIG_OK &&
		   text_has(m, "status=\"203\"} 1\n") && !text_has(m, "AAAA"),
	   "the series goes past the claimed slot; the damaged key is not "
	   "read (%s)",
	   err.msg);
	aig_metrics_close(m);
	m = NULL;

	/* another format: replaced by an empty file */
	fd = open(path, O_RDWR);
	ok(fd >= 0 && pwrite(fd, "OLDFMT\n\n", 8, 0) == 8, "damage the header");
	close(fd);
	ok(aig_metrics_open(dir, &m, &err) == AIG_OK &&
		   !text_has(m, "status=\"203\"") &&
		   text_has(m, "aigate_request_duration_ms_count 0\n"),
	   "a file of another header is made again, empty (%s)", err.msg);
	aig_metrics_close(m);
	m = NULL;
	ok(truncate(path, 100) == 0 &&
		   aig_metrics_open(dir, &m, &err) == AIG_OK,
	   "a file of another size is made again (%s)", err.msg);
	aig_metrics_close(m);
	m = NULL;

	/* a mode that lets the group write: not used */
	aig_error_clear(&err);
	chmod(path, 0660);
	ok(aig_metrics_open(dir, &m, &err) == AIG_ERR_UNSAFE && m == NULL &&
		   strstr(err.msg, "mode 0600") != NULL,
	   "a group-writable file is refused: %s", err.msg);
	chmod(path, 0600);

	/* a symlink in its place: not followed */
	aig_error_clear(&err);
	snprintf(link_to, sizeof(link_to), "%s/elsewhere", dir);
	ok(rename(path, link_to) == 0 && symlink(link_to, path) == 0 &&
		   aig_metrics_open(dir, &m, &err) != AIG_OK && m == NULL,
	   "a symlink is not followed: %s", err.msg);
	unlink(path);
	unlink(link_to);

	/* every slot taken: an error, and the series already there count on */
	aig_error_clear(&err);
	ok(aig_metrics_open(dir, &m, &err) == AIG_OK, "a new file");
	for (i = 0; rc == AIG_OK && i < AIG_METRICS_SLOTS + 1; i++) {
		a.n_extra = 1;
		a.extra[0].n = 1;
		snprintf(a.extra[0].key, sizeof(a.extra[0].key),
			 "aigate_denials_by_rule_total{rule=\"r%d\"}", i);
		rc = aig_metrics_add(m, &a, &err);
	}
	ok(rc == AIG_ERR_UNAVAILABLE && strstr(err.msg, "no slot left"),
	   "a full table is an error after %d adds: %s", i, err.msg);
	a.n_extra = 0;
	ok(aig_metrics_add(m, &a, &err) == AIG_OK &&
		   text_has(m, "aigate_request_duration_ms_count"),
	   "series already in the table still count");
	aig_metrics_close(m);
}

/* The file deleted to start from zero: a process that keeps the map
 * (FastCGI) maps the new one at the next scrape, and within a second at
 * its next request; nothing is counted into the deleted file after that. */
static void test_metrics_reset(void)
{
	struct aig_metrics_sample a = {true, 204, 2, false, false};
	struct aig_metrics *m = NULL, *fresh = NULL;
	const struct timespec second = {1, 100 * 1000 * 1000};
	struct aig_error err = {0};
	char path[300];

	snprintf(path, sizeof(path), "%s/metrics.counters", dir);
	unlink(path); /* the table test before filled it */
	ok(aig_metrics_open(dir, &m, &err) == AIG_OK &&
		   aig_metrics_add(m, &a, &err) == AIG_OK &&
		   text_has(m, "status=\"204\"} 1\n"),
	   "a request counted (%s)", err.msg);
	if (m == NULL)
		return;
	ok(unlink(path) == 0 && !text_has(m, "status=\"204\"") &&
		   access(path, F_OK) == 0,
	   "deleted: the next scrape maps a new, empty file");
	ok(unlink(path) == 0, "deleted again");
	nanosleep(&second, NULL);
	ok(aig_metrics_add(m, &a, &err) == AIG_OK &&
		   aig_metrics_open(dir, &fresh, &err) == AIG_OK &&
		   text_has(fresh, "status=\"204\"} 1\n"),
	   "a second later, a request is counted in the new file (%s)",
	   err.msg);
	aig_metrics_close(fresh);
	aig_metrics_close(m);
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
	test_metrics_shared();
	test_metrics_file();
	test_metrics_reset();
	test_recovery(cfg);
	aig_config_free(cfg);
	return tap_done();
}
