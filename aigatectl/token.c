/* SPDX-License-Identifier: Apache-2.0 */
/* token.c - aigatectl token verify (aigatectl(8)): a bearer token, or an
 * ALB's x-amzn-oidc-data token with --alb, checked by the gate's own
 * functions (aig_jwt.h, aig_alb.h) against the configuration (-c) or a
 * key file (--jwks); its header and claims shown (never its signature),
 * the key that verified it, or the one reason it was refused, in the
 * words of the audit record. Exit 0 valid, 1 invalid, 2 usage or
 * unreadable input, 3 keys unavailable. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "aig_alb.h"
#include "aig_jwt.h"
#include "ctl.h"

#define TOKEN_READ_MAX (AIG_JWT_MAX_TOKEN + 2)

/* What was found, for the output. */
struct verdict {
	int rc;
	char detail[AIG_ERROR_MSG_MAX];
	char kid[AIG_JWT_MAX_KID + 1]; /* "" when none */
	const char *alg;	       /* NULL when not known */
	const char *source;	       /* the ALB key's, or NULL */
	char *header, *payload;	       /* decoded for display, owned */
};

/* ------------------------------------------------------------ input */

static void trim(char *s, size_t *len)
{
	while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r' ||
			    s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		s[--*len] = '\0';
}

