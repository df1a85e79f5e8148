/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ldap_driver.c - integration tests of ldap/ against the real servers of
 * the test bed (tests/testbed/ad.sh, slapd.sh), as TAP. Run by
 * tests/integration/ldap_ad.sh and ldap_slapd.sh inside `ad.sh run` /
 * `slapd.sh run`, which export the AIG_AD_* / AIG_SLAPD_* variables.
 *
 *   ldap_driver ad        every AD test (sub-codes, groups, failover, ...)
 *   ldap_driver ad-short  a quicker subset, for the run under valgrind
 *   ldap_driver gssapi    SASL GSSAPI with the service keytab
 *   ldap_driver wrongca   must fail closed (run with LDAPTLS_* set and an
 *                         ldaprc saying "never" in the working directory)
 *   ldap_driver srv       DCs from DNS SRV records (ldap.dns_srv), with
 *                         libresolv_wrapper and libnss_wrapper preloaded
 *   ldap_driver slapd     generic LDAP: memberof, cycles, EXTERNAL
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ldap_int.h"
#include "aig_test.h"

/* ------------------------------------------------------------- helpers */

static const char *env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		printf("Bail out! %s is not set (run under the test bed)\n",
		       name);
		exit(1);
	}
	return v;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A TCP port on 127.0.0.1 that accepts connections (the kernel completes
 * them) but never says anything: a hung server. */
static int silent_server(int *port)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		printf("Bail out! cannot make a silent server\n");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

struct cfgopt {
	const char *uris; /* JSON array */
	const char *ca;
	const char *base;
	const char *domain; /* NULL: leave out */
	const char *groups;
	const char *login_attr;
	const char *service; /* JSON object, or NULL */
	bool starttls;
	int timeout_ms;
	const char *dns_srv; /* instead of uris, when set */
};

static struct aig_config *mkcfg(const struct cfgopt *o)
{
	char dom[512] = "", svc[2048] = "", where[1024];

	if (o->domain)
		snprintf(dom, sizeof(dom), "\"domain\": \"%s\",", o->domain);
	if (o->service)
		snprintf(svc, sizeof(svc), ", \"service_bind\": %s",
			 o->service);
	if (o->dns_srv)
		snprintf(where, sizeof(where), "\"dns_srv\": \"%s\"",
			 o->dns_srv);
	else
		snprintf(where, sizeof(where), "\"uri\": %s", o->uris);
	return aig_test_config(
		"{\"ldap\": {%s, %s \"base_dn\": \"%s\", "
		"\"ca_file\": \"%s\", \"starttls\": %s, \"timeout_ms\": %d, "
		"\"login_attribute\": \"%s\", \"groups\": \"%s\"%s},"
		" \"auth\": {\"methods\": [\"basic\"]},"
		" \"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		" \"policy_file\": \"/nonexistent/policy.json\"}",
		where, dom, o->base, o->ca, o->starttls ? "true" : "false",
		o->timeout_ms ? o->timeout_ms : 5000,
		o->login_attr ? o->login_attr : "sAMAccountName",
		o->groups ? o->groups : "tokengroups", svc);
}

static char *strv_join(const struct aig_strv *sv)
{
	static char out[2048];
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < sv->n && o < sizeof(out); i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
				      i ? "," : "", sv->v[i]);
	return out;
}

/* Authenticates login/password on a new session; returns the status and
 * (if groups) the groups, joined, in out. */
static int auth(const struct aig_config *cfg, const char *login, size_t len,
		const char *password, char *out, size_t outlen,
		unsigned *ad_code, unsigned *ops)
{
	struct aig_ldap *s = NULL;
	struct aig_strv g = {NULL, 0};
	struct aig_error err = {0};
	int rc;

	if (aig_ldap_new(cfg, NULL, &s, &err) != AIG_OK)
		return err.status;
	rc = aig_ldap_authenticate(s, login, len, password, out ? &g : NULL,
				   &err);
	if (out)
		snprintf(out, outlen, "%s",
			 rc == AIG_OK ? strv_join(&g) : err.msg);
	if (ad_code)
		*ad_code = aig_ldap_ad_code(s);
	if (ops)
		*ops = aig_ldap_op_count(s);
	if (rc != AIG_OK) {
		char shown[64];

		aig_log_escape(shown, sizeof(shown), login,
			       len > 40 ? 40 : len);
		printf("# %s: %s\n", shown, err.msg);
	}
	aig_ldap_strv_free(&g);
	aig_ldap_free(s);
	return rc;
}

/* Groups of login found through the service account (no password). */
static int groups_of(const struct aig_config *cfg, const char *login, char *out,
		     size_t outlen)
{
	struct aig_ldap *s = NULL;
	struct aig_ldap_user *u = NULL;
	struct aig_strv g = {NULL, 0};
	struct aig_error err = {0};
	int rc;

	if ((rc = aig_ldap_new(cfg, NULL, &s, &err)) == AIG_OK &&
	    (rc = aig_ldap_bind_service(s, &err)) == AIG_OK &&
	    (rc = aig_ldap_find_user(s, login, strlen(login), &u, &err)) ==
		    AIG_OK)
		rc = aig_ldap_groups(s, u, &g, &err);
	snprintf(out, outlen, "%s", rc == AIG_OK ? strv_join(&g) : err.msg);
	aig_ldap_strv_free(&g);
	aig_ldap_user_free(u);
	aig_ldap_free(s);
	return rc;
}

/* ----------------------------------------------------------------- AD */

struct ad {
	char uris[1024];
	char svc[2048];
	const char *ca, *base, *domain, *pw;
};

static void ad_init(struct ad *a)
{
	a->ca = env("AIG_AD_CA");
	a->base = env("AIG_AD_BASE");
	a->domain = env("AIG_AD_DOMAIN");
	a->pw = env("AIG_AD_PASSWORD");
	snprintf(a->uris, sizeof(a->uris), "[\"%s\"]", env("AIG_AD_URI"));
	snprintf(a->svc, sizeof(a->svc),
		 "{\"dn\": \"%s\", \"password_file\": \"%s\"}",
		 env("AIG_AD_SVC_DN"), env("AIG_AD_SVC_PASSWORD_FILE"));
}

static struct aig_config *ad_cfg(const struct ad *a, const char *groups,
				 bool service)
{
	struct cfgopt o = {a->uris,
			   a->ca,
			   a->base,
			   a->domain,
			   groups,
			   NULL,
			   service ? a->svc : NULL,
			   false,
			   5000};

	return mkcfg(&o);
}

static void ad_connect_tls(const struct ad *a)
{
	struct aig_config *cfg = ad_cfg(a, NULL, false);
	struct aig_ldap *s = NULL;
	struct aig_error err = {0};
	int fd = -1, rc;

	aig_ldap_new(cfg, NULL, &s, &err);
	rc = aig_ldap_connect(s, &err);
	ok(rc == AIG_OK, "LDAPS connect with the test CA (%s)", err.msg);
	ok(s->ld != NULL &&
		   ldap_get_option(s->ld, LDAP_OPT_DESC, &fd) ==
			   LDAP_OPT_SUCCESS &&
		   fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	   "the connection's socket %d is close-on-exec", fd);
	ok(aig_ldap_op_count(s) == 0, "connecting is no LDAP operation");
	aig_ldap_free(s);
	aig_config_free(cfg);
}

static void ad_subcodes(const struct ad *a)
{
	static const struct {
		const char *user;
		unsigned code;
		int status;
	} t[] = {
		{"carol", AIG_AD_DISABLED, AIG_LDAP_ERR_DISABLED},
		{"dave", AIG_AD_ACCOUNT_EXPIRED, AIG_LDAP_ERR_ACCOUNT_EXPIRED},
		{"erin", AIG_AD_LOCKED_OUT, AIG_LDAP_ERR_LOCKED_OUT},
		{"frank", AIG_AD_MUST_CHANGE, AIG_LDAP_ERR_MUST_CHANGE},
	};
	struct aig_config *cfg = ad_cfg(a, NULL, false);
	char msg[1024];
	unsigned code = 0;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = auth(cfg, t[i].user, strlen(t[i].user), a->pw, NULL, 0,
			  &code, NULL);
		ok(rc == t[i].status && code == t[i].code,
		   "%s: AD data %x -> %s", t[i].user, code,
		   aig_ldap_status_name(rc));
	}
	/* One bad bind only per user: the domain locks out at three. */
	rc = auth(cfg, "bob", 3, "wrong-Passw0rd", NULL, 0, &code, NULL);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS && code == AIG_AD_BAD_PASSWORD,
	   "bob, wrong password: AD data %x -> %s", code,
	   aig_ldap_status_name(rc));
	rc = auth(cfg, "nosuchuser", 10, a->pw, NULL, 0, &code, NULL);
	ok((rc == AIG_LDAP_ERR_BAD_CREDENTIALS ||
	    rc == AIG_LDAP_ERR_NO_SUCH_USER) &&
		   (code == AIG_AD_BAD_PASSWORD || code == AIG_AD_NO_SUCH_USER),
	   "unknown user: AD data %x -> %s (Samba says 52e, Windows 525)", code,
	   aig_ldap_status_name(rc));
	rc = auth(cfg, "alice", 5, a->pw, msg, sizeof(msg), &code, NULL);
	ok(rc == AIG_OK, "alice binds: %s", msg);
	aig_config_free(cfg);
}

