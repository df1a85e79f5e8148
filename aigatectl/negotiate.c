/* SPDX-License-Identifier: Apache-2.0 */
/* negotiate.c - `aigatectl negotiate check` (aigatectl(8)): the keytab of
 * auth.negotiate as the gate will use it: its principals and key types,
 * a warning for a principal with only RC4 or DES keys, the service
 * principal clients must ask tickets for, and the clock against the
 * KDC's (the first cause of tickets refused on one host only). Also the
 * principal form of a user name for `explain`. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aig_ldap.h"
#include "ctl.h"

/* The clock difference Kerberos tolerates by default. */
#define SKEW_MAX_S 300

const char *ctl_principal_user(const struct ctl *c, const char *user, char *buf,
			       size_t len)
{
	const char *at = strrchr(user, '@');
	const struct aig_strv *r = &c->cfg->auth.negotiate.realms;
	size_t i;

	for (i = 0; at != NULL && i < r->n; i++)
		if (strcmp(at + 1, r->v[i]) == 0 && (size_t)(at - user) < len) {
			snprintf(buf, len, "%.*s", (int)(at - user), user);
			return buf;
		}
	return user;
}

#ifdef HAVE_GSSAPI
#include <krb5.h>

/* One principal of the keytab and what its keys are. */
struct kt_principal {
	char *name;
	json_t *enctypes; /* names */
	bool strong;	  /* has an AES (or newer) key */
};

static bool weak_enctype(krb5_enctype e)
{
	/* DES (1, 2, 3), DES3 (16), RC4 (23, 24) */
	return e == 1 || e == 2 || e == 3 || e == 16 || e == 23 || e == 24;
}

static struct kt_principal *find_or_add(struct kt_principal **v, size_t *n,
					const char *name)
{
	struct kt_principal *p;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return &(*v)[i];
	p = realloc(*v, (*n + 1) * sizeof(**v));
	if (p == NULL)
		return NULL;
	*v = p;
	p += *n;
	p->name = strdup(name);
	p->enctypes = json_array();
	p->strong = false;
	if (p->name == NULL || p->enctypes == NULL) {
		free(p->name);
		json_decref(p->enctypes);
		return NULL;
	}
	(*n)++;
	return p;
}

/* Reads the keytab's entries into v (n of them). */
static int read_keytab(krb5_context k, const char *path,
		       struct kt_principal **v, size_t *n, char *why,
		       size_t len)
{
	char ktname[4200], *name = NULL, ename[64];
	krb5_keytab kt = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	krb5_error_code rc;
	struct kt_principal *p;

	snprintf(ktname, sizeof(ktname), "FILE:%s", path);
	if ((rc = krb5_kt_resolve(k, ktname, &kt)) != 0 ||
	    (rc = krb5_kt_start_seq_get(k, kt, &cur)) != 0) {
		snprintf(why, len, "%s", krb5_get_error_message(k, rc));
		if (kt != NULL)
			krb5_kt_close(k, kt);
		return -1;
	}
	while (krb5_kt_next_entry(k, kt, &e, &cur) == 0) {
		if (krb5_unparse_name(k, e.principal, &name) == 0 &&
		    (p = find_or_add(v, n, name)) != NULL) {
			if (krb5_enctype_to_name(e.key.enctype, 0, ename,
						 sizeof(ename)) != 0)
				snprintf(ename, sizeof(ename), "enctype %d",
					 (int)e.key.enctype);
			json_array_append_new(p->enctypes, json_string(ename));
			p->strong = p->strong || !weak_enctype(e.key.enctype);
		}
		krb5_free_unparsed_name(k, name);
		name = NULL;
		krb5_free_keytab_entry_contents(k, &e);
	}
	krb5_kt_end_seq_get(k, kt, &cur);
	krb5_kt_close(k, kt);
	return 0;
}

/* The KDC's clock, from a ticket for principal got with its key: *skew
 * is local minus KDC seconds. false (why set) when the KDC could not be
 * asked. */
