/* SPDX-License-Identifier: Apache-2.0 */
/* negotiate.c - HTTP Negotiate's acceptor in aigate-ext.so (aig_ext.h):
 * MIT krb5's libgssapi_krb5 with the keytab of auth.negotiate, so that
 * only a request that brings a Negotiate token loads it. The keytab's
 * keys are copied into a memory keytab of the process (MIT reads a file
 * keytab again on every accept) and the credential is acquired from it
 * once per process and kept (a FastCGI process reuses it) until the
 * configuration names another keytab or principal, or the keytab file
 * changes (a new key version is used at once). SPNEGO may only settle on
 * Kerberos (gss_set_neg_mechs), and the mechanism the context was made
 * with is checked again after it was accepted. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_ext.h"

#ifdef HAVE_GSSAPI
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

/* The process's acceptor: the credential and what it was made from. */
struct neg {
	char *keytab;
	char *spn; /* NULL: the keys of the keytab's HTTP/ principals */
	/* without spn, the keytab's first HTTP/ principal: when it is the
	 * only one, the credential is acquired for it */
	char *http;
	bool http_many;	  /* more than one HTTP/ principal */
	struct stat file; /* the keytab file the keys were copied from */
	krb5_context k;
	krb5_keytab mem; /* the keys, in MEMORY:aigate-negotiate-PID-N */
	gss_cred_id_t cred;
};

/* 1.2.840.48018.1.2.2, Kerberos as Windows names it in SPNEGO */
static unsigned char ms_krb5_der[] = {0x2a, 0x86, 0x48, 0x82, 0xf7,
				      0x12, 0x01, 0x02, 0x02};
static gss_OID_desc ms_krb5 = {sizeof(ms_krb5_der), ms_krb5_der};

static void gss_text(OM_uint32 major, OM_uint32 minor, char *buf, size_t len)
{
	OM_uint32 ctx = 0, min2;
	gss_buffer_desc t = GSS_C_EMPTY_BUFFER, m = GSS_C_EMPTY_BUFFER;

	gss_display_status(&min2, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx,
			   &t);
	ctx = 0;
	if (minor != 0)
		gss_display_status(&min2, minor, GSS_C_MECH_CODE, GSS_C_NO_OID,
				   &ctx, &m);
	snprintf(buf, len, "%.*s%s%.*s", (int)t.length, (const char *)t.value,
		 m.length ? ": " : "", (int)m.length, (const char *)m.value);
	gss_release_buffer(&min2, &t);
	gss_release_buffer(&min2, &m);
}

static void neg_free(struct neg *n)
{
	OM_uint32 minor;

	if (n == NULL)
		return;
	if (n->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &n->cred);
	/* the last handle: the memory keytab goes, its keys wiped */
	if (n->mem != NULL)
		krb5_kt_close(n->k, n->mem);
	if (n->k != NULL)
		krb5_free_context(n->k);
	free(n->keytab);
	free(n->spn);
	free(n->http);
	free(n);
}

void aig_ext_negotiate_close(void *state)
{
	neg_free(state);
}

/* The keytab is a secret: a regular file, not a link, of root or the
 * gate's user, readable by nobody else. Checked on every request (for a
 * file already read, by its unchanged identity: acceptor()), so that one
 * made unreadable is noticed at once (503), in FastCGI mode too. */
static bool keytab_ok(const char *path, struct stat *st, char *why, size_t len)
{
	const struct aig_file_trust t = {S_IFREG, geteuid(), true};
	struct aig_error err = {0};
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	bool ok = fd >= 0 && fstat(fd, st) == 0 &&
		  aig_file_trusted_st(st, &t, path, &err) == AIG_OK;

	if (fd >= 0)
		close(fd);
	if (!ok)
		snprintf(why, len, "keytab %s cannot be used%s%s", path,
			 err.msg[0] ? ": " : "", err.msg);
	return ok;
}