/* 530, 531, 532 need account states the script sets up before running
 * us: AIG_TEST_LOGON_HOURS_USER etc. name the users, when it could. */
static void ad_more_subcodes(const struct ad *a)
{
	static const struct {
		const char *var;
		unsigned code;
		int status;
	} t[] = {
		{"AIG_TEST_LOGON_HOURS_USER", AIG_AD_LOGON_HOURS,
		 AIG_LDAP_ERR_LOGON_HOURS},
		{"AIG_TEST_WORKSTATION_USER", AIG_AD_WORKSTATION,
		 AIG_LDAP_ERR_WORKSTATION},
		{"AIG_TEST_PW_EXPIRED_USER", AIG_AD_PASSWORD_EXPIRED,
		 AIG_LDAP_ERR_PASSWORD_EXPIRED},
	};
	struct aig_config *cfg = ad_cfg(a, NULL, false);
	unsigned code = 0;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *u = getenv(t[i].var);
		int rc;

		if (u == NULL || u[0] == '\0') {
			aig_test_skip("%s: not set up", t[i].var);
			continue;
		}
		rc = auth(cfg, u, strlen(u), a->pw, NULL, 0, &code, NULL);
		if (code != t[i].code && getenv("AIG_TEST_STRICT") == NULL) {
			aig_test_skip("%s: Samba answered data %x (%s), not %x",
				      u, code, aig_ldap_status_name(rc),
				      t[i].code);
			continue;
		}
		ok(rc == t[i].status && code == t[i].code,
		   "%s: AD data %x -> %s", u, code, aig_ldap_status_name(rc));
	}
	aig_config_free(cfg);
}

static void ad_refused_locally(const struct ad *a)
{
	struct aig_config *cfg = ad_cfg(a, NULL, false);
	unsigned ops = 99;
	int rc;

	rc = auth(cfg, "alice", 5, "", NULL, 0, NULL, &ops);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS && ops == 0,
	   "empty password refused with no LDAP operation (ops %u)", ops);
	ops = 99;
	rc = auth(cfg, "alice", 5, "\b\n\r\177INCORRECT", NULL, 0, NULL, &ops);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS && ops == 0,
	   "OpenSSH's decoy password refused with no LDAP operation");
	aig_config_free(cfg);
}

static void ad_groups(const struct ad *a, bool short_run)
{
	static const char *methods[] = {"tokengroups", "in_chain", "memberof"};
	static const struct {
		const char *user, *must;
	} t[] = {
		{"alice", "AI_Admins"},	  {"bob", "AI_Users"},
		{"ophelia", "AI_Admins"}, {"jsmith", "AI_Users"},
		{"mallory", "Finance"},
	};
	char got[3][1024], svc[1024];
	size_t i, m, n = short_run ? 2 : sizeof(t) / sizeof(t[0]);

	for (i = 0; i < n; i++) {
		unsigned ops = 0;

		for (m = 0; m < 3; m++) {
			struct aig_config *cfg = ad_cfg(a, methods[m], false);
			int rc = auth(cfg, t[i].user, strlen(t[i].user), a->pw,
				      got[m], sizeof(got[m]), NULL, &ops);

			ok(rc == AIG_OK && strstr(got[m], t[i].must) &&
				   strstr(got[m], "Domain Users"),
			   "%s by %s (%u ops): %s", t[i].user, methods[m], ops,
			   got[m]);
			aig_config_free(cfg);
		}
		ok(strcmp(got[0], got[1]) == 0 && strcmp(got[1], got[2]) == 0,
		   "%s: the three methods agree", t[i].user);
		{
			struct aig_config *cfg = ad_cfg(a, NULL, true);
			int rc = groups_of(cfg, t[i].user, svc, sizeof(svc));

			ok(rc == AIG_OK && strcmp(svc, got[0]) == 0,
			   "%s through the service account: %s", t[i].user,
			   svc);
			aig_config_free(cfg);
		}
	}
	{
		struct aig_config *cfg = ad_cfg(a, "memberof", false);
		char out[1024];
		int rc = auth(cfg, "bob", 3, a->pw, out, sizeof(out), NULL,
			      NULL);

		ok(rc == AIG_OK && strstr(out, "Data_Scientists") &&
			   strstr(out, "AI_Users") && !strstr(out, "AI_Admins"),
		   "bob: nested Data_Scientists -> AI_Users, not admin");
		aig_config_free(cfg);
	}
}

static void ad_jsmith(const struct ad *a)
{
	struct aig_config *cfg = ad_cfg(a, "in_chain", true);
	struct aig_ldap *s = NULL;
	struct aig_ldap_user *u = NULL;
	struct aig_error err = {0};
	char *cn = NULL;
	int rc;

	aig_ldap_new(cfg, NULL, &s, &err);
	rc = aig_ldap_bind_user(s, "jsmith", 6, a->pw, &err);
	ok(rc == AIG_OK, "jsmith binds by the DN found (service bind): %s",
	   err.msg);
	rc = aig_ldap_find_user(s, "jsmith", 6, &u, &err);
	ok(rc == AIG_OK && strstr(u->dn, "Smith\\, John (Contractor)"),
	   "jsmith's DN: %s", rc == AIG_OK ? u->dn : err.msg);
	ok(u && aig_ldap_dn_first_value(u->dn, &cn, NULL) == AIG_OK &&
		   strcmp(cn, "Smith, John (Contractor)") == 0,
	   "its first RDN value unescaped: %s", cn ? cn : "?");
	free(cn);
	aig_ldap_user_free(u);
	aig_ldap_free(s);
	aig_config_free(cfg);
}

static void ad_hostile(const struct ad *a)
{
	static char big[10 * 1024];
	static const struct {
		const char *login;
		size_t len;
	} t[] = {
		{"*", 1},
		{"*)(sAMAccountName=*", 19},
		{"x)(|(objectClass=*)", 19},
		{"alice\0x", 7},
		{"al*", 3},
		{"\xff\xfe"
		 "alice",
		 7},
		{"alice@evil.example", 18},
		{"CORP\\alice", 10},
		{big, sizeof(big)},
	};
	struct aig_config *direct = ad_cfg(a, NULL, false);
	struct aig_config *svc = ad_cfg(a, NULL, true);
	size_t i;

	memset(big, 'a', sizeof(big));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct aig_ldap *s = NULL;
		struct aig_ldap_user *u = NULL;
		struct aig_error err = {0};
		char shown[64];
		int r1, r2, r3;

		aig_log_escape(shown, sizeof(shown), t[i].login,
			       t[i].len > 24 ? 24 : t[i].len);
		r1 = auth(direct, t[i].login, t[i].len, a->pw, NULL, 0, NULL,
			  NULL);
		r2 = auth(svc, t[i].login, t[i].len, a->pw, NULL, 0, NULL,
			  NULL);
		aig_ldap_new(svc, NULL, &s, &err);
		r3 = aig_ldap_bind_service(s, &err);
		if (r3 == AIG_OK)
			r3 = aig_ldap_find_user(s, t[i].login, t[i].len, &u,
						&err);
		ok(r1 != AIG_OK && r2 != AIG_OK && r3 != AIG_OK && u == NULL,
		   "hostile login \"%s\" (%zu bytes): direct %s, service %s, "
		   "search %s",
		   shown, t[i].len, aig_ldap_status_name(r1),
		   aig_ldap_status_name(r2), aig_ldap_status_name(r3));
		aig_ldap_user_free(u);
		aig_ldap_free(s);
	}
	aig_config_free(direct);
	aig_config_free(svc);
}

