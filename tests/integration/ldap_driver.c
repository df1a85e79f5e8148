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
 *   ldap_driver slapd     generic LDAP: memberof, cycles, EXTERNAL
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ldap_int.h"
#include "../unit/tap.h"

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
};

static struct aig_config *mkcfg(const struct cfgopt *o)
{
	char text[8192], dom[512] = "", svc[2048] = "";
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};

	if (o->domain)
		snprintf(dom, sizeof(dom), "\"domain\": \"%s\",", o->domain);
	if (o->service)
		snprintf(svc, sizeof(svc), ", \"service_bind\": %s",
			 o->service);
	snprintf(text, sizeof(text),
		 "{\"ldap\": {\"uri\": %s, %s \"base_dn\": \"%s\", "
		 "\"ca_file\": \"%s\", \"starttls\": %s, \"timeout_ms\": %d, "
		 "\"login_attribute\": \"%s\", \"groups\": \"%s\"%s},"
		 " \"auth\": {\"methods\": [\"basic\"]},"
		 " \"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		 " \"policy_file\": \"/nonexistent/policy.json\"}",
		 o->uris, dom, o->base, o->ca, o->starttls ? "true" : "false",
		 o->timeout_ms ? o->timeout_ms : 5000,
		 o->login_attr ? o->login_attr : "sAMAccountName",
		 o->groups ? o->groups : "tokengroups", svc);
	if (aig_config_parse("driver", text, strlen(text), &cfg, &err) !=
	    AIG_OK) {
		printf("Bail out! config: %s\n%s\n", err.msg, text);
		exit(1);
	}
	return cfg;
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
			printf("ok %d - # SKIP %s: not set up\n", ++tap_n,
			       t[i].var);
			continue;
		}
		rc = auth(cfg, u, strlen(u), a->pw, NULL, 0, &code, NULL);
		if (code != t[i].code && getenv("AIG_TEST_STRICT") == NULL) {
			printf("ok %d - # SKIP %s: Samba answered data %x "
			       "(%s), not %x\n",
			       ++tap_n, u, code, aig_ldap_status_name(rc),
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
		ok(rc == AIG_OK && ops <= (m == 0 ? 4u : 3u),
		   "authenticate and get groups by %s: %u operations "
		   "(bind + %u searches)",
		   methods[m], ops, ops - 1);
		aig_config_free(cfg);
	}
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

static int run_ad(bool short_run)
{
	struct ad a;

	ad_init(&a);
	ad_connect_tls(&a);
	ad_refused_locally(&a);
	ad_groups(&a, short_run);
	ad_budget(&a);
	if (!short_run) {
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
	snprintf(svc, sizeof(svc), "{\"sasl_mech\": \"EXTERNAL\"}");
	o.starttls = false;
	cfg = mkcfg(&o);
	{
		struct aig_ldap *s = NULL;
		struct aig_ldap_user *u = NULL;
		struct aig_strv g = {NULL, 0};
		struct aig_error err = {0};

		aig_ldap_new(cfg, NULL, &s, &err);
		aig_ldap_set_client_cert(s, env("AIG_SLAPD_CLIENT_CERT"),
					 env("AIG_SLAPD_CLIENT_KEY"), &err);
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
	if (strcmp(mode, "slapd") == 0)
		return run_slapd();
	fprintf(stderr,
		"usage: ldap_driver ad|ad-short|gssapi|wrongca|slapd\n");
	return 2;
}
