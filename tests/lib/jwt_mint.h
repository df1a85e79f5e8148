/* SPDX-License-Identifier: Apache-2.0 */
/* jwt_mint.h - keys, JWKs and signed tokens made at test time with
 * OpenSSL, for the JWT tests and the benchmark. Everything returned is new
 * and the caller's: free() strings, json_decref() JSON, EVP_PKEY_free()
 * keys. Any failure aborts: these are tests. The certificates of a test
 * PKI are in aig_test_pki.h. */
#ifndef AIG_JWT_MINT_H
#define AIG_JWT_MINT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

/* "RSA" with bits, or "EC" with curve "P-256" / "P-384". */
EVP_PKEY *mint_rsa(int bits);
EVP_PKEY *mint_ec(const char *curve);

/* base64url without padding. */
char *mint_b64url(const void *data, size_t len);

/* The public JWK of key, with kid and alg members unless NULL. */
json_t *mint_jwk(EVP_PKEY *key, const char *kid, const char *alg);

/* {"keys": [jwk...]} as text; steals the references. */
char *mint_jwks_text(json_t *const *jwks, size_t n);

/* Signs msg with key as alg (RS*, PS*, ES*); ES signatures come as raw
 * r||s unless der. sig must hold 1024 bytes. */
void mint_sign(EVP_PKEY *key, const char *alg, const void *msg, size_t len,
	       bool der, unsigned char *sig, size_t *siglen);

/* HMAC-SHA256 of msg with secret; out holds 32 bytes. */
void mint_hmac256(const void *secret, size_t slen, const void *msg, size_t len,
		  unsigned char *out);

/* "b64(header).b64(payload)" from raw header and payload text. */
char *mint_input(const char *header, const char *payload);

/* input + "." + b64(sig). */
char *mint_join(const char *input, const unsigned char *sig, size_t siglen);

/* A signed compact token: header and payload are JSON text. */
char *mint_token(EVP_PKEY *key, const char *alg, const char *header,
		 const char *payload);

/* The public key as PEM (SubjectPublicKeyInfo). */
char *mint_pem(EVP_PKEY *key);

/* An AWS ALB-style token (alb_mint.c): header and payload JSON text,
 * signed as alg over the segments as they are sent; pad keeps the '='
 * padding of each base64url segment, as an ALB does. */
char *mint_alb_token(EVP_PKEY *key, const char *alg, const char *header,
		     const char *payload, bool pad);

/* token without any '=' (a new string). */
char *mint_strip_padding(const char *token);

#endif