static void ad_failover(const struct ad *a)
{
	char uris[1024];
	struct cfgopt o = {uris, a->ca, a->base, a->domain, NULL,
			   NULL, NULL,	false,	 2000};
	struct aig_config *cfg;
	struct aig_ldap *s = NULL;
	struct aig_error err = {0};
	int sfd, sport, sfd2, sport2, rc;
	long t0, dt;

	sfd = silent_server(&sport);
	sfd2 = silent_server(&sport2);

	snprintf(uris, sizeof(uris), "[\"ldaps://127.0.0.1:1\", \"%s\"]",
		 env("AIG_AD_URI"));
	cfg = mkcfg(&o);
	t0 = now_ms();
	aig_ldap_new(cfg, NULL, &s, &err);
	rc = aig_ldap_connect(s, &err);
	dt = now_ms() - t0;
	ok(rc == AIG_OK &&
		   strcmp(aig_ldap_server_uri(s), env("AIG_AD_URI")) == 0 &&
		   dt < 2000,
	   "failover: dead port first, then the DC (%ld ms)", dt);
	aig_ldap_free(s);
	aig_config_free(cfg);

	snprintf(uris, sizeof(uris), "[\"ldaps://127.0.0.1:%d\", \"%s\"]",
		 sport, env("AIG_AD_URI"));
	cfg = mkcfg(&o);
	t0 = now_ms();
	aig_ldap_new(cfg, NULL, &s, &err);
	rc = aig_ldap_connect(s, &err);
	dt = now_ms() - t0;
	ok(rc == AIG_OK && dt < 2000,
	   "failover: a hung server first, then the DC (%ld ms)", dt);
	aig_ldap_free(s);
	aig_config_free(cfg);

	snprintf(uris, sizeof(uris),
		 "[\"ldaps://127.0.0.1:1\", \"ldaps://127.0.0.1:2\"]");
	o.timeout_ms = 1000;
	cfg = mkcfg(&o);
	t0 = now_ms();
	rc = auth(cfg, "alice", 5, a->pw, NULL, 0, NULL, NULL);
	dt = now_ms() - t0;
	ok(rc == AIG_ERR_UNAVAILABLE && dt < 1200,
	   "all refused: unavailable in %ld ms", dt);
	aig_config_free(cfg);

	snprintf(uris, sizeof(uris),
		 "[\"ldaps://127.0.0.1:%d\", \"ldap://127.0.0.1:%d\"]", sport,
		 sport2);
	o.starttls = true;
	cfg = mkcfg(&o);
	t0 = now_ms();
	rc = auth(cfg, "alice", 5, a->pw, NULL, 0, NULL, NULL);
	dt = now_ms() - t0;
	ok(rc == AIG_ERR_UNAVAILABLE && dt < 1000 + 200,
	   "all hung (LDAPS and StartTLS): unavailable in %ld ms "
	   "(timeout 1000)",
	   dt);
	aig_config_free(cfg);
	close(sfd);
	close(sfd2);
}

static void ad_starttls(const struct ad *a)
{
	char uris[512], out[1024];
	struct cfgopt o = {uris, a->ca, a->base, a->domain, NULL,
			   NULL, NULL,	true,	 5000};
	struct aig_config *cfg;
	unsigned ops = 0;
	int rc;

	snprintf(uris, sizeof(uris), "[\"%s\"]", env("AIG_AD_STARTTLS_URI"));
	cfg = mkcfg(&o);
	rc = auth(cfg, "alice", 5, a->pw, out, sizeof(out), NULL, &ops);
	ok(rc == AIG_OK && strstr(out, "AI_Admins"),
	   "StartTLS: alice authenticates (%u ops): %s", ops, out);
	aig_config_free(cfg);
}

static void ad_budget(const struct ad *a)
{
	static const char *methods[] = {"tokengroups", "in_chain"};
	size_t m;

	for (m = 0; m < 2; m++) {
		struct aig_config *cfg = ad_cfg(a, methods[m], false);
		unsigned ops = 0;
		int rc = auth(cfg, "bob", 3, a->pw, NULL, 0, NULL, NULL);
		char out[1024];

		rc = auth(cfg, "bob", 3, a->pw, out, sizeof(out), NULL, &ops);
		/* bind, "Who am I?" (Samba: not supported) sent with the
		 * one search for the user and the owners of the bind name,
		 * then the groups (tokengroups: two searches). */
		ok(rc == AIG_OK && ops <= (m == 0 ? 5u : 4u),
		   "authenticate and get groups by %s: %u operations "
		   "(bind, \"Who am I?\", %u searches)",
		   methods[m], ops, ops - 2);
		aig_config_free(cfg);
	}
}

/* A session kept between logins (pam_aigate's keep_connection): Samba
 * refuses "Who am I?", and a server that refused it once on a connection
 * is not asked again on it, so a second login on the open connection
 * costs one operation less; the groups and the proof are the same. */
static void ad_kept_session(const struct ad *a)
{
	struct aig_config *cfg = ad_cfg(a, "tokengroups", false);
	struct aig_ldap *s = NULL;
	struct aig_strv g1 = {NULL, 0}, g2 = {NULL, 0};
	struct aig_error err = {0};
	unsigned first = 0, second = 0, ops;
	int rc1 = AIG_ERR_INTERNAL, rc2 = AIG_ERR_INTERNAL;

	if (aig_ldap_new(cfg, NULL, &s, &err) == AIG_OK) {
		rc1 = aig_ldap_authenticate(s, "alice", 5, a->pw, &g1, &err);
		first = aig_ldap_op_count(s);
		rc2 = aig_ldap_authenticate(s, "bob", 3, a->pw, &g2, &err);
		ops = aig_ldap_op_count(s);
		second = ops - first;
	}
	ok(rc1 == AIG_OK && rc2 == AIG_OK && second == first - 1,
	   "a second login on a kept session: %u operations, the first %u "
	   "(no second \"Who am I?\")",
	   second, first);
	ok(rc2 == AIG_OK && g2.n > 0 &&
		   strstr(strv_join(&g2), "Data_Scientists") != NULL &&
		   strstr(strv_join(&g2), "AI_Admins") == NULL,
	   "... bob's groups, none of alice's: %s",
	   rc2 == AIG_OK ? strv_join(&g2) : err.msg);
	ok(rc2 == AIG_OK && aig_ldap_bound_user_name(s) != NULL &&
		   strcmp(aig_ldap_bound_user_name(s), "bob") == 0,
	   "... and the session is bob's");
	aig_ldap_strv_free(&g1);
	aig_ldap_strv_free(&g2);
	aig_ldap_free(s);
	aig_config_free(cfg);
}

/* With service_bind, an unknown login costs what a known one costs: the
 * service bind, the search, and a bind (to a DN no entry has, with a
 * random password), so the time of the answer does not tell which logins
 * exist. The medians of a few rounds are printed for the record (a known
 * login with a wrong password cannot be timed here: the domain locks
 * accounts out at three). */
static long median_ms(const struct aig_config *cfg, const char *login,
		      const char *pw, int want, unsigned *ops)
{
	long t[9], tmp;
	size_t i, j, n = sizeof(t) / sizeof(t[0]);

	for (i = 0; i < n; i++) {
		long t0 = now_ms();

		if (auth(cfg, login, strlen(login), pw, NULL, 0, NULL, ops) !=
		    want)
			return -1;
		t[i] = now_ms() - t0;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && t[j - 1] > t[j]; j--) {
			tmp = t[j];
			t[j] = t[j - 1];
			t[j - 1] = tmp;
		}
	return t[n / 2];
}

static void ad_unknown_user_cost(const struct ad *a)
{
	struct aig_config *cfg = ad_cfg(a, NULL, true);
	unsigned known_ops = 0, unknown_ops = 0;
	long known, unknown;

	known = median_ms(cfg, "alice", a->pw, AIG_OK, &known_ops);
	unknown = median_ms(cfg, "nosuchuser", a->pw, AIG_LDAP_ERR_NO_SUCH_USER,
			    &unknown_ops);
	ok(known >= 0 && unknown >= 0 && unknown_ops == known_ops,
	   "service_bind: an unknown login makes as many operations as a "
	   "known one (%u and %u: service bind, search, bind)",
	   unknown_ops, known_ops);
	printf("# service_bind: median of 9: alice with her password %ld ms, "
	       "an unknown login %ld ms (held as long as the service bind)\n",
	       known, unknown);
	aig_config_free(cfg);
}

static void ad_expiry(const struct ad *a)
{
	static const struct {
		const char *user;
		enum aig_pw_expiry kind;
	} t[] = {
		{"alice", AIG_PW_EXPIRES},
		{"frank", AIG_PW_MUST_CHANGE},
		{"svc-aigate", AIG_PW_NEVER},
	};
	struct aig_config *cfg = ad_cfg(a, NULL, true);
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct aig_ldap *s = NULL;
		struct aig_ldap_user *u = NULL;
		struct aig_error err = {0};
		enum aig_pw_expiry kind = AIG_PW_EXPIRES;
		time_t when = 0;
		int rc;

		aig_ldap_new(cfg, NULL, &s, &err);
		if ((rc = aig_ldap_bind_service(s, &err)) == AIG_OK &&
		    (rc = aig_ldap_find_user(s, t[i].user, strlen(t[i].user),
					     &u, &err)) == AIG_OK)
			rc = aig_ldap_password_expiry(u, &kind, &when, &err);
		ok(rc == AIG_OK && kind == t[i].kind &&
			   (kind != AIG_PW_EXPIRES || when > time(NULL)),
		   "%s: password expiry kind %d, in %ld days", t[i].user, kind,
		   kind == AIG_PW_EXPIRES ? (long)(when - time(NULL)) / 86400
					  : 0L);
		aig_ldap_user_free(u);
		aig_ldap_free(s);
	}
	aig_config_free(cfg);
}