/* The token from the argument, or stdin for "-". NULL: unreadable. */
static char *read_token(const char *arg, size_t *len)
{
	char *buf;
	size_t n;

	if (strcmp(arg, "-") != 0) {
		*len = strlen(arg);
		return *len > 0 ? strdup(arg) : NULL;
	}
	if ((buf = malloc(TOKEN_READ_MAX + 1)) == NULL)
		return NULL;
	n = fread(buf, 1, TOKEN_READ_MAX + 1, stdin);
	if (ferror(stdin) || n > TOKEN_READ_MAX) {
		aig_wipe_free(buf, TOKEN_READ_MAX + 1);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	trim(buf, len);
	if (*len == 0 || memchr(buf, '\0', *len) != NULL) {
		aig_wipe_free(buf, TOKEN_READ_MAX + 1);
		return NULL;
	}
	return buf;
}

static char *read_small_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = f ? malloc(max + 1) : NULL;
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;

	if (f != NULL)
		fclose(f);
	if (buf == NULL || n > max) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* ---------------------------------------------------------- display */

/* The header and payload as sent, decoded (padded base64url too), for
 * display only: verification never uses these. */
static void decode_for_display(const char *tok, size_t len, struct verdict *v)
{
	const char *d1 = memchr(tok, '.', len), *d2;
	size_t hl, pl, n = 0;

	d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
	if (d2 == NULL)
		return;
	hl = (size_t)(d1 - tok);
	pl = (size_t)(d2 - d1 - 1);
	v->header = malloc(aig_jwt_b64url_decoded_len(hl) + 1);
	if (v->header &&
	    aig_alb_b64url_decode(tok, hl, (unsigned char *)v->header,
				  aig_jwt_b64url_decoded_len(hl), &n))
		v->header[n] = '\0';
	else if (v->header != NULL)
		v->header[0] = '\0';
	v->payload = malloc(aig_jwt_b64url_decoded_len(pl) + 1);
	if (v->payload &&
	    aig_alb_b64url_decode(d1 + 1, pl, (unsigned char *)v->payload,
				  aig_jwt_b64url_decoded_len(pl), &n))
		v->payload[n] = '\0';
	else if (v->payload != NULL)
		v->payload[0] = '\0';
}

/* The header's kid and alg when the token does not say them otherwise. */
static void kid_alg_from_header(struct verdict *v)
{
	json_t *h = v->header ? json_loads(v->header, 0, NULL) : NULL;
	const char *kid = json_string_value(json_object_get(h, "kid"));
	int alg = aig_jwt_alg_from_name(
		json_string_value(json_object_get(h, "alg")));

	if (v->kid[0] == '\0' && kid != NULL)
		snprintf(v->kid, sizeof(v->kid), "%s", kid);
	if (v->alg == NULL && alg >= 0)
		v->alg = aig_jwt_alg_name(alg);
	json_decref(h);
}

static json_t *as_json(const char *text)
{
	json_t *j =
		text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;

	return j != NULL ? j : ctl_jstr(text ? text : "");
}

static const char *reason(const struct verdict *v)
{
	if (v->rc == AIG_OK)
		return NULL;
	if (aig_jwt_status_is_invalid_token(v->rc))
		return aig_jwt_status_name(v->rc);
	return "keys unavailable";
}

static int print_json(const struct verdict *v)
{
	json_t *o = json_pack("{s:b}", "valid", v->rc == AIG_OK);

	json_object_set_new(o, "header", as_json(v->header));
	json_object_set_new(o, "claims", as_json(v->payload));
	if (v->kid[0] != '\0')
		json_object_set_new(o, "kid", ctl_jstr(v->kid));
	if (v->alg != NULL)
		json_object_set_new(o, "alg", json_string(v->alg));
	if (v->source != NULL)
		json_object_set_new(o, "key_source", json_string(v->source));
	if (v->rc != AIG_OK) {
		json_object_set_new(o, "reason", json_string(reason(v)));
		json_object_set_new(o, "detail", ctl_jstr(v->detail));
	}
	ctl_json_print(o);
	json_decref(o);
	return 0;
}

static void print_text_json(const char *label, const char *text)
{
	json_t *j =
		text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	ctl_field(label, s ? s : text ? text : "(not base64url)");
	free(s);
	json_decref(j);
}

static void print_table(const struct verdict *v)
{
	char key[AIG_JWT_MAX_KID + 80], res[AIG_ERROR_MSG_MAX + 64];

	print_text_json("header", v->header);
	print_text_json("claims", v->payload);
	snprintf(key, sizeof(key), "kid \"%s\"%s%s%s%s%s",
		 v->kid[0] ? v->kid : "-", v->alg ? " " : "",
		 v->alg ? v->alg : "", v->source ? " (" : "",
		 v->source ? v->source : "", v->source ? ")" : "");
	ctl_field("key", key);
	if (v->rc == AIG_OK)
		snprintf(res, sizeof(res), "valid");
	else
		snprintf(res, sizeof(res), "invalid: %s (%s)", reason(v),
			 v->detail);
	ctl_field("result", res);
}

/* ----------------------------------------------------------- checks */

/* Without a configuration: a JSON object whose exp has not passed. */
static int exp_only(const char *payload, time_t now, struct aig_error *err)
{
	json_t *c = payload ? json_loads(payload, JSON_REJECT_DUPLICATES, NULL)
			    : NULL;
	const json_t *exp = json_object_get(c, "exp");
	int rc = AIG_OK;

	if (!json_is_object(c) || !json_is_number(exp))
		rc = aig_error_set(err, AIG_JWT_ERR_CLAIMS,
				   "payload not a JSON object with a numeric "
				   "exp");
	else if ((double)now >= json_number_value(exp))
		rc = aig_error_set(err, AIG_JWT_ERR_EXPIRED, "expired");
	json_decref(c);
	return rc;
}

static int bearer_with_config(struct ctl *c, const char *tok, size_t len,
			      time_t now, struct verdict *v,
			      struct aig_error *err)
{
	struct aig_jwks_options opts = {c->cfg->jwt.ca_file, &c->log};
	struct aig_jwt_verifier *ver = NULL;
	struct aig_jwks_cache *cache = NULL;
	struct aig_jwt_identity *id = NULL;
	const struct aig_jwks *jwks = NULL;
	unsigned algs = 0;
	int rc;

	if (!c->signature_only) {
		rc = aig_jwt_verifier_new(c->cfg, &opts, &ver, err);
		if (rc == AIG_OK)
			rc = aig_jwt_verify(ver, tok, len, now, &id, err);
		if (rc == AIG_OK && id->kid != NULL)
			snprintf(v->kid, sizeof(v->kid), "%s", id->kid);
		if (rc == AIG_OK)
			v->alg = aig_jwt_alg_name(id->alg);
		aig_jwt_identity_free(id);
		aig_jwt_verifier_free(ver);
		return rc;
	}
	if ((rc = aig_jwt_algs_from_names(&c->cfg->jwt.algorithms, &algs,
					  err)) == AIG_OK &&
	    (rc = aig_jwks_cache_new(c->cfg, &opts, &cache, err)) == AIG_OK &&
	    (rc = aig_jwks_cache_get(cache, now, &jwks, err)) == AIG_OK)
		rc = aig_jwt_verify_jws(jwks, algs, tok, len, NULL, NULL, err);
	aig_jwks_cache_free(cache);
	return rc;
}

static int bearer_with_file(struct ctl *c, const char *tok, size_t len,
			    time_t now, struct aig_error *err)
{
	struct aig_jwks *jwks = NULL;
	char *text, *payload = NULL;
	size_t n = 0, plen = 0;
	int rc;

	if ((text = read_small_file(c->jwks_file, AIG_JWKS_MAX_BYTES, &n)) ==
	    NULL)
		return aig_error_set(err, AIG_ERR_IO, "cannot read --jwks");
	rc = aig_jwks_parse(text, n, &jwks, err);
	free(text);
	if (rc != AIG_OK)
		return aig_error_set(err, AIG_ERR_IO, "--jwks: %s", err->msg);
	rc = aig_jwt_verify_jws(jwks, AIG_JWT_ALGS_ALL, tok, len, &payload,
				&plen, err);
	if (rc == AIG_OK && !c->signature_only)
		rc = exp_only(payload, now, err);
	aig_wipe_free(payload, plen + 1);
	aig_jwks_free(jwks);
	return rc;
}

static int alb_with_config(struct ctl *c, const char *tok, size_t len,
			   time_t now, struct verdict *v, struct aig_error *err)
{
	struct aig_alb_verifier *ver = NULL;
	struct aig_jwt_identity *id = NULL;
	int rc;

	if (!c->cfg->alb.present)
		return aig_error_set(err, AIG_ERR_IO,
				     "--alb: the configuration has no "
				     "auth.alb");
	rc = aig_alb_verifier_new(c->cfg, &c->log, &ver, err);
	if (rc == AIG_OK && c->signature_only)
		rc = aig_alb_verify_signature_only(ver, tok, len, now,
						   &v->source, err);
	else if (rc == AIG_OK)
		rc = aig_alb_verify_source(ver, tok, len, now, &id, &v->source,
					   err);
	aig_jwt_identity_free(id);
	aig_alb_verifier_free(ver);
	return rc;
}

static int alb_with_file(struct ctl *c, const char *tok, size_t len, time_t now,
			 struct verdict *v, struct aig_error *err)
{
	struct aig_alb_token *t = NULL;
	struct aig_jwks_key *key = NULL;
	char *pem;
	size_t n = 0;
	int rc;

	if ((pem = read_small_file(c->jwks_file, AIG_ALB_MAX_PEM, &n)) == NULL)
		return aig_error_set(err, AIG_ERR_IO, "cannot read --jwks");
	rc = aig_alb_token_parse(tok, len, &t, err);
	if (rc == AIG_OK && aig_alb_key_from_pem(pem, n, aig_alb_token_kid(t),
						 &key, err) != AIG_OK)
		rc = aig_error_set(err, AIG_ERR_IO, "--jwks: %s", err->msg);
	if (rc == AIG_OK)
		rc = aig_alb_check_signature(t, key, err);
	if (rc == AIG_OK && !c->signature_only)
		rc = exp_only(aig_alb_token_payload(t), now, err);
	v->source = "file";
	free(pem);
	aig_jwks_key_free(key);
	aig_alb_token_free(t);
	return rc;
}

static int run(struct ctl *c, const char *tok, size_t len, struct verdict *v)
{
	struct aig_error err = {0};
	time_t now = time(NULL);

	if (c->jwks_file == NULL && c->cfg == NULL &&
	    ctl_load_config(c) != CTL_EXIT_OK)
		return CTL_EXIT_USAGE;
	if (c->alb)
		v->rc = c->jwks_file
				? alb_with_file(c, tok, len, now, v, &err)
				: alb_with_config(c, tok, len, now, v, &err);
	else
		v->rc = c->jwks_file
				? bearer_with_file(c, tok, len, now, &err)
				: bearer_with_config(c, tok, len, now, v, &err);
	snprintf(v->detail, sizeof(v->detail), "%s", err.msg);
	if (v->rc == AIG_ERR_IO)
		return ctl_fail(c, CTL_EXIT_USAGE, "%s", v->detail);
	return -1;
}

int ctl_cmd_token(struct ctl *c)
{
	struct verdict v;
	char *tok;
	size_t len = 0;
	int code;

	memset(&v, 0, sizeof(v));
	if (strcmp(c->args[0], "verify") != 0)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"unknown token command (usage: aigatectl "
				"token verify TOKEN|-)");
	if (c->jwks_file != NULL && c->config_given)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"give --jwks or --config, not both");
	if ((tok = read_token(c->args[1], &len)) == NULL)
		return ctl_fail(c, CTL_EXIT_USAGE, "no token could be read");
	decode_for_display(tok, len, &v);
	code = run(c, tok, len, &v);
	aig_wipe_free(tok, strcmp(c->args[1], "-") == 0 ? TOKEN_READ_MAX + 1
							: len + 1);
	if (code < 0) {
		kid_alg_from_header(&v);
		if (c->json)
			print_json(&v);
		else
			print_table(&v);
		code = v.rc == AIG_OK ? CTL_EXIT_OK
		       : aig_jwt_status_is_invalid_token(v.rc)
			       ? CTL_EXIT_REFUSED
			       : CTL_EXIT_UNAVAILABLE;
	}
	free(v.header);
	free(v.payload);
	return code;
}
