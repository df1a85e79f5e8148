/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_floor.c - the floor for a CGI gate that verifies JWTs: a CGI
 * program that reads HTTP_AUTHORIZATION, verifies its RS256 bearer token's
 * signature against the public key in the PEM file named by
 * AIG_FLOOR_PEM, and prints a fixed answer. Linked with the same libcrypto
 * archive and link flags as aigate.cgi (bench/local.mk): it pays exec,
 * libcrypto's relocations and OpenSSL 3's provider start-up, nothing of
 * the gate's own. No claim is checked: this is a floor, not a gate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define SIG_MAX 1024

/* base64url (no padding) of len bytes at in into out; the decoded length,
 * or -1. */
static int b64url_decode(const char *in, size_t len, unsigned char *out,
			 size_t max)
{
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = in[i];
		int v = c >= 'A' && c <= 'Z'   ? c - 'A'
			: c >= 'a' && c <= 'z' ? c - 'a' + 26
			: c >= '0' && c <= '9' ? c - '0' + 52
			: c == '-'	       ? 62
			: c == '_'	       ? 63
					       : -1;
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == max)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return (int)o;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = path != NULL ? fopen(path, "r") : NULL;
	EVP_PKEY *k;

	if (f == NULL)
		return NULL;
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

/* True when token (header.payload.signature) carries a valid RS256
 * signature by key. */
static int verified(const char *token, EVP_PKEY *key)
{
	const char *dot1 = strchr(token, '.'), *dot2;
	unsigned char sig[SIG_MAX];
	EVP_MD_CTX *ctx;
	int n, ok = 0;

	if (dot1 == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return 0;
	n = b64url_decode(dot2 + 1, strlen(dot2 + 1), sig, sizeof(sig));
	if (n <= 0 || (ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(ctx, sig, (size_t)n, (const unsigned char *)token,
			      (size_t)(dot2 - token)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

int main(void)
{
	const char *h = getenv("HTTP_AUTHORIZATION");
	EVP_PKEY *key;
	int ok = 0;

	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG,
			    NULL); /* as the gate */
	key = read_key(getenv("AIG_FLOOR_PEM"));
	if (key != NULL && h != NULL && strncmp(h, "Bearer ", 7) == 0)
		ok = verified(h + 7, key);
	EVP_PKEY_free(key);
	if (ok)
		fputs("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
		      "{\"output\":\"ok\"}\n",
		      stdout);
	else
		fputs("Status: 401 Unauthorized\r\n"
		      "Content-Type: application/json\r\n\r\n"
		      "{\"error\":\"invalid_token\"}\n",
		      stdout);
	return 0;
}