/* Changes login's password from old to new on a session bound as the user
 * (or as the service account when as_service). */
static int change(const struct ad *a, const char *login, const char *old,
		  const char *new, bool as_service, struct aig_error *err)
{
	struct aig_config *cfg = ad_cfg(a, NULL, true);
	struct aig_ldap *s = NULL;
	struct aig_ldap_user *u = NULL;
	int rc;

	aig_ldap_new(cfg, NULL, &s, err);
	if ((rc = aig_ldap_bind_service(s, err)) == AIG_OK &&
	    (rc = aig_ldap_find_user(s, login, strlen(login), &u, err)) ==
		    AIG_OK &&
	    (as_service || (rc = aig_ldap_bind_user(s, login, strlen(login),
						    old, err)) == AIG_OK))
		rc = aig_ldap_change_password(s, u, old, new, err);
	aig_ldap_user_free(u);
	aig_ldap_free(s);
	aig_config_free(cfg);
	return rc;
}

static void ad_password_change(const struct ad *a)
{
	struct aig_config *cfg = ad_cfg(a, NULL, false);
	const char *np = "N3w-Passw0rd!ok";
	struct aig_error err = {0};
	int rc;

	rc = change(a, "ophelia", a->pw, np, false, &err);
	ok(rc == AIG_OK, "ophelia changes her password: %s", err.msg);
	ok(auth(cfg, "ophelia", 7, np, NULL, 0, NULL, NULL) == AIG_OK,
	   "ophelia binds with the new password");
	aig_error_clear(&err);
	rc = change(a, "ophelia", np, "short", false, &err);
	ok(rc == AIG_LDAP_ERR_PW_QUALITY, "a too short password: %s (%s)",
	   aig_ldap_status_name(rc), err.msg);
	aig_error_clear(&err);
	rc = change(a, "ophelia", np, a->pw, false, &err);
	ok(rc == AIG_OK || rc == AIG_LDAP_ERR_PW_HISTORY,
	   "back to the old one: %s (%s)", aig_ldap_status_name(rc), err.msg);
	aig_error_clear(&err);
	rc = change(a, "frank", a->pw, np, true, &err);
	ok(rc == AIG_OK,
	   "frank (must change) changed over the service "
	   "account's connection: %s",
	   err.msg);
	ok(auth(cfg, "frank", 5, np, NULL, 0, NULL, NULL) == AIG_OK,
	   "frank then binds with the new password");
	aig_config_free(cfg);
}

/* The pure parts of the proof that a bind and a login name one account. */
static void identity_helpers(void)
{
	const char *dn = "CN=upnx,CN=Users,DC=corp,DC=example,DC=com";
	char *d = NULL;

	ok(aig_ldap_authzid_names("u:CORP\\upnx", dn, "upnx", "CORP\\upnx") &&
		   aig_ldap_authzid_names("u:corp\\UPNX", dn, "upnx",
					  "CORP\\upnx"),
	   "\"u:CORP\\upnx\" names sAMAccountName upnx (ASCII case ignored)");
	ok(!aig_ldap_authzid_names("u:CORP\\upnxb", dn, "upnx", NULL) &&
		   !aig_ldap_authzid_names("u:CORP\\upnx", dn, NULL, NULL) &&
		   !aig_ldap_authzid_names("u:CORP\\", dn, "upnx", NULL),
	   "... not another sAMAccountName, nor an entry without one");
	ok(!aig_ldap_authzid_names("u:CHILD\\upnx", dn, "upnx", "CORP\\upnx"),
	   "... nor the same name in another domain (msDS-PrincipalName)");
	ok(!aig_ldap_authzid_names("u:CORP\\upnx", dn, "upnx", NULL),
	   "... nor when the entry's msDS-PrincipalName was not returned "
	   "(the domain cannot be checked)");
	ok(aig_ldap_authzid_names(
		   "dn:cn=upnx,cn=users,dc=corp,dc=example,dc=com", dn, NULL,
		   NULL) &&
		   aig_ldap_authzid_names(
			   "dn:CN=upnx, CN=Users, DC=corp,DC=example,DC=com",
			   dn, NULL, NULL),
	   "\"dn:\" names the same DN, normalised, case ignored");
	ok(!aig_ldap_authzid_names(
		   "dn:CN=upnxb,CN=Users,DC=corp,DC=example,DC=com", dn, NULL,
		   NULL) &&
		   !aig_ldap_authzid_names("dn:", dn, NULL, NULL) &&
		   !aig_ldap_authzid_names("", dn, "upnx", NULL) &&
		   !aig_ldap_authzid_names("upnx", dn, "upnx", NULL) &&
		   !aig_ldap_authzid_names(NULL, dn, "upnx", NULL),
	   "another DN, anonymous, an unknown form: nobody");
	ok(aig_ldap_domain_dn("OU=Staff,OU=People,DC=corp,DC=example,DC=com",
			      &d, NULL) == AIG_OK &&
		   strcasecmp(d, "DC=corp,DC=example,DC=com") == 0,
	   "the domain of an OU: %s", d ? d : "?");
	free(d);
	d = NULL;
	ok(aig_ldap_domain_dn("DC=x,OU=y,dc=corp,dc=com", &d, NULL) == AIG_OK &&
		   strcasecmp(d, "dc=corp,dc=com") == 0,
	   "only the trailing DC= RDNs: %s", d ? d : "?");
	free(d);
	d = NULL;
	ok(aig_ldap_domain_dn("o=example", &d, NULL) == AIG_OK &&
		   strcmp(d, "o=example") == 0,
	   "no DC= RDNs: the base itself");
	free(d);
}

/* Account A has sAMAccountName X (AIG_TEST_UPN_LOGIN) and is in AI_Admins;
 * account B has another sAMAccountName (AIG_TEST_UPN_B_LOGIN), lives
 * outside CN=Users, and has userPrincipalName X@AIG_TEST_UPN_SUFFIX, an
 * alternative UPN suffix. (Samba refuses a UPN X@<the domain> while X is
 * anyone's sAMAccountName; Windows does not. An alternative suffix in
 * ldap.domain is the same case.) Set up by ldap_ad.sh. */
static void ad_upn_collision(const struct ad *a)
{
	const char *x = getenv("AIG_TEST_UPN_LOGIN");
	const char *y = getenv("AIG_TEST_UPN_B_LOGIN");
	const char *pa = getenv("AIG_TEST_UPN_A_PASSWORD");
	const char *pb = getenv("AIG_TEST_UPN_B_PASSWORD");
	const char *suffix = getenv("AIG_TEST_UPN_SUFFIX");
	char out[1024], users[512];
	struct cfgopt o = {a->uris, a->ca, a->base, suffix, NULL,
			   NULL,    NULL,  false,   5000};
	struct aig_config *cfg;
	struct aig_ldap *s = NULL;
	struct aig_ldap_user *u = NULL;
	struct aig_error err = {0};
	unsigned ops = 0;
	int rc;

	if (!x || !y || !pa || !pb || !suffix) {
		aig_test_skip("colliding UPN: not set up");
		return;
	}
	/* ldap.domain is B's UPN suffix: "X" binds as X@suffix, i.e. B. */
	cfg = mkcfg(&o);
	rc = auth(cfg, x, strlen(x), pb, out, sizeof(out), NULL, &ops);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS &&
		   strstr(out, "different accounts") != NULL,
	   "%s with B's password (B's UPN is %s@%s): %s, not A's groups "
	   "(%u ops)",
	   x, x, suffix, aig_ldap_status_name(rc), ops);
	aig_ldap_new(cfg, NULL, &s, &err);
	rc = aig_ldap_bind_user(s, x, strlen(x), pb, &err);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS && s->ld == NULL &&
		   s->user_dn == NULL,
	   "... the bind alone (as with groups_cache) too, and the "
	   "connection bound as B is closed: %s",
	   aig_ldap_status_name(rc));
	aig_ldap_free(s);
	s = NULL;
	rc = auth(cfg, x, strlen(x), pa, NULL, 0, NULL, NULL);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS,
	   "%s with A's password: %s (the directory binds %s@%s to B)", x,
	   aig_ldap_status_name(rc), x, suffix);
	aig_config_free(cfg);
	/* ldap.base_dn holds A and not B: B is found all the same. */
	snprintf(users, sizeof(users), "%s", env("AIG_AD_USERS_DN"));
	o.base = users;
	cfg = mkcfg(&o);
	rc = auth(cfg, x, strlen(x), pb, out, sizeof(out), NULL, NULL);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS,
	   "%s with B's password, base_dn %s (B outside it): %s", x, users,
	   aig_ldap_status_name(rc));
	aig_config_free(cfg);

	/* ldap.domain the domain's own: each by its own name. */
	cfg = ad_cfg(a, NULL, false);
	rc = auth(cfg, x, strlen(x), pa, out, sizeof(out), NULL, NULL);
	ok(rc == AIG_OK && strstr(out, "AI_Admins") != NULL,
	   "A (%s) with A's password: its groups: %s", x, out);
	rc = auth(cfg, y, strlen(y), pb, out, sizeof(out), NULL, NULL);
	ok(rc == AIG_OK && strstr(out, "AI_Admins") == NULL &&
		   strstr(out, "Domain Users") != NULL,
	   "B by its own sAMAccountName %s: its groups: %s", y, out);

	/* A session bound as a user reads that user's entry only. */
	aig_ldap_new(cfg, NULL, &s, &err);
	rc = aig_ldap_bind_user(s, "alice", 5, a->pw, &err);
	if (rc == AIG_OK)
		rc = aig_ldap_find_user(s, "alice", 5, &u, &err);
	ok(rc == AIG_OK, "bound as alice, alice's entry: %s",
	   aig_ldap_status_name(rc));
	aig_ldap_user_free(u);
	u = NULL;
	rc = aig_ldap_find_user(s, "bob", 3, &u, &err);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS && u == NULL,
	   "... but not bob's: %s", aig_ldap_status_name(rc));
	aig_ldap_free(s);
	aig_config_free(cfg);

	/* service_bind: the bind is to the DN of the entry found. */
	cfg = ad_cfg(a, NULL, true);
	rc = auth(cfg, x, strlen(x), pa, out, sizeof(out), NULL, NULL);
	ok(rc == AIG_OK && strstr(out, "AI_Admins") != NULL,
	   "service_bind: A (%s) with A's password: %s", x, out);
	rc = auth(cfg, x, strlen(x), pb, NULL, 0, NULL, NULL);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS,
	   "service_bind: %s with B's password: %s", x,
	   aig_ldap_status_name(rc));
	aig_config_free(cfg);
}