static bool same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether the acceptor may use the entry's key (*use): with a configured
 * principal every key (the credential names it); else only the keys of
 * HTTP/ principals (not the account's own name, not host/), noted in
 * n->http and n->http_many. A ticket's service name is not protected by
 * its encryption: the key that decrypts it is what tells which service
 * it was made for, as far as Kerberos can tell at all (all the names of
 * one AD account share its keys). */
static krb5_error_code key_wanted(struct neg *n, const krb5_keytab_entry *e,
				  bool *use)
{
	char *name = NULL;
	krb5_error_code rc;

	*use = n->spn != NULL;
	if (*use)
		return 0;
	if ((rc = krb5_unparse_name(n->k, e->principal, &name)) != 0)
		return rc;
	*use = strncmp(name, "HTTP/", 5) == 0;
	if (*use && n->http == NULL && (n->http = strdup(name)) == NULL)
		rc = ENOMEM;
	else if (*use && strcmp(n->http, name) != 0)
		n->http_many = true;
	krb5_free_unparsed_name(n->k, name);
	return rc;
}

/* Copies the keys of the keytab file the acceptor may use into a new
 * memory keytab, named in name (len bytes). */
static krb5_error_code copy_keys(struct neg *n, char *name, size_t len)
{
	static unsigned serial;
	char file[4096];
	krb5_keytab kt = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	krb5_error_code rc, end;
	bool use = false;

	snprintf(name, len, "MEMORY:aigate-negotiate-%ld-%u", (long)getpid(),
		 ++serial);
	if (snprintf(file, sizeof(file), "FILE:%s", n->keytab) >=
	    (int)sizeof(file))
		return KRB5_KT_NAME_TOOLONG;
	if ((rc = krb5_kt_resolve(n->k, name, &n->mem)) != 0 ||
	    (rc = krb5_kt_resolve(n->k, file, &kt)) != 0)
		goto out;
	if ((rc = krb5_kt_start_seq_get(n->k, kt, &cur)) != 0)
		goto out;
	while ((rc = krb5_kt_next_entry(n->k, kt, &e, &cur)) == 0) {
		rc = key_wanted(n, &e, &use);
		if (rc == 0 && use)
			rc = krb5_kt_add_entry(n->k, n->mem, &e);
		krb5_free_keytab_entry_contents(n->k, &e);
		if (rc != 0)
			break;
	}
	end = krb5_kt_end_seq_get(n->k, kt, &cur);
	if (rc == KRB5_KT_END)
		rc = end;
	if (rc == 0 && n->spn == NULL && n->http == NULL)
		rc = KRB5_KT_NOTFOUND; /* no HTTP/ principal */
out:
	if (kt != NULL)
		krb5_kt_close(n->k, kt);
	return rc;
}

/* The name the credential is acquired for: the configured principal, or
 * the keytab's one HTTP/ principal; NULL: any key copied. */
static char *cred_name(const struct neg *n)
{
	if (n->spn != NULL)
		return n->spn;
	return n->http_many ? NULL : n->http;
}

/* Acquires the acceptor credential from the keytab (only for spn, when
 * one is configured), restricted to negotiate Kerberos. */
static enum aig_ext_neg_result acquire(struct neg *n, char *why, size_t len)
{
	/* MIT's file replay cache is off: the gate keeps its own record of
	 * accepted authenticators in its state store (sso.h), shared by
	 * every process and, with Redis, every host, and checked after
	 * every accept; a file under /var/tmp is neither. */
	char mem[80];
	gss_key_value_element_desc el[2] = {{"keytab", mem},
					    {"rcache", "none:"}};
	gss_key_value_set_desc store = {2, el};
	gss_OID_set_desc krb5 = {1, gss_mech_krb5};
	gss_buffer_desc b;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 major, minor, m2;
	krb5_error_code rc;
	char *wanted = cred_name(n);

	/* (kept: while it lives, the configuration files MIT reads for
	 * every accept stay parsed) */
	if ((rc = krb5_init_context(&n->k)) != 0 ||
	    (rc = copy_keys(n, mem, sizeof(mem))) != 0) {
		const char *m = krb5_get_error_message(n->k, rc);

		snprintf(why, len, "keytab: %s", m);
		krb5_free_error_message(n->k, m);
		return AIG_EXT_NEG_UNAVAILABLE;
	}
	if (wanted != NULL) {
		b.value = wanted;
		b.length = strlen(wanted);
		major = gss_import_name(
			&minor, &b, (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME, &name);
		if (GSS_ERROR(major))
			goto fail;
	}
	major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE,
				      GSS_C_NO_OID_SET, GSS_C_ACCEPT, &store,
				      &n->cred, NULL, NULL);
	gss_release_name(&m2, &name);
	if (GSS_ERROR(major))
		goto fail;
	major = gss_set_neg_mechs(&minor, n->cred, &krb5);
	if (GSS_ERROR(major))
		goto fail;
	return AIG_EXT_NEG_OK;
fail:
	gss_text(major, minor, why, len);
	if (n->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&m2, &n->cred);
	return AIG_EXT_NEG_UNAVAILABLE;
}

/* The process's acceptor for cfg, made (again) if needed. */
static enum aig_ext_neg_result acceptor(void **state,
					const struct aig_config *cfg,
					struct neg **out, char *why, size_t len)
{
	struct neg *n = *state;
	enum aig_ext_neg_result r;
	struct stat st;
	bool kept = n != NULL && n->cred != GSS_C_NO_CREDENTIAL &&
		    same(n->keytab, cfg->auth.negotiate.keytab) &&
		    same(n->spn, cfg->auth.negotiate.service_principal);

	/* The very file the keys were read from, unchanged: any change of
	 * its owner, mode or content moves its ctime, and a path that can
	 * no longer be searched fails lstat; else it is checked afresh. */
	if (kept && lstat(cfg->auth.negotiate.keytab, &st) == 0 &&
	    aig_file_unchanged(&n->file, &st)) {
		*out = n;
		return AIG_EXT_NEG_OK;
	}
	if (!keytab_ok(cfg->auth.negotiate.keytab, &st, why, len))
		return AIG_EXT_NEG_UNAVAILABLE;
	if (kept && aig_file_unchanged(&n->file, &st)) {
		*out = n;
		return AIG_EXT_NEG_OK;
	}
	neg_free(n);
	*state = n = calloc(1, sizeof(*n));
	if (n == NULL ||
	    (n->keytab = strdup(cfg->auth.negotiate.keytab)) == NULL ||
	    (cfg->auth.negotiate.service_principal != NULL &&
	     (n->spn = strdup(cfg->auth.negotiate.service_principal)) ==
		     NULL)) {
		snprintf(why, len, "out of memory");
		return AIG_EXT_NEG_UNAVAILABLE;
	}
	n->file = st;
	if ((r = acquire(n, why, len)) != AIG_EXT_NEG_OK)
		snprintf(why + strlen(why), len - strlen(why), " (keytab %s)",
			 n->keytab);
	*out = n;
	return r;
}

/* A display name into a new string; NULL if it cannot be had. */
static char *name_text(gss_name_t name)
{
	gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;
	char *s = NULL;

	if (!GSS_ERROR(gss_display_name(&minor, name, &b, NULL)) &&
	    memchr(b.value, '\0', b.length) == NULL &&
	    (s = malloc(b.length + 1)) != NULL) {
		memcpy(s, b.value, b.length);
		s[b.length] = '\0';
	}
	gss_release_buffer(&minor, &b);
	return s;
}

/* Without a configured principal, the ticket must have been decrypted
 * with the key of an HTTP/ principal: the acceptor only has those keys
 * (key_wanted); the name of the one it used is asked of the context
 * again when there are several. */
static bool target_ok(const struct neg *n, gss_ctx_id_t ctx)
{
	gss_name_t target = GSS_C_NO_NAME;
	OM_uint32 minor;
	char *t;
	bool ok;

	if (cred_name(n) != NULL)
		return true; /* the credential has that name's keys only */
	if (GSS_ERROR(gss_inquire_context(&minor, ctx, NULL, &target, NULL,
					  NULL, NULL, NULL, NULL)))
		return false;
	t = name_text(target);
	gss_release_name(&minor, &target);
	ok = t != NULL && strncmp(t, "HTTP/", 5) == 0;
	free(t);
	return ok;
}

static bool mech_krb5(gss_OID m)
{
	return m != GSS_C_NO_OID &&
	       ((m->length == gss_mech_krb5->length &&
		 memcmp(m->elements, gss_mech_krb5->elements, m->length) ==
			 0) ||
		(m->length == ms_krb5.length &&
		 memcmp(m->elements, ms_krb5.elements, m->length) == 0));
}

/* Copies the output token (if any) for the answer. */
static bool take_output(gss_buffer_t b, unsigned char **out, size_t *len)
{
	if (b->length == 0)
		return true;
	if ((*out = malloc(b->length)) == NULL)
		return false;
	memcpy(*out, b->value, b->length);
	*len = b->length;
	return true;
}

enum aig_ext_neg_result
aig_ext_negotiate_accept(void **state, const struct aig_config *cfg,
			 unsigned char *tok, size_t len, char **principal,
			 unsigned char **out_tok, size_t *out_len, char *why,
			 size_t why_len)
{
	gss_buffer_desc in = {len, tok}, out = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t src = GSS_C_NO_NAME;
	gss_OID mech = GSS_C_NO_OID;
	enum aig_ext_neg_result r;
	OM_uint32 major, minor, m2;
	struct neg *n = NULL;

	*principal = NULL;
	*out_tok = NULL;
	*out_len = 0;
	why[0] = '\0';
	if ((r = acceptor(state, cfg, &n, why, why_len)) != AIG_EXT_NEG_OK)
		return r;
	major = gss_accept_sec_context(&minor, &ctx, n->cred, &in,
				       GSS_C_NO_CHANNEL_BINDINGS, &src, &mech,
				       &out, NULL, NULL, NULL);
	r = AIG_EXT_NEG_DENIED;
	if (GSS_ERROR(major))
		gss_text(major, minor, why, why_len);
	else if (major & GSS_S_CONTINUE_NEEDED)
		snprintf(why, why_len, "negotiation needs another round");
	else if (!mech_krb5(mech))
		snprintf(why, why_len, "mechanism other than Kerberos refused");
	else if (!target_ok(n, ctx))
		snprintf(why, why_len, "ticket not for an HTTP/ principal");
	else if ((*principal = name_text(src)) == NULL ||
		 !take_output(&out, out_tok, out_len)) {
		snprintf(why, why_len, "out of memory");
		r = AIG_EXT_NEG_UNAVAILABLE;
	} else
		r = AIG_EXT_NEG_OK;
	if (r != AIG_EXT_NEG_OK) {
		free(*principal);
		*principal = NULL;
	}
	gss_release_buffer(&m2, &out);
	gss_release_name(&m2, &src);
	if (ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&m2, &ctx, GSS_C_NO_BUFFER);
	return r;
}

enum aig_ext_neg_result aig_ext_negotiate_ready(void **state,
						const struct aig_config *cfg,
						char *why, size_t why_len)
{
	struct neg *n;

	return acceptor(state, cfg, &n, why, why_len);
}

#else /* configure --without-gssapi: the configuration refuses negotiate */

enum aig_ext_neg_result
aig_ext_negotiate_accept(void **state, const struct aig_config *cfg,
			 unsigned char *tok, size_t len, char **principal,
			 unsigned char **out_tok, size_t *out_len, char *why,
			 size_t why_len)
{
	(void)state;
	(void)cfg;
	(void)tok;
	(void)len;
	*principal = NULL;
	*out_tok = NULL;
	*out_len = 0;
	snprintf(why, why_len, "aigate was built without GSSAPI");
	return AIG_EXT_NEG_UNAVAILABLE;
}

enum aig_ext_neg_result aig_ext_negotiate_ready(void **state,
						const struct aig_config *cfg,
						char *why, size_t why_len)
{
	(void)state;
	(void)cfg;
	snprintf(why, why_len, "aigate was built without GSSAPI");
	return AIG_EXT_NEG_UNAVAILABLE;
}

void aig_ext_negotiate_close(void *state)
{
	(void)state;
}

#endif
