/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgi_state.c - the gate's shared state: the token buckets
 * (ratelimit.buckets), the metrics counters and their Prometheus text,
 * and what each does with a file it cannot trust or a process that died
 * in the middle. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* Waits for the n children in pid; true when each exited with 0. */
static bool reap(const pid_t *pid, int n)
{
	int i, status;
	bool all = true;

	for (i = 0; i < n; i++)
		all &= pid[i] > 0 && waitpid(pid[i], &status, 0) > 0 &&
		       WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return all;
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
	snprintf(path, sizeof(path), "%s/ratelimit.buckets", dir);
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

/* A one-set store (AIG_RATELIMIT_WAYS buckets) in dir/name. */
static struct aig_ratelimit *one_set(const char *name)
{
	char sub[300];
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};

	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	mkdir(sub, 0700);
	ok(aig_ratelimit_open_local(sub, 1, &rl, &err) == AIG_OK,
	   "open a store of one set in %s (%s)", name, err.msg);
	return rl;
}

/* How many of n keys prefix-0.. take a token from rl (per_minute, burst
 * 1); pause_us between takes. */
static unsigned take_keys(struct aig_ratelimit *rl, const char *prefix,
			  unsigned n, unsigned per_minute, unsigned pause_us)
{
	struct aig_error err = {0};
	unsigned i, retry, taken = 0;
	char user[32];
	bool allowed;

	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "%s-%u", prefix, i);
		taken += aig_ratelimit_take(rl, "r", user, per_minute, 1,
					    &allowed, &retry, &err) == AIG_OK &&
			 allowed;
		if (pause_us > 0)
			usleep(pause_us);
	}
	return taken;
}

/* A key whose set is full of spending buckets is refused with an error
 * (the gate answers 503), and no spending bucket is dropped to make room;
 * buckets that have refilled make room for others. */
static void test_full_set(void)
{
	struct aig_ratelimit *rl = one_set("full");
	struct aig_error err = {0};
	unsigned retry = 0;
	bool allowed = false;
	int rc;

	if (rl == NULL)
		return;
	ok(take_keys(rl, "slow", AIG_RATELIMIT_WAYS, 1, 0) ==
		   AIG_RATELIMIT_WAYS,
	   "%u buckets of 1 a minute spent", AIG_RATELIMIT_WAYS);
	rc = aig_ratelimit_take(rl, "r", "newcomer", 1, 1, &allowed, &retry,
				&err);
	ok(rc == AIG_ERR_UNAVAILABLE && !allowed &&
		   strstr(err.msg, "all spending") != NULL,
	   "a new key in a full set: an error, not allowed (%s)", err.msg);
	ok(aig_ratelimit_give_back(rl, "r", "newcomer", 1, 1, &err) == AIG_OK,
	   "giving back to a bucket the store does not hold is nothing");
	ok(aig_ratelimit_take(rl, "r", "slow-0", 1, 1, &allowed, &retry,
			      &err) == AIG_OK &&
		   !allowed && retry >= 30,
	   "a spending bucket was never dropped: still refused (%u s)", retry);
	aig_ratelimit_close(rl);

	/* 600000 a minute: each bucket is full again 0.1 ms after its take */
	if ((rl = one_set("refill")) == NULL)
		return;
	ok(take_keys(rl, "fast", AIG_RATELIMIT_WAYS, 600000, 0) ==
		   AIG_RATELIMIT_WAYS,
	   "the set is spent by fast buckets");
	usleep(2000);
	ok(take_keys(rl, "next", 200, 600000, 200) == 200,
	   "they refilled: 200 more keys, one at a time, all taken");
	aig_ratelimit_close(rl);
}

/* Burst 1500, one a minute, four processes taking 500 each at once:
 * exactly 1500 allowed in all, none twice, none lost. */
static void test_buckets_shared(const struct aig_config *cfg)
{
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	int fds[2], i;
	bool children_ok;
	unsigned total = 0, n, retry;
	pid_t pid[4];
	bool allowed;

	if (pipe(fds) != 0)
		return;
	for (i = 0; i < 4; i++) {
		if ((pid[i] = fork()) == 0) {
			struct aig_ratelimit *c = NULL;
			unsigned got = 0, k;
			int bad = aig_ratelimit_open(cfg, &c, &err) != AIG_OK;

			for (k = 0; !bad && k < 500; k++) {
				bad |= aig_ratelimit_take(c, "shared", "fay", 1,
							  1500, &allowed,
							  &retry,
							  &err) != AIG_OK;
				got += allowed;
			}
			aig_ratelimit_close(c);
			bad |= write(fds[1], &got, sizeof(got)) != sizeof(got);
			_exit(bad);
		}
	}
	close(fds[1]);
	children_ok = reap(pid, 4);
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))
		total += n;
	close(fds[0]);
	ok(children_ok && total == 1500,
	   "four processes at once: 1500 of 2000 takes allowed (%u)", total);
	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK &&
		   aig_ratelimit_take(rl, "shared", "fay", 1, 1500, &allowed,
				      &retry, &err) == AIG_OK &&
		   !allowed,
	   "and the bucket is empty for the next process");
	aig_ratelimit_close(rl);
}