static int run_ad(bool short_run)
{
	struct ad a;

	ad_init(&a);
	ad_connect_tls(&a);
	ad_refused_locally(&a);
	ad_groups(&a, short_run);
	ad_budget(&a);
	ad_kept_session(&a);
	ad_unknown_user_cost(&a);
	if (!short_run) {
		identity_helpers();
		ad_upn_collision(&a);
		ad_subcodes(&a);
		ad_more_subcodes(&a);
		ad_jsmith(&a);
		ad_hostile(&a);
		ad_failover(&a);
		ad_starttls(&a);
		ad_expiry(&a);
		ad_password_change(&a);
	}
	return tap_done();
}

/* SASL GSSAPI with the keytab, over StartTLS to the DC's host name (which
 * nss_wrapper resolves; KRB5_CONFIG names the test KDC). */
static int run_gssapi(void)
{
	struct ad a;
	char uris[512], svc[1024], out[1024];
	struct cfgopt o = {uris, NULL, NULL, NULL, "in_chain",
			   NULL, svc,  true, 5000};
	struct aig_config *cfg;
	int rc;

	ad_init(&a);
	o.ca = a.ca;
	o.base = a.base;
	snprintf(uris, sizeof(uris), "[\"%s\"]", env("AIG_AD_GSSAPI_URI"));
	snprintf(svc, sizeof(svc),
		 "{\"sasl_mech\": \"GSSAPI\", \"keytab\": \"%s\"}",
		 env("AIG_AD_KEYTAB"));
	cfg = mkcfg(&o);
	rc = groups_of(cfg, "bob", out, sizeof(out));
	ok(rc == AIG_OK && strstr(out, "AI_Users"),
	   "GSSAPI service bind with the keytab, bob's groups: %s", out);
	rc = groups_of(cfg, "alice", out, sizeof(out));
	ok(rc == AIG_OK && strstr(out, "AI_Admins"),
	   "again (ticket reused from the private cache): %s", out);
	ok(getenv("KRB5CCNAME") == NULL && getenv("KRB5_CLIENT_KTNAME") == NULL,
	   "the environment was not touched");
	aig_config_free(cfg);
	return tap_done();
}

/* The server's certificate does not verify with ca_file: whatever
 * LDAPTLS_* and ./ldaprc say, the connection must fail closed. */
static int run_wrongca(void)
{
	char uris[512];
	struct cfgopt o = {uris, NULL, NULL,  NULL, NULL,
			   NULL, NULL, false, 3000};
	struct aig_config *cfg;
	unsigned ops = 0;
	int rc;

	o.ca = env("AIG_TEST_WRONG_CA");
	o.base = env("AIG_AD_BASE");
	o.domain = env("AIG_AD_DOMAIN");
	ok(getenv("LDAPTLS_REQCERT") != NULL, "LDAPTLS_REQCERT=%s is set",
	   getenv("LDAPTLS_REQCERT"));
	snprintf(uris, sizeof(uris), "[\"%s\"]", env("AIG_AD_URI"));
	cfg = mkcfg(&o);
	rc = auth(cfg, "alice", 5, env("AIG_AD_PASSWORD"), NULL, 0, NULL, &ops);
	ok(rc == AIG_LDAP_ERR_TLS && ops == 0,
	   "LDAPS with the wrong CA fails closed: %s",
	   aig_ldap_status_name(rc));
	aig_config_free(cfg);
	snprintf(uris, sizeof(uris), "[\"%s\"]", env("AIG_AD_STARTTLS_URI"));
	o.starttls = true;
	cfg = mkcfg(&o);
	rc = auth(cfg, "alice", 5, env("AIG_AD_PASSWORD"), NULL, 0, NULL, &ops);
	ok(rc == AIG_LDAP_ERR_TLS && ops == 1,
	   "StartTLS with the wrong CA fails closed before any bind: %s",
	   aig_ldap_status_name(rc));
	aig_config_free(cfg);
	return tap_done();
}

/* ------------------------------------------------------------ DNS SRV
 *
 * ldap.dns_srv against the AD, run by ldap_ad.sh with libresolv_wrapper and
 * libnss_wrapper preloaded: NSS_WRAPPER_HOSTS names dc1.corp.example.com
 * (127.0.0.1, the name in the DC's certificate) and
 * rogue.corp.example.com (127.0.0.1 too, a name the certificate does not
 * hold); AIG_TEST_SRV_DIR is a directory for our files.
 *
 * Two sources of SRV answers, chosen per test through resolv_wrapper's
 * variables (it reads them at each call):
 *   RESOLV_WRAPPER_HOSTS  its hosts file: one SRV record per name at most
 *                         (it stops at the first line that matches), and
 *                         "no such record" comes as a malformed answer
 *                         (a stray record header after the question);
 *   RESOLV_WRAPPER_CONF   glibc's own resolver, sent to a DNS server of
 *                         ours on 127.0.53.x:53 (below): several records
 *                         per name, true NXDOMAIN, and a server that never
 *                         answers. */

#define SRV_DOMAIN "corp.example.com"
#define SRV_DC "dc1.corp.example.com"
#define SRV_DC_URI "ldaps://" SRV_DC ":636"

struct dns_rec {
	const char *name; /* the query name, _ldap._tcp.<domain> */
	unsigned prio, weight, port;
	const char *target; /* "" for "." */
};

static size_t dns_put_name(unsigned char *p, const char *name)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		p[o++] = (unsigned char)l;
		memcpy(p + o, name, l);
		o += l;
		name += l + (dot != NULL);
	}
	p[o++] = 0;
	return o;
}

static void dns_put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Answers the queries arriving on fd from t (n records): the SRV records
 * of the name asked, NXDOMAIN for a name t does not hold. Returns when
 * quit becomes readable (the parent closed its end, or died). */
static void dns_serve(int fd, int quit, const struct dns_rec *t, size_t n)
{
	unsigned char q[512], r[4096];

	for (;;) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {quit, POLLIN, 0}};
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		char name[256];
		size_t o = 12, nl = 0, rl, i;
		unsigned qtype, an = 0;
		bool known = false;
		ssize_t len;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[1].revents)
			return;
		len = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from,
			       &fl);
		if (len < 17)
			continue;
		while (o < (size_t)len && q[o] != 0) {
			size_t l = q[o];

			if (l > 63 || o + 1 + l >= (size_t)len ||
			    nl + l + 2 > sizeof(name))
				break;
			if (nl)
				name[nl++] = '.';
			memcpy(name + nl, q + o + 1, l);
			nl += l;
			o += 1 + l;
		}
		if (o + 5 > (size_t)len || q[o] != 0)
			continue;
		name[nl] = '\0';
		qtype = (unsigned)q[o + 1] << 8 | q[o + 2];
		rl = o + 5; /* header and question, copied */
		memcpy(r, q, rl);
		r[2] = 0x84 | (q[2] & 0x01); /* QR, AA, RD as asked */
		r[3] = 0x80;		     /* RA, NOERROR */
		dns_put16(r + 4, 1);
		memset(r + 6, 0, 6);
		for (i = 0; i < n; i++) {
			size_t rd;

			if (strcasecmp(t[i].name, name) != 0)
				continue;
			known = true;
			if (qtype != 33 /* SRV */ || rl + 300 > sizeof(r))
				continue;
			r[rl++] =
				0xc0; /* the name: a pointer to the question */
			r[rl++] = 12;
			dns_put16(r + rl, 33);
			dns_put16(r + rl + 2, 1); /* IN */
			memset(r + rl + 4, 0, 4);
			r[rl + 7] = 60; /* TTL */
			rd = rl + 8;
			rl += 10;
			dns_put16(r + rl, t[i].prio);
			dns_put16(r + rl + 2, t[i].weight);
			dns_put16(r + rl + 4, t[i].port);
			rl += 6;
			rl += dns_put_name(r + rl, t[i].target);
			dns_put16(r + rd, (unsigned)(rl - rd - 2));
			an++;
		}
		if (!known)
			r[3] |= 3; /* NXDOMAIN */
		dns_put16(r + 6, an);
		sendto(fd, r, rl, 0, (struct sockaddr *)&from, fl);
	}
}

