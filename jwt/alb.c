/* SPDX-License-Identifier: Apache-2.0 */
/* alb.c - the x-amzn-oidc-data token of an AWS Application Load Balancer
 * (aig_alb.h): its form, header, signature and claims, and the verifier
 * that puts them together with the keys (alb_keys.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aig_alb.h"
#include "jwt_int.h"

struct aig_alb_token {
	char *input; /* "header.payload" exactly as received, owned */
	size_t input_len;
	char *header, *payload;		  /* decoded, NUL-terminated, owned */
	size_t header_size, payload_size; /* allocated, for wiping */
	json_t *h;			  /* the header, parsed */
	unsigned char sig[AIG_JWT_MAX_SIG];
	size_t sig_len;
	char kid[AIG_ALB_KID_LEN + 1];
};

/* ------------------------------------------------------------ pieces */

bool aig_alb_kid_ok(const char *kid, size_t len)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	size_t i;

	if (kid == NULL || len != AIG_ALB_KID_LEN)
		return false;
	for (i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? kid[i] != '-'
			 : kid[i] == '\0' || strchr(hex, kid[i]) == NULL)
			return false;
	}
	return true;
}

bool aig_alb_b64url_decode(const char *in, size_t len, unsigned char *out,
			   size_t cap, size_t *outlen)
{
	size_t pad = 0;

	while (pad < len && pad < 3 && in[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && (len % 4 != 0 || pad > 2 || (len - pad) % 4 != 4 - pad))
		return false;
	return aig_jwt_b64url_decode(in, len - pad, out, cap, outlen);
}

int aig_alb_leeway(const struct aig_config *cfg)
{
	return cfg->jwt.present ? cfg->jwt.leeway_s : AIG_ALB_DEFAULT_LEEWAY;
}

/* ------------------------------------------------------------- parse */

void aig_alb_token_free(struct aig_alb_token *tok)
{
	if (tok == NULL)
		return;
	aig_wipe_free(tok->input, tok->input_len + 1);
	aig_wipe_free(tok->header, tok->header_size);
	aig_wipe_free(tok->payload, tok->payload_size);
	json_decref(tok->h);
	explicit_bzero(tok, sizeof(*tok));
	free(tok);
}

const char *aig_alb_token_kid(const struct aig_alb_token *tok)
{
	return tok->kid;
}

const char *aig_alb_token_header(const struct aig_alb_token *tok)
{
	return tok->header;
}

const char *aig_alb_token_payload(const struct aig_alb_token *tok)
{
	return tok->payload;
}

/* Decodes a segment into a new NUL-terminated buffer. */
static int segment(const char *seg, size_t len, const char *what, char **out,
		   size_t *size, struct aig_error *err)
{
	size_t n = 0;

	*size = aig_jwt_b64url_decoded_len(len) + 1;
	if ((*out = malloc(*size)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (!aig_alb_b64url_decode(seg, len, (unsigned char *)*out, *size - 1,
				   &n))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "%s is not base64url (padded or not)",
				     what);
	(*out)[n] = '\0';
	return AIG_OK;
}

static int header_alg_kid(struct aig_alb_token *tok, struct aig_error *err)
{
	const char *alg = json_string_value(json_object_get(tok->h, "alg"));
	const json_t *kid = json_object_get(tok->h, "kid");
	char esc[40];

	if (alg == NULL || strcmp(alg, "ES256") != 0)
		return aig_error_set(
			err, AIG_JWT_ERR_ALG, "alg \"%s\" is not ES256",
			aig_log_escape_str(esc, sizeof(esc), alg ? alg : ""));
	if (!json_is_string(kid) ||
	    !aig_alb_kid_ok(json_string_value(kid), json_string_length(kid)))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header: kid is not of UUID form");
	memcpy(tok->kid, json_string_value(kid), AIG_ALB_KID_LEN + 1);
	return AIG_OK;
}

static int parse_header(struct aig_alb_token *tok, size_t len,
			struct aig_error *err)
{
	struct aig_error jerr = {0};

	tok->h = aig_json_parse("ALB token header", tok->header, len, &jerr);
	if (!json_is_object(tok->h))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header is not a JSON object%s%s",
				     jerr.msg[0] ? ": " : "", jerr.msg);
	if (json_object_get(tok->h, "crit") != NULL)
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header: \"crit\" is not accepted");
	if (!json_is_string(json_object_get(tok->h, "signer")))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header: signer missing");
	if (!json_is_number(json_object_get(tok->h, "exp")))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header: exp missing or not a number");
	return header_alg_kid(tok, err);
}

