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
 * The baseline of a cold login is libldap alone, without aigate: a new
 * TLS session, a simple bind as bob@domain and one search for bob's
 * entry; the ratio of "authenticate + groups, tokengroups" to it is
 * printed. It also says whether the server offers AD's fast concurrent
 * bind (LDAP_SERVER_FAST_BIND_OID, 1.2.840.113556.1.4.1781) and "Who am
 * I?" (RFC 4532), from its root DSE.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "aig_ldap.h"

#define FAST_BIND_OID "1.2.840.113556.1.4.1781"
#define WHOAMI_OID "1.3.6.1.4.1.4203.1.11.3"

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

static double report(const char *what, double *ms, int n, unsigned ops)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += ms[i];
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("%-44s %2u ops  mean %6.2f ms  median %6.2f ms  p90 %6.2f ms\n",
	       what, ops, sum / n, ms[n / 2], ms[n * 9 / 10]);
	return ms[n / 2];
}

/* One new session per iteration: connect, then bind or authenticate. */
static double run(const char *what, const char *groups, bool with_groups, int n)
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
	double median = report(what, ms, n, ops);
	free(ms);
	aig_config_free(cfg);
	return median;
}

/* libldap alone: a new TLS session, simple bind, one search; NULL on
 * failure (said on stderr). */
static LDAP *bare_session(void)
{
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;

	if (ldap_initialize(&ld, env("AIG_AD_URI")) != LDAP_SUCCESS)
		return NULL;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, env("AIG_AD_CA"));
	ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
	ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	return ld;
}

static double run_bare(int n)
{
	double *ms = calloc((size_t)n, sizeof(*ms));
	char who[512], filter[] = "(sAMAccountName=bob)", pwbuf[1024];
	char a1[] = "sAMAccountName", a2[] = "userAccountControl";
	char *attrs[] = {a1, a2, NULL};
	struct berval pw;
	double median;
	int i;

	snprintf(who, sizeof(who), "bob@%s", env("AIG_AD_DOMAIN"));
	snprintf(pwbuf, sizeof(pwbuf), "%s", env("AIG_AD_PASSWORD"));
	pw.bv_val = pwbuf;
	pw.bv_len = strlen(pwbuf);
	for (i = 0; i < n; i++) {
		double t0 = now_ms();
		LDAPMessage *res = NULL;
		LDAP *ld = bare_session();

		if (ld == NULL ||
		    ldap_sasl_bind_s(ld, who, LDAP_SASL_SIMPLE, &pw, NULL, NULL,
				     NULL) != LDAP_SUCCESS ||
		    ldap_search_ext_s(ld, env("AIG_AD_BASE"),
				      LDAP_SCOPE_SUBTREE, filter, attrs, 0,
				      NULL, NULL, NULL, 2,
				      &res) != LDAP_SUCCESS ||
		    ldap_count_entries(ld, res) != 1) {
			fprintf(stderr, "bench_ldap: the bare bind + search "
					"failed\n");
			exit(1);
		}
		ms[i] = now_ms() - t0;
		ldap_msgfree(res);
		ldap_unbind_ext_s(ld, NULL, NULL);
	}
	median = report("libldap: connect + TLS + bind + 1 search", ms, n, 2);
	free(ms);
	return median;
}

/* Whether any value of attr in e is oid. */
static bool lists(LDAP *ld, LDAPMessage *e, const char *attr, const char *oid)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	bool found = false;
	int i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		found = found || (v[i]->bv_len == strlen(oid) &&
				  memcmp(v[i]->bv_val, oid, v[i]->bv_len) == 0);
	ldap_value_free_len(v);
	return found;
}

/* AD's fast concurrent bind is an extended operation, sent before any
 * bind on a connection; what the server answers. */
static void try_fast_bind(void)
{
	LDAP *ld = bare_session();
	char *msg = NULL;
	int rc;

	if (ld == NULL)
		return;
	rc = ldap_extended_operation_s(ld, FAST_BIND_OID, NULL, NULL, NULL,
				       NULL, NULL);
	ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg);
	printf("fast concurrent bind, tried: %s%s%s\n", ldap_err2string(rc),
	       msg != NULL && *msg ? ": " : "", msg != NULL ? msg : "");
	ldap_memfree(msg);
	ldap_unbind_ext_s(ld, NULL, NULL);
}

/* What the root DSE offers (AD lists its extended operations, fast bind
 * among them, in supportedExtension). */
static void root_dse(void)
{
	char a1[] = "supportedControl", a2[] = "supportedExtension";
	char *attrs[] = {a1, a2, NULL};
	LDAPMessage *res = NULL, *e;
	LDAP *ld = bare_session();

	if (ld == NULL ||
	    ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
			      0, NULL, NULL, NULL, 1, &res) != LDAP_SUCCESS ||
	    (e = ldap_first_entry(ld, res)) == NULL) {
		printf("root DSE: not readable anonymously\n");
	} else {
		bool fast = lists(ld, e, a1, FAST_BIND_OID) ||
			    lists(ld, e, a2, FAST_BIND_OID);

		printf("root DSE: fast concurrent bind (%s) %s; Who am I? %s\n",
		       FAST_BIND_OID, fast ? "offered" : "NOT offered",
		       lists(ld, e, a2, WHOAMI_OID) ? "offered"
						    : "NOT offered");
	}
	ldap_msgfree(res);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	try_fast_bind();
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
	double bare, cold, chain;

	if (n < 1)
		n = 50;
	printf("aigate bench_ldap: %d iterations against %s, user bob\n", n,
	       env("AIG_AD_URI"));

	root_dse();
	run_bind_only(n);
	bare = run_bare(n);
	run("connect + TLS + bind + its proof", "tokengroups", false, n);
	cold = run("authenticate + groups, tokengroups", "tokengroups", true,
		   n);
	chain = run("authenticate + groups, in_chain", "in_chain", true, n);
	run("authenticate + groups, memberof", "memberof", true, n);
	printf("cold login (authenticate + groups, tokengroups) / bare bind + "
	       "1 search, medians: %.2f x\n",
	       cold / bare);
	printf("cold login (authenticate + groups, in_chain) / bare bind + "
	       "1 search, medians: %.2f x\n",
	       chain / bare);
	return 0;
}
