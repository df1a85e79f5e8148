/* SPDX-License-Identifier: Apache-2.0 */
/* test_pam.c - pam_aigate without root, AD or libpam's stack: the table
 * that turns what a bind or the account state said into a PAM code (the
 * AD BIND RESULTS of pam_aigate(8)), from the diagnostic text AD sends,
 * and the module arguments, hostile ones included. Runs under valgrind
 * and ASan/UBSan in make check. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>

#include "aig_pam.h"
#include "aig_test.h"

static char tmpdir[] = "/tmp/aig-test-pam-XXXXXX";
static char good_config[300];

/* ------------------------------------------- what the module logs */

/* The module logs through pam_syslog(3); this program's definition
 * takes the place of libpam's, so that the tests read the lines (kept
 * apart by " | "). */
static char logged[8192];
static int logged_max_priority;

void pam_syslog(const pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	size_t n = strlen(logged);
	va_list ap;

	(void)pamh;
	if (priority < logged_max_priority)
		logged_max_priority = priority;
	if (n > 0 && n < sizeof(logged) - 3) { /* lines apart: " | " */
		memcpy(logged + n, " | ", 4);
		n += 3;
	}
	va_start(ap, fmt);
	vsnprintf(logged + n, sizeof(logged) - n, fmt, ap);
	va_end(ap);
}

static void log_clear(void)
{
	logged[0] = '\0';
	logged_max_priority = LOG_DEBUG + 1;
}

/* aig_pam_ctx_init() with config=good_config ahead of args (NULL-ended).
 * The context borrows the strings of argv, which libpam keeps for the
 * handle's life: here they are static. */
static int init(struct aig_pam_ctx *ctx, const char *const *args)
{
	static const char *argv[64];
	static char config_arg[320];
	int argc = 0;

	snprintf(config_arg, sizeof(config_arg), "config=%s", good_config);
	argv[argc++] = config_arg;
	while (*args != NULL && argc < 64)
		argv[argc++] = *args++;
	log_clear();
	return aig_pam_ctx_init(ctx, NULL, argc, argv);
}

/* ---------------------------------------------- AD results -> PAM */

/* What a Windows DC writes for a refused simple bind. */
static void ad_diag(char *buf, size_t size, const char *code)
{
	snprintf(buf, size,
		 "80090308: LdapErr: DSID-0C09041C, comment: "
		 "AcceptSecurityContext error, data %s, v4563",
		 code);
}

struct row {
	const char *ad;	   /* the sub-code as AD writes it */
	int auth, account; /* -1: the account phase has no such state */
};

static void test_ad_table(void)
{
	static const struct row rows[] = {
		{"52e", PAM_AUTH_ERR, -1},
		{"525", PAM_AUTH_ERR, -1},
		{"530", PAM_PERM_DENIED, -1},
		{"531", PAM_PERM_DENIED, -1},
		{"532", PAM_SUCCESS, PAM_NEW_AUTHTOK_REQD},
		{"773", PAM_SUCCESS, PAM_NEW_AUTHTOK_REQD},
		{"533", PAM_ACCT_EXPIRED, PAM_ACCT_EXPIRED},
		{"701", PAM_ACCT_EXPIRED, PAM_ACCT_EXPIRED},
		{"775", PAM_MAXTRIES, PAM_PERM_DENIED},
		/* not in the table: refused as a bad password */
		{"999", PAM_AUTH_ERR, -1},
	};
	char diag[256];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int status;

		ad_diag(diag, sizeof(diag), rows[i].ad);
		status = aig_ldap_ad_code_status(aig_ldap_ad_code_parse(diag));
		ok(aig_pam_auth_code(status) == rows[i].auth,
		   "data %s: auth gives %d (%s)", rows[i].ad,
		   aig_pam_auth_code(status), aig_ldap_status_name(status));
		if (rows[i].account >= 0)
			ok(aig_pam_account_code(status) == rows[i].account,
			   "data %s: account gives %d", rows[i].ad,
			   aig_pam_account_code(status));
	}
	ok(aig_pam_auth_code(aig_ldap_ad_code_status(aig_ldap_ad_code_parse(
		   "Invalid credentials"))) == PAM_AUTH_ERR,
	   "a refusal without a sub-code (plain LDAP): PAM_AUTH_ERR");
	ok(aig_pam_account_code(AIG_LDAP_ERR_NO_SUCH_USER) == PAM_USER_UNKNOWN,
	   "account: no entry is PAM_USER_UNKNOWN");
	ok(aig_pam_auth_code(AIG_OK) == PAM_SUCCESS &&
		   aig_pam_account_code(AIG_OK) == PAM_SUCCESS,
	   "AIG_OK: PAM_SUCCESS in both phases");
}