static bool kdc_skew(krb5_context k, const char *path, const char *principal,
		     long long *skew, char *why, size_t len)
{
	char ktname[4200];
	krb5_keytab kt = NULL;
	krb5_principal pr = NULL;
	krb5_creds creds;
	krb5_error_code rc;

	memset(&creds, 0, sizeof(creds));
	snprintf(ktname, sizeof(ktname), "FILE:%s", path);
	rc = krb5_kt_resolve(k, ktname, &kt);
	if (rc == 0)
		rc = krb5_parse_name(k, principal, &pr);
	if (rc == 0)
		rc = krb5_get_init_creds_keytab(k, &creds, pr, kt, 0, NULL,
						NULL);
	if (rc == 0)
		*skew = (long long)time(NULL) - (long long)creds.times.authtime;
	else
		snprintf(why, len, "%s", krb5_get_error_message(k, rc));
	krb5_free_cred_contents(k, &creds);
	krb5_free_principal(k, pr);
	if (kt != NULL)
		krb5_kt_close(k, kt);
	return rc == 0;
}

/* The clock against the domain controller's (LDAP currentTime), for when
 * the KDC will not give the service principal a ticket of its own (an SPN
 * registered with setspn alone is no client name in AD). */
static bool dc_skew(struct ctl *c, long long *skew, char *why, size_t len)
{
	struct aig_ldap *s = NULL;
	struct aig_error err = {0};
	time_t t = 0;
	int rc = aig_ldap_new(c->cfg, &c->log, &s, &err);

	if (rc == AIG_OK)
		rc = aig_ldap_server_time(s, &t, &err);
	aig_ldap_free(s);
	if (rc != AIG_OK) {
		snprintf(why, len, "%s", err.msg);
		return false;
	}
	*skew = (long long)time(NULL) - (long long)t;
	return true;
}

/* The keytab's file: warns (in r) unless it is a regular file of root or
 * the gate's user that nobody else may read. */
static void file_warning(const char *path, json_t *warnings)
{
	const struct aig_file_trust t = {S_IFREG, geteuid(), true};
	struct aig_error err = {0};
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    aig_file_trusted_st(&st, &t, path, &err) != AIG_OK)
		json_array_append_new(warnings, ctl_jstr(err.msg));
	if (fd >= 0)
		close(fd);
}

static json_t *report(struct kt_principal *v, size_t n, json_t *warnings,
		      const char **spn)
{
	json_t *ps = json_array();
	size_t i;
	char w[600];

	*spn = NULL;
	for (i = 0; ps != NULL && i < n; i++) {
		json_array_append_new(
			ps, json_pack("{s:o, s:O, s:b}", "principal",
				      ctl_jstr(v[i].name), "enctypes",
				      v[i].enctypes, "aes", v[i].strong));
		if (!v[i].strong) {
			snprintf(w, sizeof(w),
				 "%s has only RC4/DES keys: make an AES "
				 "keytab",
				 v[i].name);
			json_array_append_new(warnings, ctl_jstr(w));
		}
		if (*spn == NULL && strncmp(v[i].name, "HTTP/", 5) == 0)
			*spn = v[i].name;
	}
	return json_pack("{s:o, s:O}", "principals", ps, "warnings", warnings);
}

