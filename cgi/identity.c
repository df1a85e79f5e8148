/* SPDX-License-Identifier: Apache-2.0 */
/* identity.c - X-Aigate-Identity: who the gate let through, signed, for the
 * backend to check instead of trusting the network (aigate.cgi(8),
 * SIGNED IDENTITY; aigate.json(5), backend.identity).
 *
 * A compact JWS (RFC 7515), ES256 (ECDSA P-256 with SHA-256, the
 * signature as raw r||s, RFC 7518 section 3.4), header
 * {"alg":"ES256","typ":"JWT","kid":K}, claims
 * {"iss":"aigate","aud":A,"sub":USER,"groups":[...],"auth":"basic"|"bearer",
 *  "request_id":ID,"iat":NOW,"exp":NOW+ttl_s} with ttl_s at most 60. The
 * kid is the key's RFC 7638 thumbprint, so that a backend can tell keys
 * apart through a rotation; GET /_aigate/jwks.json publishes the public
 * half. The private key is read with the checks of a configuration file,
 * and read again when the file changes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "aig_cgi.h"
#include "aig_identity.h"

#define KEY_FILE_MAX 16384
#define COORD 32 /* bytes of a P-256 coordinate, and of r and s */

struct aig_identity_key {
	EVP_PKEY *pkey;
	char *path;
	struct stat stamp;
	char kid[64];
	char *jwks; /* {"keys":[...]} */
};

/* base64url without padding of n bytes into a new string. */
static char *b64url(const unsigned char *in, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	int len, i;

	if (out == NULL)
		return NULL;
	len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return out;
}

static char *b64url_str(const char *s)
{
	return b64url((const unsigned char *)s, strlen(s));
}

/* The public point's coordinates, COORD bytes each. */
static int coords(EVP_PKEY *pkey, unsigned char *x, unsigned char *y)
{
	BIGNUM *bx = NULL, *by = NULL;
	int ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) &&
		 EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) &&
		 BN_bn2binpad(bx, x, COORD) == COORD &&
		 BN_bn2binpad(by, y, COORD) == COORD;

	BN_free(bx);
	BN_free(by);
	return ok ? AIG_OK : AIG_ERR_INTERNAL;
}

/* kid (RFC 7638 thumbprint) and the JWKS document of k->pkey. */
static int describe(struct aig_identity_key *k)
{
	unsigned char x[COORD], y[COORD], digest[32];
	char *ex = NULL, *ey = NULL, *kid = NULL, canon[256];
	json_t *jwks = NULL;
	int rc = coords(k->pkey, x, y);

	if (rc != AIG_OK)
		return rc;
	ex = b64url(x, COORD);
	ey = b64url(y, COORD);
	rc = AIG_ERR_NOMEM;
	if (ex == NULL || ey == NULL)
		goto out;
	snprintf(canon, sizeof(canon),
		 "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		 ex, ey);
	if (EVP_Digest(canon, strlen(canon), digest, NULL, EVP_sha256(),
		       NULL) != 1 ||
	    (kid = b64url(digest, sizeof(digest))) == NULL)
		goto out;
	snprintf(k->kid, sizeof(k->kid), "%s", kid);
	jwks = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys",
			 "kty", "EC", "crv", "P-256", "x", ex, "y", ey, "use",
			 "sig", "alg", "ES256", "kid", k->kid);
	if (jwks != NULL && (k->jwks = json_dumps(jwks, JSON_COMPACT)) != NULL)
		rc = AIG_OK;
out:
	json_decref(jwks);
	free(ex);
	free(ey);
	free(kid);
	return rc;
}

static int load(const char *path, struct aig_identity_key **out,
		struct aig_error *err)
{
	struct aig_identity_key *k = calloc(1, sizeof(*k));
	char *pem = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int rc;