/* No DC, TLS refused, a server fault: PAM_AUTHINFO_UNAVAIL, never a
 * success or a refusal of the user. */
static void test_unreachable(void)
{
	static const int outages[] = {AIG_ERR_UNAVAILABLE, AIG_LDAP_ERR_TLS,
				      AIG_LDAP_ERR_SERVER, AIG_ERR_INTERNAL,
				      AIG_ERR_IO};
	size_t i;

	for (i = 0; i < sizeof(outages) / sizeof(outages[0]); i++)
		ok(aig_pam_auth_code(outages[i]) == PAM_AUTHINFO_UNAVAIL &&
			   aig_pam_account_code(outages[i]) ==
				   PAM_AUTHINFO_UNAVAIL,
		   "%s: PAM_AUTHINFO_UNAVAIL in both phases",
		   aig_ldap_status_name(outages[i]));
	ok(aig_pam_auth_code(-1) == PAM_AUTHINFO_UNAVAIL &&
		   aig_pam_auth_code(AIG_LDAP_ERR__MAX + 1000) ==
			   PAM_AUTHINFO_UNAVAIL,
	   "an unknown status fails closed");
}

/* Fail closed: no status but AIG_OK, 532 and 773 lets the auth phase
 * succeed, and none but AIG_OK the account phase. */
static void test_only_ok_succeeds(void)
{
	int s, auth_ok = 0, account_ok = 0;

	for (s = -5; s < AIG_LDAP_ERR__MAX + 5; s++) {
		if (aig_pam_auth_code(s) == PAM_SUCCESS && s != AIG_OK &&
		    s != AIG_LDAP_ERR_PASSWORD_EXPIRED &&
		    s != AIG_LDAP_ERR_MUST_CHANGE)
			auth_ok++;
		if (aig_pam_account_code(s) == PAM_SUCCESS && s != AIG_OK)
			account_ok++;
	}
	ok(auth_ok == 0, "auth: no other status is PAM_SUCCESS (%d)", auth_ok);
	ok(account_ok == 0, "account: no other status is PAM_SUCCESS (%d)",
	   account_ok);
}

/* ------------------------------------------------------------ options */

static void test_defaults(void)
{
	static const char *const none[] = {NULL};
	struct aig_pam_ctx ctx;

	ok(init(&ctx, none) == PAM_SUCCESS && ctx.cfg != NULL &&
		   strcmp(ctx.config_path, good_config) == 0,
	   "config= names the file, which loads");
	ok(!ctx.debug && ctx.n_require == 0 && ctx.warn_expiry_days == -1 &&
		   !ctx.groups_cache &&
		   ctx.groups_cache_ttl == AIG_PAM_CACHE_TTL_DEFAULT &&
		   ctx.log.max_priority == LOG_INFO,
	   "defaults: no debug, no group, no warning, no cache (ttl %d)",
	   ctx.groups_cache_ttl);
	ok(logged[0] == '\0', "nothing logged: %s", logged);
	aig_pam_ctx_free(&ctx);
	ok(ctx.cfg == NULL, "aig_pam_ctx_free() drops the configuration");
}

static void test_config_option(void)
{
	static const char *argv[3];
	static char arg[320];
	struct aig_pam_ctx ctx;

	snprintf(arg, sizeof(arg), "config=%s/missing.json", tmpdir);
	argv[0] = arg;
	log_clear();
	ok(aig_pam_ctx_init(&ctx, NULL, 1, argv) == PAM_SERVICE_ERR &&
		   ctx.cfg == NULL && strstr(logged, "configuration: ") &&
		   logged_max_priority == LOG_ERR,
	   "a missing file: PAM_SERVICE_ERR, logged: %s", logged);
	aig_pam_ctx_free(&ctx);

	snprintf(arg, sizeof(arg), "config=%s/bad.json", tmpdir);
	aig_test_write_in(tmpdir, "bad.json", "{\"ldap\": 3}", 0644);
	log_clear();
	ok(aig_pam_ctx_init(&ctx, NULL, 1, argv) == PAM_SERVICE_ERR &&
		   ctx.cfg == NULL && strstr(logged, "bad.json"),
	   "an invalid file: PAM_SERVICE_ERR, logged: %s", logged);
	aig_pam_ctx_free(&ctx);

	/* the last non-empty config= wins; an empty one is ignored */
	snprintf(arg, sizeof(arg), "config=%s", good_config);
	argv[0] = "config=/nonexistent/aigate.json";
	argv[1] = arg;
	argv[2] = "config=";
	log_clear();
	ok(aig_pam_ctx_init(&ctx, NULL, 3, argv) == PAM_SUCCESS &&
		   strcmp(ctx.config_path, good_config) == 0,
	   "the last non-empty config= wins (%s)", ctx.config_path);
	aig_pam_ctx_free(&ctx);

	argv[0] = "config=";
	log_clear();
	(void)aig_pam_ctx_init(&ctx, NULL, 1, argv);
	ok(strcmp(ctx.config_path, aig_config_default_path()) == 0,
	   "config= alone: the default file (%s)", ctx.config_path);
	aig_pam_ctx_free(&ctx);
}

