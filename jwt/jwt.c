/* SPDX-License-Identifier: Apache-2.0 */
/* jwt.c - a compact JWS: its form, its header, its key and its signature
 * (RFC 7515 §5.2, with RFC 8725's advice taken as rules). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jwt_int.h"

const char *aig_jwt_status_name(int status)
{
	switch (status) {
	case AIG_JWT_ERR_MALFORMED: return "malformed";
	case AIG_JWT_ERR_ALG: return "alg_not_allowed";
	case AIG_JWT_ERR_UNKNOWN_KID: return "unknown_kid";
	case AIG_JWT_ERR_KEY: return "key_mismatch";
	case AIG_JWT_ERR_SIGNATURE: return "bad_signature";
	case AIG_JWT_ERR_EXPIRED: return "expired";
	case AIG_JWT_ERR_NOT_YET_VALID: return "not_yet_valid";
	case AIG_JWT_ERR_ISSUER: return "wrong_issuer";
	case AIG_JWT_ERR_AUDIENCE: return "wrong_audience";
	case AIG_JWT_ERR_CLAIMS: return "bad_claims";
	case AIG_JWT_ERR_SIGNER: return "wrong_signer";
	case AIG_JWT_ERR_CLIENT: return "client_not_allowed";
	case AIG_JWT_ERR_TOKEN_USE: return "wrong_token_use";
	default: return aig_status_name(status);
	}
}

bool aig_jwt_status_is_invalid_token(int status)
{
	return status >= AIG_JWT_ERR_MALFORMED && status < AIG_JWT_ERR__MAX;
}

void aig_jwt_jws_clear(struct aig_jws *jws)
{
	aig_wipe_free(jws->payload, jws->payload_size);
	explicit_bzero(jws, sizeof(*jws));
	jws->alg = -1;
}

/* ---------------------------------------------------------------- form */

/* Splits token at its two dots; false unless there are exactly two. */
static bool split3(const char *token, size_t len, size_t *hlen, size_t *plen,
		   size_t *slen)
{
	const char *d1 = memchr(token, '.', len), *d2;

	if (d1 == NULL)
		return false;
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
	if (d2 == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
		return false;
	*hlen = (size_t)(d1 - token);
	*plen = (size_t)(d2 - d1 - 1);
	*slen = len - *hlen - *plen - 2;
	return true;
}

/* Decodes a segment into a new NUL-terminated buffer of *size bytes (to
 * be wiped: the parts of a token are parts of a credential). */
static int decode_segment(const char *seg, size_t len, const char *what,
			  char **out, size_t *outlen, size_t *size,
			  struct aig_error *err)
{
	size_t cap = aig_jwt_b64url_decoded_len(len);

	*size = cap + 1;
	*out = malloc(cap + 1);
	if (*out == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (!aig_jwt_b64url_decode(seg, len, (unsigned char *)*out, cap,
				   outlen))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "%s is not strict base64url", what);
	(*out)[*outlen] = '\0';
	return AIG_OK;
}

/* -------------------------------------------------------------- header */

static bool ascii_caseeq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

static int header_alg(const json_t *h, unsigned algs, struct aig_jws *jws,
		      struct aig_error *err)
{
	const char *name = json_string_value(json_object_get(h, "alg"));
	char esc[40];

	if (name == NULL)
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header: alg missing or not a string");
	jws->alg = aig_jwt_alg_from_name(name);
	if (jws->alg < 0)
		return aig_error_set(
			err, AIG_JWT_ERR_ALG, "alg \"%s\" is never accepted",
			aig_log_escape_str(esc, sizeof(esc), name));
	if ((algs & AIG_JWT_ALG_BIT(jws->alg)) == 0)
		return aig_error_set(err, AIG_JWT_ERR_ALG,
				     "alg %s is not in jwt.algorithms", name);
	return AIG_OK;
}

/* Members whose presence alone refuses the token: an extension we would
 * have to understand (crit, b64), a nested or encrypted JWT (cty, enc,
 * zip). */
static int header_refused(const json_t *h, struct aig_error *err)
{
	static const char *const refused[] = {"crit", "cty", "b64",
					      "enc",  "zip", NULL};
	size_t i;

	for (i = 0; refused[i] != NULL; i++)
		if (json_object_get(h, refused[i]) != NULL)
			return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
					     "header: \"%s\" is not accepted",
					     refused[i]);
	return AIG_OK;
}

static int header_kid(const json_t *h, struct aig_jws *jws,
		      struct aig_error *err)
{
	const json_t *kid = json_object_get(h, "kid");
	size_t len = json_string_length(kid);

	if (kid == NULL)
		return AIG_OK;
	if (!json_is_string(kid) || len == 0 || len > AIG_JWT_MAX_KID)
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header: kid is not a string of 1 to %d "
				     "bytes",
				     AIG_JWT_MAX_KID);
	memcpy(jws->kid, json_string_value(kid), len + 1);
	jws->has_kid = true;
	return AIG_OK;
}