	/* OpenSSL is started here, on first use, not for every request
	 * (main.c); its configuration file stays unread */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if (k == NULL || (k->path = strdup(path)) == NULL) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = aig_file_read_checked(path, KEY_FILE_MAX, &pem, &len, err)) !=
		    AIG_OK ||
	    stat(path, &k->stamp) != 0)
		goto out;
	bio = BIO_new_mem_buf(pem, (int)len);
	k->pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	if (k->pkey == NULL || !EVP_PKEY_is_a(k->pkey, "EC") ||
	    EVP_PKEY_get_bits(k->pkey) != 256) {
		rc = aig_error_set(err, AIG_ERR_CONFIG,
				   "%s: not an EC P-256 private key (PEM)",
				   path);
		goto out;
	}
	if ((rc = describe(k)) != AIG_OK) {
		aig_error_set(err, rc, "%s: cannot describe the key", path);
		goto out;
	}
	*out = k;
	k = NULL;
out:
	BIO_free(bio);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	aig_identity_free(k);
	return rc;
}

int aig_identity_get(struct aig_identity_key **kp, const char *path,
		     struct aig_error *err)
{
	struct stat st;
	struct aig_identity_key *k = *kp;

	if (k != NULL && strcmp(k->path, path) == 0 && stat(path, &st) == 0 &&
	    st.st_ino == k->stamp.st_ino && st.st_dev == k->stamp.st_dev &&
	    st.st_mtim.tv_sec == k->stamp.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == k->stamp.st_mtim.tv_nsec &&
	    st.st_size == k->stamp.st_size)
		return AIG_OK;
	aig_identity_free(k);
	*kp = NULL;
	return load(path, kp, err);
}

void aig_identity_free(struct aig_identity_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->path);
	free(k->jwks);
	free(k);
}

const char *aig_identity_jwks(const struct aig_identity_key *k)
{
	return k->jwks;
}

/* ES256 over text: raw r||s (2 * COORD bytes) into sig. */
static int sign(EVP_PKEY *pkey, const char *text, unsigned char *sig)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t derlen = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int rc = AIG_ERR_INTERNAL;

	if (md == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, der, &derlen, (const unsigned char *)text,
			   strlen(text)) != 1 ||
	    (es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, COORD) == COORD &&
	    BN_bn2binpad(s, sig + COORD, COORD) == COORD)
		rc = AIG_OK;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

int aig_identity_token(const struct aig_identity_key *k,
		       const struct aig_identity_claims *c, char **out,
		       struct aig_error *err)
{
	time_t now = time(NULL);
	json_t *groups = json_array(), *claims;
	char *head = NULL, *body = NULL, *text = NULL, *input = NULL,
	     *sig64 = NULL, hdr[128];
	unsigned char sig[2 * COORD];
	size_t i;
	int rc = AIG_ERR_NOMEM;

	*out = NULL;
	for (i = 0; groups != NULL && i < c->ngroups; i++)
		json_array_append_new(groups, json_string(c->groups[i]));
	claims = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:I}", "iss",
			   "aigate", "aud", c->audience, "sub", c->user,
			   "groups", groups, "auth", c->auth ? c->auth : "",
			   "request_id", c->request_id, "iat", (json_int_t)now,
			   "exp", (json_int_t)(now + c->ttl_s));
	snprintf(hdr, sizeof(hdr),
		 "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", k->kid);
	if (claims == NULL ||
	    (text = json_dumps(claims, JSON_COMPACT)) == NULL ||
	    (head = b64url_str(hdr)) == NULL ||
	    (body = b64url_str(text)) == NULL ||
	    (input = malloc(strlen(head) + strlen(body) + 2)) == NULL)
		goto out;
	sprintf(input, "%s.%s", head, body);
	if ((rc = sign(k->pkey, input, sig)) != AIG_OK) {
		aig_error_set(err, rc, "cannot sign the identity");
		goto out;
	}
	rc = AIG_ERR_NOMEM;
	if ((sig64 = b64url(sig, sizeof(sig))) == NULL ||
	    (*out = malloc(strlen(input) + strlen(sig64) + 2)) == NULL)
		goto out;
	sprintf(*out, "%s.%s", input, sig64);
	rc = AIG_OK;
out:
	if (rc == AIG_ERR_NOMEM)
		aig_error_set(err, rc, "out of memory");
	json_decref(claims);
	free(head);
	free(body);
	free(text);
	free(input);
	free(sig64);
	return rc;
}