static void test_flags(void)
{
	static const char *const debug[] = {"debug", NULL};
	static const char *const pass[] = {"use_first_pass", "try_first_pass",
					   "use_authtok", NULL};
	struct aig_pam_ctx ctx;

	ok(init(&ctx, debug) == PAM_SUCCESS && ctx.debug &&
		   ctx.log.max_priority == LOG_DEBUG &&
		   strstr(logged, "require_group, warn_expiry_days"),
	   "debug: logs at LOG_DEBUG, the options among them");
	aig_pam_ctx_free(&ctx);
	ok(init(&ctx, pass) == PAM_SUCCESS && logged[0] == '\0' && !ctx.debug &&
		   ctx.n_require == 0,
	   "use_first_pass, try_first_pass, use_authtok: known, left to "
	   "pam_get_authtok()");
	aig_pam_ctx_free(&ctx);
}

static void test_require_group(void)
{
	static const char *const three[] = {"require_group=AI_Users",
					    "require_group=Domain Admins",
					    "require_group=Ünïcode", NULL};
	static const char *const empty[] = {"require_group=", NULL};
	const char *many[AIG_PAM_MAX_REQUIRE + 3];
	struct aig_pam_ctx ctx;
	int i;

	ok(init(&ctx, three) == PAM_SUCCESS && ctx.n_require == 3 &&
		   strcmp(ctx.require_group[0], "AI_Users") == 0 &&
		   strcmp(ctx.require_group[1], "Domain Admins") == 0 &&
		   strcmp(ctx.require_group[2], "Ünïcode") == 0,
	   "require_group= repeated: each kept, in order");
	aig_pam_ctx_free(&ctx);

	ok(init(&ctx, empty) == PAM_SUCCESS && ctx.n_require == 0 &&
		   strstr(logged, "unknown option ignored"),
	   "require_group= without a name: ignored, logged: %s", logged);
	aig_pam_ctx_free(&ctx);

	for (i = 0; i < AIG_PAM_MAX_REQUIRE + 2; i++)
		many[i] = "require_group=G";
	many[i] = NULL;
	ok(init(&ctx, many) == PAM_SUCCESS &&
		   ctx.n_require == AIG_PAM_MAX_REQUIRE &&
		   strstr(logged, "too many require_group options") &&
		   logged_max_priority == LOG_ERR,
	   "%d require_group: the first %d kept, the rest logged",
	   AIG_PAM_MAX_REQUIRE + 2, AIG_PAM_MAX_REQUIRE);
	aig_pam_ctx_free(&ctx);
}

/* One numeric option: arg gives want (-1: refused, logged). */
static void expect_number(const char *arg, int want, bool ttl)
{
	const char *args[3] = {"groups_cache", arg, NULL};
	struct aig_pam_ctx ctx;
	int got;
	bool logged_err;

	if (init(&ctx, args) != PAM_SUCCESS) {
		ok(0, "%s: the configuration loads", arg);
		return;
	}
	got = ttl ? ctx.groups_cache_ttl : ctx.warn_expiry_days;
	logged_err =
		strstr(logged, ttl ? "groups_cache_ttl: not 1 to"
				   : "warn_expiry_days: not a number") != NULL;
	ok(got == want && logged_err == (want < 0) &&
		   (!ttl || ctx.groups_cache == (want > 0)),
	   "%.40s: %d%s", arg, got,
	   want < 0 ? (ttl ? ", logged, groups_cache off" : ", logged") : "");
	aig_pam_ctx_free(&ctx);
}