/* typ: absent, or a JWT (RFC 7519 §5.1) or JWT access token (RFC 9068)
 * media type; the "application/" prefix may be left out (RFC 7515
 * §4.1.9) and media types ignore case. */
static int header_typ(const json_t *h, struct aig_error *err)
{
	static const char *const ok[] = {"JWT", "application/jwt", "at+jwt",
					 "application/at+jwt", NULL};
	const json_t *typ = json_object_get(h, "typ");
	size_t i;

	if (typ == NULL)
		return AIG_OK;
	for (i = 0; json_is_string(typ) && ok[i] != NULL; i++)
		if (ascii_caseeq(json_string_value(typ), ok[i]))
			return AIG_OK;
	return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
			     "header: typ is not JWT or at+jwt");
}

static int parse_header(const char *text, size_t len, unsigned algs,
			struct aig_jws *jws, struct aig_error *err)
{
	struct aig_error jerr = {0};
	json_t *h = aig_json_parse("JWS header", text, len, &jerr);
	int rc;

	if (!json_is_object(h)) {
		json_decref(h);
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header is not a JSON object%s%s",
				     jerr.msg[0] ? ": " : "", jerr.msg);
	}
	if ((rc = header_alg(h, algs, jws, err)) == AIG_OK &&
	    (rc = header_refused(h, err)) == AIG_OK &&
	    (rc = header_kid(h, jws, err)) == AIG_OK)
		rc = header_typ(h, err);
	json_decref(h);
	return rc;
}

/* ------------------------------------------------------------- the JWS */

/* The header first, so that "alg": "none" is reported as such even with
 * the empty signature it comes with. */
static int parse_segments(const char *token, size_t len, unsigned algs,
			  struct aig_jws *jws, struct aig_error *err)
{
	size_t hlen, plen, slen, n, size = 0;
	char *header = NULL;
	int rc;

	if (!split3(token, len, &hlen, &plen, &slen))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "not a compact JWS: needs exactly two "
				     "dots");
	if (hlen == 0 || hlen > AIG_JWT_MAX_HEADER)
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "header empty or over %d bytes",
				     AIG_JWT_MAX_HEADER);
	rc = decode_segment(token, hlen, "header", &header, &n, &size, err);
	if (rc == AIG_OK)
		rc = parse_header(header, n, algs, jws, err);
	aig_wipe_free(header, size);
	if (rc != AIG_OK)
		return rc;
	if (slen == 0 ||
	    !aig_jwt_b64url_decode(token + hlen + plen + 2, slen, jws->sig,
				   sizeof(jws->sig), &jws->sig_len))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "signature is not strict base64url of 1 "
				     "to %d bytes",
				     AIG_JWT_MAX_SIG);
	jws->signing_input = token;
	jws->signing_len = hlen + 1 + plen;
	return decode_segment(token + hlen + 1, plen, "payload", &jws->payload,
			      &jws->payload_len, &jws->payload_size, err);
}

int aig_jwt_jws_parse(const char *token, size_t len, unsigned algs,
		      struct aig_jws *jws, struct aig_error *err)
{
	memset(jws, 0, sizeof(*jws));
	jws->alg = -1;
	if (token == NULL || len == 0 || len > AIG_JWT_MAX_TOKEN)
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "token empty or longer than %d bytes",
				     AIG_JWT_MAX_TOKEN);
	return parse_segments(token, len, algs, jws, err);
}

int aig_jwt_jws_check(const struct aig_jws *jws, const struct aig_jwks *jwks,
		      struct aig_error *err)
{
	const struct aig_jwks_key *key = NULL;
	int rc = aig_jwks_find(jwks, jws->has_kid ? jws->kid : NULL, jws->alg,
			       &key, err);

	if (rc != AIG_OK)
		return rc;
	return aig_jwt_verify_signature(key, jws->alg, jws->signing_input,
					jws->signing_len, jws->sig,
					jws->sig_len, err);
}

int aig_jwt_verify_jws(const struct aig_jwks *jwks, unsigned algs,
		       const char *token, size_t len, char **payload,
		       size_t *payload_len, struct aig_error *err)
{
	struct aig_jws jws;
	int rc;

	if (payload != NULL)
		*payload = NULL;
	rc = aig_jwt_jws_parse(token, len, algs, &jws, err);
	if (rc == AIG_OK)
		rc = aig_jwt_jws_check(&jws, jwks, err);
	if (rc == AIG_OK && payload != NULL) {
		*payload = jws.payload;
		*payload_len = jws.payload_len;
		jws.payload = NULL;
		jws.payload_size = 0;
	}
	aig_jwt_jws_clear(&jws);
	return rc;
}
