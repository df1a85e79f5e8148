/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_ldap.c - LDAP operations and latency of "authenticate and get
 * groups" beside a bare bind, on the same server in the same run. Run it
 * inside the AD test bed:
 *
 *   tests/testbed/ad.sh run DIR -- build/bench/bench_ldap [N]
 *
 * Each iteration opens a new session (TCP + TLS), as the PAM module and
 * the CGI do; "bind only" reuses one session to show the bind alone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aig_ldap.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL) {
		fprintf(stderr,
			"bench_ldap: %s not set: run it under "
			"tests/testbed/ad.sh run\n",
			name);
		exit(2);
	}
	return v;
}

static struct aig_config *config(const char *groups)
{
	char text[4096];
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};

	snprintf(
		text, sizeof(text),
		"{\"ldap\": {\"uri\": [\"%s\"], \"domain\": \"%s\", "
		"\"base_dn\": \"%s\", \"ca_file\": \"%s\", \"groups\": \"%s\"},"
		" \"auth\": {\"methods\": [\"basic\"]},"
		" \"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		" \"policy_file\": \"/nonexistent/policy.json\"}",
		env("AIG_AD_URI"), env("AIG_AD_DOMAIN"), env("AIG_AD_BASE"),
		env("AIG_AD_CA"), groups);
	if (aig_config_parse("bench", text, strlen(text), &cfg, &err) !=
	    AIG_OK) {
		fprintf(stderr, "bench_ldap: %s\n", err.msg);
		exit(1);
	}
	return cfg;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *ms, int n, unsigned ops)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += ms[i];
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("%-44s %2u ops  mean %6.2f ms  median %6.2f ms  p90 %6.2f ms\n",
	       what, ops, sum / n, ms[n / 2], ms[n * 9 / 10]);
}

/* One new session per iteration: connect, then bind or authenticate. */
static void run(const char *what, const char *groups, bool with_groups, int n)
{
	struct aig_config *cfg = config(groups);
	double *ms = calloc((size_t)n, sizeof(*ms));
	const char *pw = env("AIG_AD_PASSWORD");
	unsigned ops = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct aig_ldap *s = NULL;
		struct aig_strv g = {NULL, 0};
		struct aig_error err = {0};
		double t0 = now_ms();
		int rc;

		aig_ldap_new(cfg, NULL, &s, &err);
		rc = with_groups
			     ? aig_ldap_authenticate(s, "bob", 3, pw, &g, &err)
			     : aig_ldap_bind_user(s, "bob", 3, pw, &err);
		ms[i] = now_ms() - t0;
		ops = aig_ldap_op_count(s);
		if (rc != AIG_OK) {
			fprintf(stderr, "bench_ldap: %s\n", err.msg);
			exit(1);
		}
		aig_ldap_strv_free(&g);
		aig_ldap_free(s);
	}
	report(what, ms, n, ops);
	free(ms);
	aig_config_free(cfg);
}

/* The bind alone, on one open session. */
static void run_bind_only(int n)
{
	struct aig_config *cfg = config("tokengroups");
	double *ms = calloc((size_t)n, sizeof(*ms));
	struct aig_ldap *s = NULL;
	struct aig_error err = {0};
	unsigned ops = 0;
	int i;

	aig_ldap_new(cfg, NULL, &s, &err);
	if (aig_ldap_connect(s, &err) != AIG_OK) {
		fprintf(stderr, "bench_ldap: %s\n", err.msg);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		double t0 = now_ms();
		unsigned ops0 = aig_ldap_op_count(s);

		/* the bind, and the proof of the account it bound */
		if (aig_ldap_bind_user(s, "bob", 3, env("AIG_AD_PASSWORD"),
				       &err) != AIG_OK) {
			fprintf(stderr, "bench_ldap: %s\n", err.msg);
			exit(1);
		}
		ms[i] = now_ms() - t0;
		ops = aig_ldap_op_count(s) - ops0;
	}
	report("bind + its proof (open TLS session)", ms, n, ops);
	aig_ldap_free(s);
	free(ms);
	aig_config_free(cfg);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50;

	if (n < 1)
		n = 50;
	printf("aigate bench_ldap: %d iterations against %s, user bob\n", n,
	       env("AIG_AD_URI"));
	run_bind_only(n);
	run("connect + TLS + bind + its proof", "tokengroups", false, n);
	run("authenticate + groups, tokengroups", "tokengroups", true, n);
	run("authenticate + groups, in_chain", "in_chain", true, n);
	run("authenticate + groups, memberof", "memberof", true, n);
	return 0;
}