static void test_numbers(void)
{
	char longer[300];

	expect_number("warn_expiry_days=7", 7, false);
	expect_number("warn_expiry_days=0", 0, false);
	expect_number("warn_expiry_days=3650", 3650, false);
	expect_number("warn_expiry_days=3651", -1, false);
	expect_number("warn_expiry_days=-1", -1, false);
	expect_number("warn_expiry_days=-2147483648", -1, false);
	expect_number("warn_expiry_days=", -1, false);
	expect_number("warn_expiry_days=seven", -1, false);
	expect_number("warn_expiry_days=7d", -1, false);
	expect_number("warn_expiry_days=0x10", -1, false);
	expect_number("warn_expiry_days=99999999999999999999999", -1, false);

	expect_number("groups_cache_ttl=60", 60, true);
	expect_number("groups_cache_ttl=1", 1, true);
	expect_number("groups_cache_ttl=86400", 86400, true);
	expect_number("groups_cache_ttl=86401", -1, true);
	expect_number("groups_cache_ttl=0", -1, true);
	expect_number("groups_cache_ttl=-60", -1, true);
	expect_number("groups_cache_ttl= 60", -1, true);
	expect_number("groups_cache_ttl=+60", -1, true);
	expect_number("groups_cache_ttl=", -1, true);
	expect_number("groups_cache_ttl=sixty", -1, true);
	expect_number("groups_cache_ttl=18446744073709551677", -1, true);

	memset(longer, '9', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer, "warn_expiry_days=", strlen("warn_expiry_days="));
	expect_number(longer, -1, false);
	memcpy(longer, "groups_cache_ttl=", strlen("groups_cache_ttl="));
	expect_number(longer, -1, true);
}

static void test_groups_cache(void)
{
	static const char *const on[] = {"groups_cache", NULL};
	static const char *const ttl_first[] = {"groups_cache_ttl=30",
						"groups_cache", NULL};
	static const char *const ttl_only[] = {"groups_cache_ttl=30", NULL};
	struct aig_pam_ctx ctx;

	ok(init(&ctx, on) == PAM_SUCCESS && ctx.groups_cache &&
		   ctx.groups_cache_ttl == AIG_PAM_CACHE_TTL_DEFAULT,
	   "groups_cache: on, the default lifetime");
	aig_pam_ctx_free(&ctx);
	ok(init(&ctx, ttl_first) == PAM_SUCCESS && ctx.groups_cache &&
		   ctx.groups_cache_ttl == 30,
	   "groups_cache_ttl= before groups_cache: the same");
	aig_pam_ctx_free(&ctx);
	ok(init(&ctx, ttl_only) == PAM_SUCCESS && !ctx.groups_cache,
	   "groups_cache_ttl= alone does not turn the cache on");
	aig_pam_ctx_free(&ctx);
}

static void test_unknown(void)
{
	static const char *const unknown[] = {"frobnicate", NULL};
	static const char *const hostile[] = {
		"x\nJan  1 00:00:00 host sshd[1]: Accepted password", NULL};
	static const char *const near[] = {"DEBUG",	     "debug=1",
					   "config",	     "require_group",
					   "groups_cache=1", NULL};
	const char *longer[2] = {NULL, NULL};
	struct aig_pam_ctx ctx;
	char *big;

	ok(init(&ctx, unknown) == PAM_SUCCESS &&
		   strstr(logged, "unknown option ignored: \"frobnicate\"") &&
		   logged_max_priority == LOG_ERR,
	   "an unknown option: ignored, logged at LOG_ERR");
	aig_pam_ctx_free(&ctx);

	ok(init(&ctx, hostile) == PAM_SUCCESS && strchr(logged, '\n') == NULL &&
		   strstr(logged, "x\\x0aJan  1"),
	   "an option with a line break is logged escaped, on one line: %s",
	   logged);
	aig_pam_ctx_free(&ctx);

	ok(init(&ctx, near) == PAM_SUCCESS && !ctx.debug &&
		   ctx.n_require == 0 && !ctx.groups_cache &&
		   strstr(logged, "DEBUG") && strstr(logged, "debug=1") &&
		   strstr(logged, "groups_cache=1"),
	   "near misses (DEBUG, debug=1, config, require_group, "
	   "groups_cache=1) are unknown options");
	aig_pam_ctx_free(&ctx);

	big = malloc(100001);
	if (big == NULL)
		abort();
	memset(big, 'A', 100000);
	big[100000] = '\0';
	longer[0] = big;
	ok(init(&ctx, longer) == PAM_SUCCESS && strlen(logged) < 1024 &&
		   strstr(logged, "unknown option ignored"),
	   "a 100,000-byte option: logged shortened (%zu bytes)",
	   strlen(logged));
	aig_pam_ctx_free(&ctx);
	free(big);
}

/* cached_auth=, offline_auth=, offline_failed_attempts=,
 * offline_delay=: the value, or off/the default (logged) when invalid. */
