/* SPDX-License-Identifier: Apache-2.0 */
/* jwt_mint.c - see jwt_mint.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "jwt_mint.h"

static void *must(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "jwt_mint: out of memory or OpenSSL failure\n");
		abort();
	}
	return p;
}

static void check(int ok)
{
	if (!ok)
		must(NULL);
}

EVP_PKEY *mint_rsa(int bits)
{
	return must(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits));
}

EVP_PKEY *mint_ec(const char *curve)
{
	return must(EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve));
}

char *mint_b64url(const void *data, size_t len)
{
	char *out = must(malloc(4 * ((len + 2) / 3) + 1));
	int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len), i, o;

	for (i = 0, o = 0; i < n; i++) {
		if (out[i] == '=')
			continue;
		out[o++] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	}
	out[o] = '\0';
	return out;
}

static json_t *bn_member(EVP_PKEY *key, const char *param, size_t pad)
{
	BIGNUM *bn = NULL;
	unsigned char buf[1100];
	size_t n;
	char *s;
	json_t *j;

	check(EVP_PKEY_get_bn_param(key, param, &bn));
	n = pad ? pad : (size_t)BN_num_bytes(bn);
	check(BN_bn2binpad(bn, buf, (int)n) == (int)n);
	s = mint_b64url(buf, n);
	j = json_string(s);
	free(s);
	BN_free(bn);
	return must(j);
}

json_t *mint_jwk(EVP_PKEY *key, const char *kid, const char *alg)
{
	json_t *jwk = must(json_object());
	char group[32];
	size_t coord;

	if (EVP_PKEY_is_a(key, "RSA")) {
		json_object_set_new(jwk, "kty", json_string("RSA"));
		json_object_set_new(jwk, "n",
				    bn_member(key, OSSL_PKEY_PARAM_RSA_N, 0));
		json_object_set_new(jwk, "e",
				    bn_member(key, OSSL_PKEY_PARAM_RSA_E, 0));
	} else {
		check(EVP_PKEY_get_group_name(key, group, sizeof(group), NULL));
		coord = strcmp(group, "prime256v1") == 0 ? 32 : 48;
		json_object_set_new(jwk, "kty", json_string("EC"));
		json_object_set_new(
			jwk, "crv",
			json_string(coord == 32 ? "P-256" : "P-384"));
		json_object_set_new(
			jwk, "x",
			bn_member(key, OSSL_PKEY_PARAM_EC_PUB_X, coord));
		json_object_set_new(
			jwk, "y",
			bn_member(key, OSSL_PKEY_PARAM_EC_PUB_Y, coord));
	}
	if (kid != NULL)
		json_object_set_new(jwk, "kid", json_string(kid));
	if (alg != NULL)
		json_object_set_new(jwk, "alg", json_string(alg));
	return jwk;
}

char *mint_jwks_text(json_t *const *jwks, size_t n)
{
	json_t *keys = must(json_array()), *root;
	char *text;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(keys, jwks[i]);
	root = must(json_pack("{s:o}", "keys", keys));
	text = must(json_dumps(root, JSON_COMPACT));
	json_decref(root);
	return text;
}

static const char *alg_md(const char *alg)
{
	return strstr(alg, "256")   ? "SHA256"
	       : strstr(alg, "384") ? "SHA384"
				    : "SHA512";
}

/* DER ECDSA to raw r||s of 2 * coord bytes. */
static void ec_raw(EVP_PKEY *key, unsigned char *sig, size_t *siglen)
{
	const unsigned char *p = sig;
	ECDSA_SIG *es = must(d2i_ECDSA_SIG(NULL, &p, (long)*siglen));
	size_t coord = (size_t)(EVP_PKEY_get_bits(key) + 7) / 8;

	check(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, (int)coord) > 0);
	check(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + coord, (int)coord) > 0);
	*siglen = 2 * coord;
	ECDSA_SIG_free(es);
}

void mint_sign(EVP_PKEY *key, const char *alg, const void *msg, size_t len,
	       bool der, unsigned char *sig, size_t *siglen)
{
	EVP_MD_CTX *md = must(EVP_MD_CTX_new());
	EVP_PKEY_CTX *pctx = NULL;

	check(EVP_DigestSignInit_ex(md, &pctx, alg_md(alg), NULL, NULL, key,
				    NULL));
	if (alg[0] == 'P') {
		check(EVP_PKEY_CTX_set_rsa_padding(pctx,
						   RSA_PKCS1_PSS_PADDING) > 0);
		check(EVP_PKEY_CTX_set_rsa_pss_saltlen(
			      pctx, RSA_PSS_SALTLEN_DIGEST) > 0);
	}
	*siglen = 1024;
	check(EVP_DigestSign(md, sig, siglen, msg, len));
	if (alg[0] == 'E' && !der)
		ec_raw(key, sig, siglen);
	EVP_MD_CTX_free(md);
}

void mint_hmac256(const void *secret, size_t slen, const void *msg, size_t len,
		  unsigned char *out)
{
	unsigned int n = 32;

	must(HMAC(EVP_sha256(), secret, (int)slen, msg, len, out, &n));
}

char *mint_input(const char *header, const char *payload)
{
	char *h = mint_b64url(header, strlen(header));
	char *p = mint_b64url(payload, strlen(payload));
	size_t n = strlen(h) + strlen(p) + 2;
	char *out = must(malloc(n));

	snprintf(out, n, "%s.%s", h, p);
	free(h);
	free(p);
	return out;
}

char *mint_join(const char *input, const unsigned char *sig, size_t siglen)
{
	char *s = mint_b64url(sig, siglen);
	size_t n = strlen(input) + strlen(s) + 2;
	char *out = must(malloc(n));

	snprintf(out, n, "%s.%s", input, s);
	free(s);
	return out;
}

char *mint_token(EVP_PKEY *key, const char *alg, const char *header,
		 const char *payload)
{
	unsigned char sig[1024];
	size_t siglen;
	char *input = mint_input(header, payload), *tok;

	mint_sign(key, alg, input, strlen(input), false, sig, &siglen);
	tok = mint_join(input, sig, siglen);
	free(input);
	return tok;
}

char *mint_pem(EVP_PKEY *key)
{
	BIO *b = must(BIO_new(BIO_s_mem()));
	char *data, *out;
	long n;

	check(PEM_write_bio_PUBKEY(b, key));
	n = BIO_get_mem_data(b, &data);
	out = must(malloc((size_t)n + 1));
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}
