/* SPDX-License-Identifier: Apache-2.0 */
/* options.c - module arguments, parsed as pam_faillock does: defaults,
 * then config=, then the configuration file, then the rest of argv. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>

#include "aig_pam.h"

static void pam_log_fn(void *ctx, int priority, const char *msg)
{
	pam_syslog((pam_handle_t *)ctx, priority, "%s", msg);
}

static void set_defaults(struct aig_pam_ctx *ctx, pam_handle_t *pamh)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->pamh = pamh;
	ctx->log.fn = pam_log_fn;
	ctx->log.ctx = pamh;
	ctx->log.max_priority = LOG_INFO;
	ctx->config_path = aig_config_default_path();
	ctx->warn_expiry_days = -1;
	ctx->groups_cache_ttl = AIG_PAM_CACHE_TTL_DEFAULT;
	ctx->offline_failed_attempts = AIG_PAM_OFFLINE_ATTEMPTS_DEFAULT;
	ctx->offline_delay = AIG_PAM_OFFLINE_DELAY_DEFAULT * 60;
}

static bool has_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

/* Parses a day count 0..3650; -1 if invalid. */
static int parse_days(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 3650)
		return -1;
	return (int)v;
}

/* Parses a cache lifetime 1..AIG_PAM_CACHE_TTL_MAX seconds; -1 if
 * invalid. 0 is invalid too: an administrator who writes it means no
 * caching, which is what -1 gives. */
static int parse_ttl(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s < '0' || *s > '9' || *end != '\0' || v < 1 ||
	    v > AIG_PAM_CACHE_TTL_MAX)
		return -1;
	return (int)v;
}

/* Parses a whole number min..max; -1 if invalid. */
static long parse_range(const char *s, long min, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	return v;
}

/* Parses minutes 0..1440, a fraction allowed (0.5: 30 s), as seconds;
 * -1 if invalid. */
static long parse_minutes(const char *s)
{
	char *end;
	double v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtod(s, &end);
	if (*end != '\0' || !(v >= 0 && v <= 1440))
		return -1;
	return (long)(v * 60 + 0.5);
}

/* The options of cached and offline logins; false if arg is none. */
static bool set_cred_opt(struct aig_pam_ctx *ctx, const char *arg)
{
	const char *v;

	if (has_prefix(arg, "cached_auth=", &v)) {
		ctx->cached_auth = parse_range(v, 0, AIG_PAM_CACHED_AUTH_MAX);
		if (ctx->cached_auth < 0)
			aig_log_msg(&ctx->log, LOG_ERR,
				    "cached_auth: not 0 to %ld seconds; off",
				    AIG_PAM_CACHED_AUTH_MAX);
	} else if (has_prefix(arg, "offline_auth=", &v)) {
		ctx->offline_auth = parse_range(v, 0, AIG_PAM_OFFLINE_AUTH_MAX);
		if (ctx->offline_auth < 0)
			aig_log_msg(&ctx->log, LOG_ERR,
				    "offline_auth: not 0 to %ld days; off",
				    AIG_PAM_OFFLINE_AUTH_MAX);
	} else if (has_prefix(arg, "offline_failed_attempts=", &v)) {
		ctx->offline_failed_attempts = (int)parse_range(v, 1, 100);
		if (ctx->offline_failed_attempts < 0) {
			aig_log_msg(&ctx->log, LOG_ERR,
				    "offline_failed_attempts: not 1 to 100; "
				    "%d",
				    AIG_PAM_OFFLINE_ATTEMPTS_DEFAULT);
			ctx->offline_failed_attempts =
				AIG_PAM_OFFLINE_ATTEMPTS_DEFAULT;
		}
	} else if (has_prefix(arg, "offline_delay=", &v)) {
		ctx->offline_delay = parse_minutes(v);
		if (ctx->offline_delay < 0) {
			aig_log_msg(&ctx->log, LOG_ERR,
				    "offline_delay: not 0 to 1440 minutes; "
				    "%ld",
				    AIG_PAM_OFFLINE_DELAY_DEFAULT);
			ctx->offline_delay = AIG_PAM_OFFLINE_DELAY_DEFAULT * 60;
		}
	} else {
		return false;
	}
	return true;
}