static int split(const char *token, size_t len, size_t *hl, size_t *pl,
		 struct aig_error *err)
{
	const char *d1 = memchr(token, '.', len), *d2 = NULL;

	if (d1 != NULL)
		d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
	if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "not a compact JWS: needs exactly two "
				     "dots");
	*hl = (size_t)(d1 - token);
	*pl = (size_t)(d2 - d1 - 1);
	if (*hl == 0 || *hl > AIG_JWT_MAX_HEADER || d2 + 1 == token + len)
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header or signature empty, or header "
				     "too long");
	return AIG_OK;
}

static int parse(const char *token, size_t len, struct aig_alb_token *tok,
		 struct aig_error *err)
{
	size_t hl = 0, pl = 0, hn;
	int rc;

	if (len == 0 || len > AIG_JWT_MAX_TOKEN)
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "token empty or longer than %d bytes",
				     AIG_JWT_MAX_TOKEN);
	if ((rc = split(token, len, &hl, &pl, err)) != AIG_OK ||
	    (rc = segment(token, hl, "header", &tok->header, &tok->header_size,
			  err)) != AIG_OK)
		return rc;
	hn = strlen(tok->header);
	if ((rc = parse_header(tok, hn, err)) != AIG_OK)
		return rc;
	if (!aig_alb_b64url_decode(token + hl + pl + 2, len - hl - pl - 2,
				   tok->sig, sizeof(tok->sig), &tok->sig_len))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "signature is not base64url");
	if ((rc = segment(token + hl + 1, pl, "payload", &tok->payload,
			  &tok->payload_size, err)) != AIG_OK)
		return rc;
	tok->input_len = hl + 1 + pl;
	if ((tok->input = malloc(tok->input_len + 1)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	memcpy(tok->input, token, tok->input_len);
	tok->input[tok->input_len] = '\0';
	return AIG_OK;
}

int aig_alb_token_parse(const char *token, size_t len,
			struct aig_alb_token **out, struct aig_error *err)
{
	struct aig_alb_token *tok = calloc(1, sizeof(*tok));
	int rc;

	*out = NULL;
	if (tok == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rc = token != NULL
		     ? parse(token, len, tok, err)
		     : aig_error_set(err, AIG_JWT_ERR_MALFORMED, "no token");
	if (rc != AIG_OK) {
		aig_alb_token_free(tok);
		return rc;
	}
	*out = tok;
	return AIG_OK;
}

/* ------------------------------------------------------------ checks */

static bool one_of(const struct aig_strv *sv, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sv->n; i++)
		if (strcmp(s, sv->v[i]) == 0)
			return true;
	return false;
}

static int check_exp(const json_t *exp, time_t now, int leeway,
		     const char *where, struct aig_error *err)
{
	double t = (double)now;

	if (!json_is_number(exp))
		return aig_error_set(err, AIG_JWT_ERR_CLAIMS,
				     "%s: exp missing or not a number", where);
	if (t - leeway >= json_number_value(exp))
		return aig_error_set(err, AIG_JWT_ERR_EXPIRED,
				     "%s: expired %.0f s ago (leeway %d s)",
				     where, t - json_number_value(exp), leeway);
	return AIG_OK;
}

int aig_alb_check_header(const struct aig_config *cfg,
			 const struct aig_alb_token *tok, time_t now,
			 struct aig_error *err)
{
	const char *signer =
		json_string_value(json_object_get(tok->h, "signer"));
	const char *client =
		json_string_value(json_object_get(tok->h, "client"));
	char esc[160];

	if (signer == NULL || strcmp(signer, cfg->alb.arn) != 0)
		return aig_error_set(err, AIG_JWT_ERR_SIGNER,
				     "signer \"%s\" is not auth.alb.arn",
				     aig_log_escape_str(esc, sizeof(esc),
							signer ? signer : ""));
	if (cfg->alb.client_ids.n > 0 && !one_of(&cfg->alb.client_ids, client))
		return aig_error_set(
			err, AIG_JWT_ERR_CLIENT,
			"client \"%s\" is not one of auth.alb.client_ids",
			aig_log_escape_str(esc, sizeof(esc),
					   client ? client : ""));
	return check_exp(json_object_get(tok->h, "exp"), now,
			 aig_alb_leeway(cfg), "header", err);
}

int aig_alb_check_signature(const struct aig_alb_token *tok,
			    const struct aig_jwks_key *key,
			    struct aig_error *err)
{
	return aig_jwt_verify_signature(key, AIG_JWT_ES256, tok->input,
					tok->input_len, tok->sig, tok->sig_len,
					err);
}

static int claims(const struct aig_config *cfg, const struct aig_alb_token *tok,
		  const json_t *c, time_t now, struct aig_jwt_identity *id,
		  struct aig_error *err)
{
	int rc;

	if ((rc = check_exp(json_object_get(c, "exp"), now, aig_alb_leeway(cfg),
			    "payload", err)) != AIG_OK ||
	    (rc = aig_jwt_take_user(c, cfg->alb.user_claim, id, err)) !=
		    AIG_OK ||
	    (!cfg->alb.groups_from_ldap &&
	     (rc = aig_jwt_take_groups(c, cfg->alb.groups_claim, id, err)) !=
		     AIG_OK))
		return rc;
	id->exp = (long long)json_number_value(json_object_get(c, "exp"));
	id->alg = AIG_JWT_ES256;
	if ((id->kid = strdup(tok->kid)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

int aig_alb_check_claims(const struct aig_config *cfg,
			 const struct aig_alb_token *tok, time_t now,
			 struct aig_jwt_identity **out, struct aig_error *err)
{
	struct aig_error jerr = {0};
	struct aig_jwt_identity *id = NULL;
	json_t *c;
	int rc;

	*out = NULL;
	c = aig_json_parse("ALB token claims", tok->payload,
			   strlen(tok->payload), &jerr);
	if (!json_is_object(c))
		rc = aig_error_set(err, AIG_JWT_ERR_CLAIMS,
				   "payload is not a JSON object%s%s",
				   jerr.msg[0] ? ": " : "", jerr.msg);
	else if ((id = calloc(1, sizeof(*id))) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	else
		rc = claims(cfg, tok, c, now, id, err);
	if (rc == AIG_OK) {
		*out = id;
		id = NULL;
	}
	aig_jwt_identity_free(id);
	json_decref(c);
	return rc;
}

/* ---------------------------------------------------------- verifier */

struct aig_alb_verifier {
	const struct aig_config *cfg; /* borrowed */
	struct aig_alb_keys *keys;
};

int aig_alb_verifier_new(const struct aig_config *cfg,
			 const struct aig_log *log,
			 struct aig_alb_verifier **out, struct aig_error *err)
{
	struct aig_alb_verifier *v = calloc(1, sizeof(*v));
	int rc;

	*out = NULL;
	if (v == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	v->cfg = cfg;
	if ((rc = aig_alb_keys_new(cfg, log, &v->keys, err)) != AIG_OK) {
		free(v);
		return rc;
	}
	*out = v;
	return AIG_OK;
}

void aig_alb_verifier_free(struct aig_alb_verifier *v)
{
	if (v == NULL)
		return;
	aig_alb_keys_free(v->keys);
	free(v);
}

int aig_alb_verify_source(struct aig_alb_verifier *v, const char *token,
			  size_t len, time_t now, struct aig_jwt_identity **id,
			  const char **source, struct aig_error *err)
{
	const struct aig_jwks_key *key = NULL;
	struct aig_alb_token *tok = NULL;
	int rc;

	*id = NULL;
	*source = NULL;
	if ((rc = aig_alb_token_parse(token, len, &tok, err)) == AIG_OK &&
	    (rc = aig_alb_check_header(v->cfg, tok, now, err)) == AIG_OK &&
	    (rc = aig_alb_keys_get(v->keys, tok->kid, now, &key, source,
				   err)) == AIG_OK &&
	    (rc = aig_alb_check_signature(tok, key, err)) == AIG_OK)
		rc = aig_alb_check_claims(v->cfg, tok, now, id, err);
	aig_alb_token_free(tok);
	return rc;
}

int aig_alb_verify(struct aig_alb_verifier *v, const char *token, size_t len,
		   time_t now, struct aig_jwt_identity **id,
		   struct aig_error *err)
{
	const char *source = NULL;

	return aig_alb_verify_source(v, token, len, now, id, &source, err);
}

int aig_alb_verify_signature_only(struct aig_alb_verifier *v, const char *token,
				  size_t len, time_t now, const char **source,
				  struct aig_error *err)
{
	const struct aig_jwks_key *key = NULL;
	struct aig_alb_token *tok = NULL;
	int rc;

	*source = NULL;
	if ((rc = aig_alb_token_parse(token, len, &tok, err)) == AIG_OK &&
	    (rc = aig_alb_keys_get(v->keys, tok->kid, now, &key, source,
				   err)) == AIG_OK)
		rc = aig_alb_check_signature(tok, key, err);
	aig_alb_token_free(tok);
	return rc;
}