/* A UDP socket on the first free 127.0.53.x:53 (we run as root); its
 * address in addr. */
static int udp53(char *addr, size_t len)
{
	int x;

	for (x = 1; x < 255; x++) {
		struct sockaddr_in a = {0};
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		a.sin_family = AF_INET;
		a.sin_port = htons(53);
		a.sin_addr.s_addr = htonl(0x7f003500u | (unsigned)x);
		if (fd >= 0 &&
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			snprintf(addr, len, "127.0.53.%d", x);
			return fd;
		}
		if (fd >= 0)
			close(fd);
	}
	printf("Bail out! no free 127.0.53.x:53 for a test DNS server\n");
	exit(1);
}

struct dns_server {
	pid_t pid;
	int quit; /* our end of the pipe; closing it ends the child */
	char addr[32];
};

static void dns_start(struct dns_server *d, const struct dns_rec *t, size_t n)
{
	int fd = udp53(d->addr, sizeof(d->addr)), pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0 || (d->pid = fork()) < 0) {
		printf("Bail out! cannot start the test DNS server\n");
		exit(1);
	}
	if (d->pid == 0) {
		close(pfd[1]);
		dns_serve(fd, pfd[0], t, n);
		_exit(0);
	}
	close(fd);
	close(pfd[0]);
	d->quit = pfd[1];
}

static void dns_stop(struct dns_server *d)
{
	close(d->quit);
	waitpid(d->pid, NULL, 0);
}

/* Points resolv_wrapper at its hosts file, or at a DNS server (addr). */
static void use_hosts_file(const char *file)
{
	unsetenv("RESOLV_WRAPPER_CONF");
	setenv("RESOLV_WRAPPER_HOSTS", file, 1);
}

static void use_dns_server(const char *dir, const char *name, const char *addr)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fprintf(f, "nameserver %s\n", addr);
	fclose(f);
	unsetenv("RESOLV_WRAPPER_HOSTS");
	setenv("RESOLV_WRAPPER_CONF", path, 1);
}

/* Connections the silent server (non-blocking) has had since last asked. */
static int knocks(int lfd)
{
	int n = 0, c;

	while ((c = accept(lfd, NULL, NULL)) >= 0) {
		close(c);
		n++;
	}
	return n;
}

/* Connects a new session to the DC(s) of dns_srv; the status, the time it
 * took, and the server connected to (or the error) in out. */
static int srv_connect(const struct ad *a, const char *dns_srv, bool starttls,
		       int timeout_ms, long *ms, char *out, size_t outlen)
{
	struct cfgopt o = {NULL, a->ca, a->base,  a->domain,  NULL,
			   NULL, NULL,	starttls, timeout_ms, dns_srv};
	struct aig_config *cfg = mkcfg(&o);
	struct aig_ldap *s = NULL;
	struct aig_error err = {0};
	long t0 = now_ms();
	int rc;

	aig_ldap_new(cfg, NULL, &s, &err);
	rc = aig_ldap_connect(s, &err);
	*ms = now_ms() - t0;
	snprintf(out, outlen, "%s",
		 rc == AIG_OK ? aig_ldap_server_uri(s) : err.msg);
	if (rc != AIG_OK)
		printf("# %s: %s\n", dns_srv, err.msg);
	aig_ldap_free(s);
	aig_config_free(cfg);
	return rc;
}

/* Through resolv_wrapper's hosts file: one record per name. */
static void srv_hosts_file(const struct ad *a, const char *dir, int hung,
			   int hport)
{
	char path[1024], out[1024];
	struct cfgopt o = {NULL, a->ca,	 a->base, a->domain, NULL,
			   NULL, a->svc, false,	  5000,	     SRV_DOMAIN};
	struct aig_config *cfg;
	unsigned ops = 0;
	long ms;
	FILE *f;
	int rc, k;

	snprintf(path, sizeof(path), "%s/rwrap-hosts", dir);
	if ((f = fopen(path, "w")) == NULL) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fprintf(f,
		"SRV _ldap._tcp." SRV_DOMAIN " " SRV_DC " 389 0 100\n"
		"SRV _ldap._tcp.ldaps.test " SRV_DC " 636 0 100\n"
		"SRV _ldap._tcp.refused.test " SRV_DC " 1 0 100\n"
		"SRV _ldap._tcp.hung.test " SRV_DC " %d 0 100\n"
		"SRV _ldap._tcp.noname.test nosuchdc.corp.example.com 389 0 "
		"100\n"
		"SRV _ldap._tcp.rogue.test rogue.corp.example.com 389 0 100\n"
		"SRV _ldap._tcp.notoffered.test . 0 0 0\n"
		"A " SRV_DC " 127.0.0.1\n",
		hport);
	fclose(f);
	use_hosts_file(path);

	cfg = mkcfg(&o);
	rc = auth(cfg, "alice", 5, a->pw, out, sizeof(out), NULL, &ops);
	ok(rc == AIG_OK && strstr(out, "AI_Admins") &&
		   strstr(out, "Domain Users"),
	   "SRV _ldap._tcp." SRV_DOMAIN ": alice binds, her groups (%u ops): "
	   "%s",
	   ops, out);
	rc = groups_of(cfg, "bob", out, sizeof(out));
	ok(rc == AIG_OK && strstr(out, "AI_Users"),
	   "SRV: bob's groups through the service account: %s", out);
	aig_config_free(cfg);

	rc = srv_connect(a, SRV_DOMAIN, false, 5000, &ms, out, sizeof(out));
	ok(rc == AIG_OK && strcmp(out, SRV_DC_URI) == 0,
	   "SRV: the server is %s (port 389 taken as LDAPS 636) (%ld ms)", out,
	   ms);
	rc = srv_connect(a, SRV_DOMAIN, true, 5000, &ms, out, sizeof(out));
	ok(rc == AIG_OK && strcmp(out, "ldap://" SRV_DC ":389") == 0,
	   "SRV with starttls: the server is %s", out);
	o.starttls = true;
	cfg = mkcfg(&o);
	rc = auth(cfg, "alice", 5, a->pw, out, sizeof(out), NULL, NULL);
	ok(rc == AIG_OK && strstr(out, "AI_Admins"),
	   "SRV with starttls: alice binds: %s", out);
	aig_config_free(cfg);
	rc = srv_connect(a, "ldaps.test", false, 5000, &ms, out, sizeof(out));
	ok(rc == AIG_OK && strcmp(out, SRV_DC_URI) == 0,
	   "SRV naming port 636: %s", out);

	rc = srv_connect(a, "rogue.test", false, 3000, &ms, out, sizeof(out));
	ok(rc == AIG_LDAP_ERR_TLS,
	   "SRV target whose name the certificate does not hold: %s",
	   aig_ldap_status_name(rc));

	rc = srv_connect(a, "refused.test", false, 1000, &ms, out, sizeof(out));
	ok(rc == AIG_ERR_UNAVAILABLE && ms < 1000 + 200,
	   "SRV target refusing connections: unavailable in %ld ms", ms);
	knocks(hung);
	rc = srv_connect(a, "hung.test", false, 1000, &ms, out, sizeof(out));
	k = knocks(hung);
	ok(rc == AIG_ERR_UNAVAILABLE && ms < 1000 + 200 && k == 1,
	   "SRV target that accepts and hangs: unavailable in %ld ms "
	   "(timeout 1000; it was knocked on %d time(s))",
	   ms, k);
	rc = srv_connect(a, "noname.test", false, 1000, &ms, out, sizeof(out));
	ok(rc == AIG_ERR_UNAVAILABLE && ms < 200,
	   "SRV target with no address: unavailable in %ld ms", ms);
	/* (resolv_wrapper's "no such record" answer has a stray record
	 * header after its question, which ns_initparse() refuses: a
	 * malformed answer, which must count as "unavailable" too.) */
	rc = srv_connect(a, "nosrv.test", false, 1000, &ms, out, sizeof(out));
	ok(rc == AIG_ERR_UNAVAILABLE && ms < 200,
	   "no SRV record (resolv_wrapper): %s in %ld ms",
	   aig_ldap_status_name(rc), ms);
	rc = srv_connect(a, "notoffered.test", false, 1000, &ms, out,
			 sizeof(out));
	ok(rc == AIG_ERR_UNAVAILABLE && ms < 200 &&
		   strstr(out, "no SRV records"),
	   "SRV target \".\" (service not offered): %s in %ld ms",
	   aig_ldap_status_name(rc), ms);
}