/* One option from argv (config= was taken already). */
static void set_opt(struct aig_pam_ctx *ctx, const char *arg)
{
	char esc[128];
	const char *v;

	if (strcmp(arg, "debug") == 0) {
		ctx->debug = true;
		ctx->log.max_priority = LOG_DEBUG;
	} else if (has_prefix(arg, "config=", &v)) {
		/* handled first */
	} else if (has_prefix(arg, "require_group=", &v) && *v) {
		if (ctx->n_require < AIG_PAM_MAX_REQUIRE)
			ctx->require_group[ctx->n_require++] = v;
		else
			aig_log_msg(&ctx->log, LOG_ERR,
				    "too many require_group options");
	} else if (has_prefix(arg, "warn_expiry_days=", &v)) {
		ctx->warn_expiry_days = parse_days(v);
		if (ctx->warn_expiry_days < 0)
			aig_log_msg(&ctx->log, LOG_ERR,
				    "warn_expiry_days: not a number of days");
	} else if (strcmp(arg, "groups_cache") == 0) {
		ctx->groups_cache = true;
	} else if (strcmp(arg, "keep_connection") == 0) {
		ctx->keep_connection = true;
	} else if (has_prefix(arg, "groups_cache_ttl=", &v)) {
		ctx->groups_cache_ttl = parse_ttl(v);
		if (ctx->groups_cache_ttl < 0)
			aig_log_msg(&ctx->log, LOG_ERR,
				    "groups_cache_ttl: not 1 to %d seconds; "
				    "groups_cache is off",
				    AIG_PAM_CACHE_TTL_MAX);
	} else if (set_cred_opt(ctx, arg)) {
		/* cached_auth, offline_* */
	} else if (strcmp(arg, "use_first_pass") == 0 ||
		   strcmp(arg, "try_first_pass") == 0 ||
		   strcmp(arg, "use_authtok") == 0) {
		/* pam_get_authtok() reads these itself */
	} else {
		aig_log_msg(&ctx->log, LOG_ERR, "unknown option ignored: %s",
			    aig_log_quote(esc, sizeof(esc), arg));
	}
}

int aig_pam_ctx_init(struct aig_pam_ctx *ctx, pam_handle_t *pamh, int argc,
		     const char **argv)
{
	struct aig_error err = {0};
	const char *v;
	int i;

	set_defaults(ctx, pamh);
	/* Only pam.d names the file, never the PAM environment: pam_env
	 * (user_readenv) or the application would let the user choose the
	 * directory, the audit file and the state directory. */
	for (i = 0; i < argc; i++)
		if (has_prefix(argv[i], "config=", &v) && *v)
			ctx->config_path = v;
	/* debug first, so that loading the file can already log at debug */
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "debug") == 0)
			set_opt(ctx, argv[i]);
	if (aig_config_load(ctx->config_path, &ctx->cfg, &err) != AIG_OK) {
		aig_log_msg(&ctx->log, LOG_ERR, "configuration: %s", err.msg);
		return PAM_SERVICE_ERR;
	}
	for (i = 0; i < argc; i++)
		set_opt(ctx, argv[i]);
	if (ctx->groups_cache_ttl < 0)
		ctx->groups_cache = false;
	if (ctx->cached_auth < 0)
		ctx->cached_auth = 0;
	if (ctx->offline_auth < 0)
		ctx->offline_auth = 0;
	aig_log_msg(&ctx->log, LOG_DEBUG,
		    "configuration %s, %zu require_group, warn_expiry_days %d, "
		    "groups_cache %s (ttl %d s), cached_auth %ld s, "
		    "offline_auth %ld days",
		    ctx->config_path, ctx->n_require, ctx->warn_expiry_days,
		    ctx->groups_cache ? "on" : "off", ctx->groups_cache_ttl,
		    ctx->cached_auth, ctx->offline_auth);
	return PAM_SUCCESS;
}

void aig_pam_ctx_free(struct aig_pam_ctx *ctx)
{
	aig_config_free(ctx->cfg);
	ctx->cfg = NULL;
}