static void print_report(const json_t *r)
{
	const json_t *p, *w, *e;
	size_t i, j;
	char line[1024];
	int o;

	printf("Principals in the keytab:\n");
	json_array_foreach (json_object_get(r, "principals"), i, p) {
		o = snprintf(
			line, sizeof(line), "  %s:",
			json_string_value(json_object_get(p, "principal")));
		json_array_foreach (json_object_get(p, "enctypes"), j, e) {
			if (o > 0 && (size_t)o < sizeof(line))
				o += snprintf(line + o,
					      sizeof(line) - (size_t)o, " %s",
					      json_string_value(e));
		}
		printf("%s\n", line);
	}
	if ((p = json_object_get(r, "spn")) != NULL && json_is_string(p))
		printf("Clients must ask for: %s (the URL's host name: "
		       "https://%s/)\n",
		       json_string_value(p),
		       json_string_value(json_object_get(r, "host")));
	if ((p = json_object_get(r, "clock_skew_s")) != NULL &&
	    json_is_integer(p))
		printf("Clock: %lld s from the KDC's\n",
		       (long long)json_integer_value(p));
	else if ((p = json_object_get(r, "clock")) != NULL)
		printf("Clock: not checked (%s)\n", json_string_value(p));
	json_array_foreach (json_object_get(r, "warnings"), i, w) {
		printf("warning: %s\n", json_string_value(w));
	}
}

/* The host part of "HTTP/host@REALM" into buf. */
static const char *spn_host(const char *spn, char *buf, size_t len)
{
	size_t n = strcspn(spn + 5, "@");

	snprintf(buf, len, "%.*s", (int)n, spn + 5);
	return buf;
}

static int negotiate_check(struct ctl *c)
{
	const char *path = c->cfg->auth.negotiate.keytab, *spn;
	struct kt_principal *v = NULL;
	json_t *warnings = json_array(), *r = NULL;
	krb5_context k = NULL;
	long long skew = 0;
	size_t n = 0, i;
	char why[512], host[256];
	int code = CTL_EXIT_OK;

	if (path == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED,
				"auth.negotiate.keytab is not configured");
	if (krb5_init_context(&k) != 0 || warnings == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED, "cannot start Kerberos");
	file_warning(path, warnings);
	if (read_keytab(k, path, &v, &n, why, sizeof(why)) != 0) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "keytab %s: %s", path,
				why);
		goto out;
	}
	r = report(v, n, warnings, &spn);
	if (r == NULL) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
		goto out;
	}
	if (spn == NULL) {
		json_array_append_new(warnings,
				      json_string("no HTTP/ principal: clients "
						  "cannot get a ticket for "
						  "this keytab"));
		code = CTL_EXIT_REFUSED;
	} else {
		json_object_set_new(r, "spn", ctl_jstr(spn));
		json_object_set_new(
			r, "host", ctl_jstr(spn_host(spn, host, sizeof(host))));
		if (kdc_skew(k, path, spn, &skew, why, sizeof(why)) ||
		    dc_skew(c, &skew, why, sizeof(why))) {
			json_object_set_new(r, "clock_skew_s",
					    json_integer(skew));
			if (skew > SKEW_MAX_S || skew < -SKEW_MAX_S) {
				json_array_append_new(
					warnings,
					json_string("the clock is more than "
						    "5 minutes from the KDC's: "
						    "every ticket is refused"));
				code = CTL_EXIT_REFUSED;
			}
		} else {
			json_object_set_new(r, "clock", ctl_jstr(why));
		}
	}
	for (i = 0; i < n; i++)
		if (!v[i].strong)
			code = CTL_EXIT_REFUSED;
	if (c->json)
		ctl_json_print(r);
	else
		print_report(r);
out:
	for (i = 0; i < n; i++) {
		free(v[i].name);
		json_decref(v[i].enctypes);
	}
	free(v);
	json_decref(r);
	json_decref(warnings);
	krb5_free_context(k);
	return code;
}

#else /* configure --without-gssapi */

static int negotiate_check(struct ctl *c)
{
	return ctl_fail(c, CTL_EXIT_REFUSED,
			"aigate was built without GSSAPI "
			"(configure --without-gssapi)");
}

#endif

int ctl_cmd_negotiate(struct ctl *c)
{
	char esc[64];

	if (strcmp(c->args[0], "check") != 0)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"unknown negotiate command \"%s\" (check)",
				ctl_esc(esc, sizeof(esc), c->args[0]));
	return negotiate_check(c);
}