/* The lock of the only set of a one-set store in sub (the layout in
 * cgi_int.h), in a map of the file. */
static pthread_mutex_t *set_lock(void *map)
{
	return (pthread_mutex_t *)((char *)map + AIG_RATELIMIT_HEAD_SIZE);
}

static void *map_store(const char *sub, size_t *size)
{
	char path[320];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/ratelimit.buckets", sub);
	if ((fd = open(path, O_RDWR)) < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*size = (size_t)st.st_size;
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* A process that holds a set's lock for long makes a take fail (503)
 * after a second, not hang; one that dies holding it leaves it to the
 * next taker, who goes on. */
static void test_lock_holder(void)
{
	char sub[300];
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	unsigned retry;
	bool allowed = false;
	size_t size = 0;
	int fds[2], status;
	char c;
	void *map = NULL;
	pid_t pid;

	snprintf(sub, sizeof(sub), "%s/locks", dir);
	mkdir(sub, 0700);
	ok(aig_ratelimit_open_local(sub, 1, &rl, &err) == AIG_OK &&
		   (map = map_store(sub, &size)) != NULL && pipe(fds) == 0,
	   "a store of one set, mapped (%s)", err.msg);
	if (rl == NULL || map == NULL)
		return;
	if ((pid = fork()) == 0) {
		int bad = pthread_mutex_lock(set_lock(map)) != 0 ||
			  write(fds[1], "l", 1) != 1;

		pause(); /* killed holding the lock */
		_exit(bad);
	}
	ok(read(fds[0], &c, 1) == 1, "another process holds the set's lock");
	aig_error_clear(&err);
	ok(aig_ratelimit_take(rl, "r", "gus", 60, 5, &allowed, &retry, &err) ==
			   AIG_ERR_UNAVAILABLE &&
		   !allowed && strstr(err.msg, "lock") != NULL,
	   "a lock held for over a second: an error, not allowed (%s)",
	   err.msg);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	aig_error_clear(&err);
	ok(aig_ratelimit_take(rl, "r", "gus", 60, 5, &allowed, &retry, &err) ==
			   AIG_OK &&
		   allowed,
	   "its holder killed: the next take goes on (%s)", err.msg);
	ok(aig_ratelimit_take(rl, "r", "gus", 60, 5, &allowed, &retry, &err) ==
			   AIG_OK &&
		   allowed,
	   "and the lock is usable after");
	close(fds[0]);
	close(fds[1]);
	munmap(map, size);
	aig_ratelimit_close(rl);
}

/* The file: owned by the gate's user with mode 0600, no symlink (else an
 * error: the limit fails closed); another size, another head or another
 * boot's file is replaced; the LMDB store of earlier versions goes. */
static void test_buckets_file(const struct aig_config *cfg)
{
	char path[256], old[256], link_to[256];
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	struct stat before, after;
	unsigned retry, i;
	size_t size = 0;
	bool allowed = false;
	char *map;
	int rc;

	snprintf(path, sizeof(path), "%s/ratelimit.buckets", dir);
	snprintf(old, sizeof(old), "%s/ratelimit.mdb", dir);
	unlink(path);
	aig_test_write(old, "old", 3, 0600);
	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK &&
		   access(old, F_OK) != 0,
	   "the first file made removes the LMDB store (%s)", err.msg);
	for (i = 0; rl != NULL && i < 2; i++)
		aig_ratelimit_take(rl, "inference", "hal", 1, 2, &allowed,
				   &retry, &err);
	aig_ratelimit_close(rl);
	rl = NULL;

	chmod(path, 0660);
	aig_error_clear(&err);
	rc = aig_ratelimit_open(cfg, &rl, &err);
	ok(rc == AIG_ERR_UNSAFE && rl == NULL,
	   "mode 0660: not used, an error (%s)", err.msg);
	chmod(path, 0600);

	snprintf(link_to, sizeof(link_to), "%s/elsewhere", dir);
	rename(path, link_to);
	if (symlink(link_to, path) != 0)
		aig_test_bail("symlink");
	aig_error_clear(&err);
	rc = aig_ratelimit_open(cfg, &rl, &err);
	ok(rc != AIG_OK && rl == NULL, "a symlink: not followed, an error (%s)",
	   err.msg);
	unlink(path);
	rename(link_to, path);

	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK &&
		   aig_ratelimit_take(rl, "inference", "hal", 1, 2, &allowed,
				      &retry, &err) == AIG_OK &&
		   !allowed,
	   "the same file again: hal's bucket is still spent");
	aig_ratelimit_close(rl);
	rl = NULL;

	/* the same file made in another boot (its head's boot id) */
	stat(path, &before);
	map = map_store(dir, &size);
	ok(map != NULL, "mapped");
	if (map == NULL)
		return;
	map[56] ^= 1; /* head: magic 8, sizes 16, salt 32, then the boot id */
	munmap(map, size);
	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK &&
		   stat(path, &after) == 0 && after.st_ino != before.st_ino &&
		   aig_ratelimit_take(rl, "inference", "hal", 1, 2, &allowed,
				      &retry, &err) == AIG_OK &&
		   allowed,
	   "a file of another boot is replaced (its locks may be held by "
	   "nobody): buckets start full");
	aig_ratelimit_close(rl);
	rl = NULL;

	aig_test_write(path, "garbage, not a bucket file......", 31, 0600);
	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK &&
		   aig_ratelimit_take(rl, "inference", "bob", 60, 3, &allowed,
				      &retry, &err) == AIG_OK &&
		   allowed,
	   "a file of another size is replaced (%s)", err.msg);
	aig_ratelimit_close(rl);
}