struct cred_case {
	const char *arg;
	long cached, offline, delay_s;
	int attempts;
	const char *log; /* a substring logged, or NULL: nothing */
};

static void test_cred_options(void)
{
	static const struct cred_case cases[] = {
		{"cached_auth=300", 300, 0, 300, 3, NULL},
		{"cached_auth=0", 0, 0, 300, 3, NULL},
		{"cached_auth=86400", 86400, 0, 300, 3, NULL},
		{"cached_auth=86401", 0, 0, 300, 3, "cached_auth: not"},
		{"cached_auth=-5", 0, 0, 300, 3, "cached_auth: not"},
		{"cached_auth=5m", 0, 0, 300, 3, "cached_auth: not"},
		{"cached_auth=", 0, 0, 300, 3, "cached_auth: not"},
		{"cached_auth=99999999999999999999", 0, 0, 300, 3,
		 "cached_auth: not"},
		{"offline_auth=7", 0, 7, 300, 3, NULL},
		{"offline_auth=366", 0, 0, 300, 3, "offline_auth: not"},
		{"offline_auth=+7", 0, 0, 300, 3, "offline_auth: not"},
		{"offline_failed_attempts=5", 0, 0, 300, 5, NULL},
		{"offline_failed_attempts=0", 0, 0, 300, 3,
		 "offline_failed_attempts: not"},
		{"offline_failed_attempts=101", 0, 0, 300, 3,
		 "offline_failed_attempts: not"},
		{"offline_delay=10", 0, 0, 600, 3, NULL},
		{"offline_delay=0.5", 0, 0, 30, 3, NULL},
		{"offline_delay=0", 0, 0, 0, 3, NULL},
		{"offline_delay=1441", 0, 0, 300, 3, "offline_delay: not"},
		{"offline_delay=nan", 0, 0, 300, 3, "offline_delay: not"},
		{"offline_delay=-1", 0, 0, 300, 3, "offline_delay: not"},
		{"offline_delay=1e9", 0, 0, 300, 3, "offline_delay: not"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cred_case *c = &cases[i];
		const char *args[2] = {c->arg, NULL};
		struct aig_pam_ctx ctx;
		bool log_ok;

		if (init(&ctx, args) != PAM_SUCCESS) {
			ok(0, "%s: the configuration loads", c->arg);
			continue;
		}
		log_ok = c->log ? strstr(logged, c->log) != NULL
				: logged[0] == '\0';
		ok(ctx.cached_auth == c->cached &&
			   ctx.offline_auth == c->offline &&
			   ctx.offline_delay == c->delay_s &&
			   ctx.offline_failed_attempts == c->attempts && log_ok,
		   "%.40s: cached %ld s, offline %ld d, delay %ld s, %d "
		   "attempts%s",
		   c->arg, ctx.cached_auth, ctx.offline_auth, ctx.offline_delay,
		   ctx.offline_failed_attempts, c->log ? ", logged" : "");
		aig_pam_ctx_free(&ctx);
	}
}

static void test_keep_connection(void)
{
	static const char *const none[] = {NULL};
	static const char *const on[] = {"keep_connection", NULL};
	struct aig_pam_ctx ctx;

	ok(init(&ctx, none) == PAM_SUCCESS && !ctx.keep_connection,
	   "keep_connection is off by default");
	aig_pam_ctx_free(&ctx);
	ok(init(&ctx, on) == PAM_SUCCESS && ctx.keep_connection &&
		   logged[0] == '\0',
	   "keep_connection turns it on, nothing logged");
	aig_pam_ctx_free(&ctx);
}

int main(void)
{
	aig_test_tmpdir(tmpdir);
	snprintf(good_config, sizeof(good_config), "%s/aigate.json", tmpdir);
	aig_test_write_in(tmpdir, "aigate.json",
			  "{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1:9\"], "
			  "\"domain\": \"corp.example.com\", "
			  "\"base_dn\": \"DC=corp,DC=example,DC=com\"},"
			  " \"auth\": {\"methods\": [\"basic\"]},"
			  " \"backend\": {\"url\": \"http://127.0.0.1:9\"},"
			  " \"policy_file\": \"/nonexistent/policy.json\"}",
			  0644);
	test_ad_table();
	test_unreachable();
	test_only_ok_succeeds();
	test_defaults();
	test_config_option();
	test_flags();
	test_require_group();
	test_numbers();
	test_groups_cache();
	test_cred_options();
	test_keep_connection();
	test_unknown();
	return tap_done();
}