/* Through glibc's resolver and our DNS server: several records a name. */
static void srv_dns_server(const struct ad *a, const char *dir, int hung,
			   int hport)
{
	const struct dns_rec t[] = {
		/* listed out of order on purpose */
		{"_ldap._tcp.order.test", 20, 100, 389, "c.order.test"},
		{"_ldap._tcp.order.test", 0, 100, 389, "a.order.test"},
		{"_ldap._tcp.order.test", 10, 100, 389, "b.order.test"},
		{"_ldap._tcp.refusedfirst.test", 10, 100, 389, SRV_DC},
		{"_ldap._tcp.refusedfirst.test", 0, 100, 1, SRV_DC},
		{"_ldap._tcp.hungfirst.test", 10, 100, 389, SRV_DC},
		{"_ldap._tcp.hungfirst.test", 0, 100, (unsigned)hport, SRV_DC},
		{"_ldap._tcp.livefirst.test", 10, 100, (unsigned)hport, SRV_DC},
		{"_ldap._tcp.livefirst.test", 0, 100, 389, SRV_DC},
		{"_ldap._tcp.alldead.test", 0, 100, 1, SRV_DC},
		{"_ldap._tcp.alldead.test", 5, 100, (unsigned)hport, SRV_DC},
		{"_ldap._tcp.alldead.test", 10, 100, 389,
		 "nosuchdc.corp.example.com"},
		{"_ldap._tcp.dotfirst.test", 0, 0, 0, ""},
		{"_ldap._tcp.dotfirst.test", 10, 100, 389, SRV_DC},
	};
	struct dns_server d;
	struct aig_ldap_srv *v = NULL;
	struct aig_error err = {0};
	struct cfgopt o = {NULL, a->ca, a->base, a->domain,	     NULL, NULL,
			   NULL, false, 2000,	 "refusedfirst.test"};
	struct aig_config *cfg;
	char out[1024], silent[32];
	size_t n = 0;
	long ms, t0;
	int rc, sfd, k;

	dns_start(&d, t, sizeof(t) / sizeof(t[0]));
	use_dns_server(dir, "resolv", d.addr);

	t0 = now_ms();
	rc = aig_ldap_srv_lookup("order.test", 2000, &v, &n, &err);
	ms = now_ms() - t0;
	ok(rc == AIG_OK && n == 3 && strcmp(v[0].host, "a.order.test") == 0 &&
		   strcmp(v[1].host, "b.order.test") == 0 &&
		   strcmp(v[2].host, "c.order.test") == 0,
	   "DNS server %s: three records, ordered by priority (%ld ms): %s",
	   d.addr, ms, rc == AIG_OK ? "ok" : err.msg);
	free(v);

	cfg = mkcfg(&o);
	t0 = now_ms();
	rc = auth(cfg, "alice", 5, a->pw, out, sizeof(out), NULL, NULL);
	ms = now_ms() - t0;
	ok(rc == AIG_OK && strstr(out, "AI_Admins") && ms < 2000,
	   "SRV failover: priority 0 refuses, alice binds on priority 10 "
	   "(%ld ms): %s",
	   ms, out);
	aig_config_free(cfg);
	rc = srv_connect(a, "refusedfirst.test", false, 2000, &ms, out,
			 sizeof(out));
	ok(rc == AIG_OK && strcmp(out, SRV_DC_URI) == 0 && ms < 2000,
	   "SRV failover past a refusing DC: %s (%ld ms)", out, ms);
	knocks(hung);
	rc = srv_connect(a, "hungfirst.test", false, 2000, &ms, out,
			 sizeof(out));
	k = knocks(hung);
	ok(rc == AIG_OK && strcmp(out, SRV_DC_URI) == 0 && ms < 2000 && k == 1,
	   "SRV failover past a hung DC (priority 0, knocked on %d time(s)): "
	   "%s (%ld ms)",
	   k, out, ms);
	rc = srv_connect(a, "livefirst.test", false, 2000, &ms, out,
			 sizeof(out));
	k = knocks(hung);
	ok(rc == AIG_OK && strcmp(out, SRV_DC_URI) == 0 && k == 0,
	   "SRV: the priority 0 DC is used, the hung priority 10 one never "
	   "tried (%d knocks) (%ld ms)",
	   k, ms);
	rc = srv_connect(a, "alldead.test", false, 1000, &ms, out, sizeof(out));
	k = knocks(hung);
	ok(rc == AIG_ERR_UNAVAILABLE && ms < 1000 + 200 && k == 1,
	   "SRV, every DC dead (refused, hung, no address): unavailable in "
	   "%ld ms (timeout 1000; the hung one knocked on %d time(s))",
	   ms, k);
	rc = srv_connect(a, "nxdomain.test", false, 1000, &ms, out,
			 sizeof(out));
	ok(rc == AIG_ERR_UNAVAILABLE && ms < 200, "NXDOMAIN: %s in %ld ms",
	   aig_ldap_status_name(rc), ms);
	rc = srv_connect(a, "dotfirst.test", false, 2000, &ms, out,
			 sizeof(out));
	ok(rc == AIG_OK && strcmp(out, SRV_DC_URI) == 0,
	   "a \".\" record among others is skipped: %s", out);

	/* A DNS server that never answers: the lookup too keeps to
	 * ldap.timeout_ms (glibc's defaults would take 10 s). */
	sfd = udp53(silent, sizeof(silent));
	use_dns_server(dir, "silent", silent);
	rc = srv_connect(a, SRV_DOMAIN, false, 1000, &ms, out, sizeof(out));
	ok(rc == AIG_ERR_UNAVAILABLE && ms < 1000 + 200,
	   "DNS server %s silent: %s in %ld ms (timeout 1000)", silent,
	   aig_ldap_status_name(rc), ms);
	close(sfd);
	dns_stop(&d);
}

static int run_srv(void)
{
	const char *dir = env("AIG_TEST_SRV_DIR");
	const char *pre = getenv("LD_PRELOAD");
	struct ad a;
	int hung, hport;

	if (pre == NULL || strstr(pre, "resolv_wrapper") == NULL ||
	    strstr(pre, "nss_wrapper") == NULL) {
		printf("Bail out! run with libresolv_wrapper and "
		       "libnss_wrapper in LD_PRELOAD\n");
		return 1;
	}
	ad_init(&a);
	hung = silent_server(&hport);
	fcntl(hung, F_SETFL, fcntl(hung, F_GETFL) | O_NONBLOCK);
	srv_hosts_file(&a, dir, hung, hport);
	srv_dns_server(&a, dir, hung, hport);
	close(hung);
	return tap_done();
}

/* -------------------------------------------------------------- slapd */