/* A bucket spent under a large burst, then taken under a small one (the
 * policy was edited): refused for at most one interval, not for the old
 * burst's length. */
static void test_lower_burst(const struct aig_config *cfg)
{
	struct aig_ratelimit *rl = NULL;
	struct aig_error err = {0};
	unsigned retry = 0, i;
	bool allowed = false;

	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK, "open (%s)", err.msg);
	for (i = 0; rl != NULL && i < 50; i++)
		aig_ratelimit_take(rl, "edited", "ida", 1, 100, &allowed,
				   &retry, &err);
	ok(rl != NULL &&
		   aig_ratelimit_take(rl, "edited", "ida", 1, 2, &allowed,
				      &retry, &err) == AIG_OK &&
		   !allowed && retry >= 1 && retry <= 60,
	   "burst lowered from 100 to 2: Retry-After within a minute (%u)",
	   retry);
	aig_ratelimit_close(rl);
}

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
	int i;
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
	ok(reap(pid, 4), "four processes added at the same time");
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
	m = NULL;
	ok(reap(pid, 4) && aig_metrics_open(dir, &m, &err) == AIG_OK &&
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

/* A process that keeps the store (FastCGI) follows the file when an
 * administrator deletes it to start every bucket full: within a second,
 * and in the new file that other processes use too. */
static void test_buckets_reset(const struct aig_config *cfg)
{
	const struct timespec second = {1, 100 * 1000 * 1000};
	struct aig_ratelimit *rl = NULL, *other = NULL;
	struct aig_error err = {0};
	unsigned retry = 0;
	bool allowed = false;
	char path[300];

	snprintf(path, sizeof(path), "%s/ratelimit.buckets", dir);
	ok(aig_ratelimit_open(cfg, &rl, &err) == AIG_OK &&
		   aig_ratelimit_take(rl, "reset", "jan", 1, 1, &allowed,
				      &retry, &err) == AIG_OK &&
		   aig_ratelimit_take(rl, "reset", "jan", 1, 1, &allowed,
				      &retry, &err) == AIG_OK &&
		   !allowed,
	   "jan's bucket is spent (%s)", err.msg);
	if (rl == NULL)
		return;
	ok(unlink(path) == 0, "the file deleted");
	nanosleep(&second, NULL);
	ok(aig_ratelimit_take(rl, "reset", "jan", 1, 1, &allowed, &retry,
			      &err) == AIG_OK &&
		   allowed && access(path, F_OK) == 0,
	   "a second later the kept store maps a new file: jan's bucket is "
	   "full (%s)",
	   err.msg);
	ok(aig_ratelimit_open(cfg, &other, &err) == AIG_OK &&
		   aig_ratelimit_take(other, "reset", "jan", 1, 1, &allowed,
				      &retry, &err) == AIG_OK &&
		   !allowed,
	   "and another process sees that take in the same new file");
	aig_ratelimit_close(other);
	aig_ratelimit_close(rl);
}

/* An LMDB state file (negotiate-replay.mdb) that a crash left unreadable
 * is made again instead of failing every request. */
static void test_state_recovery(void)
{
	struct aig_error err = {0};
	MDB_env *env = NULL;
	MDB_dbi dbi;
	char path[256];

	snprintf(path, sizeof(path), "%s/junk.mdb", dir);
	aig_test_write(path, "garbage, not an LMDB file......", 31, 0600);
	ok(aig_state_open(dir, "junk", 1u << 20, &env, &dbi, &err) == AIG_OK &&
		   env != NULL,
	   "an unreadable state file is made again (%s)", err.msg);
	if (env != NULL)
		mdb_env_close(env);
}

int main(void)
{
	struct aig_config *cfg;
	aig_test_tmpdir(dir);
	cfg = config();
	test_buckets(cfg);
	test_give_back(cfg);
	test_redis_store();
	test_full_set();
	test_buckets_shared(cfg);
	test_lock_holder();
	test_buckets_file(cfg);
	test_lower_burst(cfg);
	test_buckets_reset(cfg);
	test_state_recovery();
	test_metrics();
	test_metrics_shared();
	test_metrics_file();
	test_metrics_reset();
	aig_config_free(cfg);
	return tap_done();
}