static int run_slapd(void)
{
	static const struct {
		const char *user, *groups;
	} t[] = {
		{"alice", "AI_Admins"},
		{"bob", "AI_Users,Data_Scientists"},
		{"ophelia", "AI_Admins,ML_Platform"},
		{"jsmith", "AI_Users"},
		{"mallory", "Finance"},
		{"cyril", "Cycle_A,Cycle_B"},
	};
	char uris[512], svc[1024], out[1024];
	struct cfgopt o = {uris,  NULL, NULL,  NULL, "memberof",
			   "uid", svc,	false, 5000};
	struct aig_config *cfg;
	const char *pw = env("AIG_SLAPD_PASSWORD");
	unsigned ops = 0;
	size_t i;
	int rc;

	o.ca = env("AIG_SLAPD_CA");
	o.base = env("AIG_SLAPD_BASE");
	snprintf(uris, sizeof(uris), "[\"%s\"]", env("AIG_SLAPD_LDAPS_URI"));
	snprintf(svc, sizeof(svc),
		 "{\"dn\": \"%s\", \"password_file\": \"%s\"}",
		 env("AIG_SLAPD_SVC_DN"), env("AIG_SLAPD_SVC_PASSWORD_FILE"));
	cfg = mkcfg(&o);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = auth(cfg, t[i].user, strlen(t[i].user), pw, out,
			  sizeof(out), NULL, &ops);
		ok(rc == AIG_OK && strcmp(out, t[i].groups) == 0,
		   "slapd: %s by memberof (%u ops): %s", t[i].user, ops, out);
	}
	rc = auth(cfg, "bob", 3, "wrong", NULL, 0, NULL, NULL);
	ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS, "slapd: wrong password: %s",
	   aig_ldap_status_name(rc));
	{
		/* The name as stored, whatever the spelling typed. */
		struct aig_ldap *s = NULL;
		struct aig_error err = {0};
		const char *name = NULL;

		if ((rc = aig_ldap_new(cfg, NULL, &s, &err)) == AIG_OK &&
		    (rc = aig_ldap_authenticate(s, "BoB", 3, pw, NULL, &err)) ==
			    AIG_OK)
			name = aig_ldap_bound_user_name(s);
		ok(rc == AIG_OK && name != NULL && strcmp(name, "bob") == 0,
		   "slapd: \"BoB\" authenticates as the uid stored: %s",
		   name ? name : err.msg);
		aig_ldap_free(s);
	}
	{
		/* "Who am I?" after a user's bind: "dn:" and bob's DN. */
		struct aig_ldap *s = NULL;
		struct aig_ldap_user *bob = NULL, *alice = NULL;
		struct aig_error err = {0};
		char *id = NULL;
		bool supported = false;

		if ((rc = aig_ldap_new(cfg, NULL, &s, &err)) == AIG_OK &&
		    (rc = aig_ldap_bind_service(s, &err)) == AIG_OK &&
		    (rc = aig_ldap_find_user(s, "bob", 3, &bob, &err)) ==
			    AIG_OK &&
		    (rc = aig_ldap_find_user(s, "alice", 5, &alice, &err)) ==
			    AIG_OK &&
		    (rc = aig_ldap_bind_dn(s, bob->dn, pw, &err)) == AIG_OK)
			rc = aig_ldap_whoami(s, &id, &supported, &err);
		ok(rc == AIG_OK && supported && id &&
			   aig_ldap_authzid_names(id, bob->dn, NULL, NULL) &&
			   !aig_ldap_authzid_names(id, alice->dn, NULL, NULL),
		   "slapd: \"Who am I?\" as bob: %s names bob, not alice",
		   id ? id : err.msg);
		free(id);
		aig_ldap_user_free(bob);
		aig_ldap_user_free(alice);
		aig_ldap_free(s);
	}
	{
		/* aigatectl's bind as a DN takes the logins' path: a password
		 * over 1024 bytes is refused before any traffic; one of 1024
		 * bytes is sent (and refused by the server). */
		struct aig_ldap *s = NULL;
		struct aig_error err = {0};
		char longpw[1026];
		unsigned ops = 0;
		int r2 = AIG_OK;

		memset(longpw, 'x', sizeof(longpw) - 1);
		longpw[sizeof(longpw) - 1] = '\0';
		if ((rc = aig_ldap_new(cfg, NULL, &s, &err)) == AIG_OK) {
			rc = aig_ldap_bind_dn(s, "cn=nobody,dc=example,dc=org",
					      longpw, &err);
			ops = aig_ldap_op_count(s);
			longpw[1024] = '\0';
			r2 = aig_ldap_bind_dn(s, "cn=nobody,dc=example,dc=org",
					      longpw, NULL);
		}
		ok(rc == AIG_LDAP_ERR_BAD_CREDENTIALS && ops == 0 &&
			   strstr(err.msg, "not sent") != NULL,
		   "slapd: bind_dn with a 1025-byte password: refused "
		   "locally, %u operations: %s",
		   ops, err.msg);
		ok(r2 == AIG_LDAP_ERR_BAD_CREDENTIALS && s != NULL &&
			   aig_ldap_op_count(s) > ops,
		   "slapd: ... one of 1024 bytes is sent: %s",
		   aig_ldap_status_name(r2));
		aig_ldap_free(s);
	}
	{
		/* None of AD's account attributes: nothing to refuse. */
		struct aig_ldap *s = NULL;
		struct aig_ldap_user *u = NULL;
		struct aig_error err = {0};

		if ((rc = aig_ldap_new(cfg, NULL, &s, &err)) == AIG_OK &&
		    (rc = aig_ldap_bind_service(s, &err)) == AIG_OK &&
		    (rc = aig_ldap_find_user(s, "alice", 5, &u, &err)) ==
			    AIG_OK)
			rc = aig_ldap_account_state(u, time(NULL), &err);
		ok(rc == AIG_OK, "slapd: alice's account state: %s",
		   rc == AIG_OK ? "usable" : err.msg);
		aig_ldap_user_free(u);
		aig_ldap_free(s);
	}
	rc = auth(cfg, "*", 1, pw, NULL, 0, NULL, NULL);
	ok(rc == AIG_LDAP_ERR_NO_SUCH_USER, "slapd: login \"*\": %s",
	   aig_ldap_status_name(rc));
	rc = auth(cfg, "*)(uid=*", 8, pw, NULL, 0, NULL, NULL);
	ok(rc == AIG_LDAP_ERR_NO_SUCH_USER, "slapd: login \"*)(uid=*\": %s",
	   aig_ldap_status_name(rc));
	aig_config_free(cfg);

	/* StartTLS on the plain port */
	snprintf(uris, sizeof(uris), "[\"%s\"]", env("AIG_SLAPD_URI"));
	o.starttls = true;
	cfg = mkcfg(&o);
	rc = auth(cfg, "bob", 3, pw, out, sizeof(out), NULL, NULL);
	ok(rc == AIG_OK && strcmp(out, "AI_Users,Data_Scientists") == 0,
	   "slapd: StartTLS: %s", out);
	aig_config_free(cfg);

	/* SASL EXTERNAL with the client certificate */
	snprintf(uris, sizeof(uris), "[\"%s\"]", env("AIG_SLAPD_LDAPS_URI"));
	snprintf(svc, sizeof(svc),
		 "{\"sasl_mech\": \"EXTERNAL\", \"cert_file\": \"%s\", "
		 "\"key_file\": \"%s\"}",
		 env("AIG_SLAPD_CLIENT_CERT"), env("AIG_SLAPD_CLIENT_KEY"));
	o.starttls = false;
	cfg = mkcfg(&o);
	{
		struct aig_ldap *s = NULL;
		struct aig_ldap_user *u = NULL;
		struct aig_strv g = {NULL, 0};
		struct aig_error err = {0};

		/* the certificate comes from service_bind's cert_file and
		 * key_file alone */
		rc = aig_ldap_new(cfg, NULL, &s, &err);
		if (rc == AIG_OK)
			rc = aig_ldap_bind_service(s, &err);
		ok(rc == AIG_OK, "slapd: SASL EXTERNAL bind: %s", err.msg);
		if (rc == AIG_OK &&
		    (rc = aig_ldap_find_user(s, "ophelia", 7, &u, &err)) ==
			    AIG_OK)
			rc = aig_ldap_groups(s, u, &g, &err);
		ok(rc == AIG_OK &&
			   strcmp(strv_join(&g), "AI_Admins,ML_Platform") == 0,
		   "slapd: ophelia's groups as the EXTERNAL identity: %s",
		   rc == AIG_OK ? strv_join(&g) : err.msg);
		aig_ldap_strv_free(&g);
		aig_ldap_user_free(u);
		aig_ldap_free(s);
	}
	aig_config_free(cfg);
	return tap_done();
}

/* "cold METHOD N": N logins (bob, then alice, in turn) with their groups
 * by METHOD on one new session, without service_bind; ldap_ad.sh counts
 * the operations the DC saw in its own log. Prints the groups of the last
 * and aigate's own count; fails if a login fails. */
static int run_cold(const char *method, int n)
{
	struct ad a;
	struct aig_config *cfg;
	struct aig_ldap *s = NULL;
	struct aig_strv g = {NULL, 0};
	struct aig_error err = {0};
	int i, rc = AIG_OK;

	ad_init(&a);
	cfg = ad_cfg(&a, method, false);
	if (aig_ldap_new(cfg, NULL, &s, &err) != AIG_OK)
		rc = err.status;
	for (i = 0; i < n && rc == AIG_OK; i++) {
		const char *login = i % 2 ? "alice" : "bob";

		aig_ldap_strv_free(&g);
		rc = aig_ldap_authenticate(s, login, strlen(login), a.pw, &g,
					   &err);
	}
	if (rc == AIG_OK)
		printf("# %d login(s) by %s: %u operations by aigate's count; "
		       "groups %s\n",
		       n, method, aig_ldap_op_count(s), strv_join(&g));
	else
		printf("# login by %s failed: %s\n", method, err.msg);
	aig_ldap_strv_free(&g);
	aig_ldap_free(s);
	aig_config_free(cfg);
	return rc == AIG_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "ad") == 0)
		return run_ad(false);
	if (strcmp(mode, "ad-short") == 0)
		return run_ad(true);
	if (strcmp(mode, "gssapi") == 0)
		return run_gssapi();
	if (strcmp(mode, "wrongca") == 0)
		return run_wrongca();
	if (strcmp(mode, "srv") == 0)
		return run_srv();
	if (strcmp(mode, "slapd") == 0)
		return run_slapd();
	if (strcmp(mode, "cold") == 0 && argc == 4)
		return run_cold(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: ldap_driver ad|ad-short|gssapi|wrongca|srv|"
			"slapd|cold METHOD N\n");
	return 2;
}
