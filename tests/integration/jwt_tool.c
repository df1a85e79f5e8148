/* SPDX-License-Identifier: Apache-2.0 */
/* jwt_tool.c - keys and tokens for the end-to-end tests of the gate.
 *
 *   jwt_tool keygen DIR          DIR/rsa.pem, DIR/ec.pem (private keys,
 *                                0600) and DIR/jwks.json (their public
 *                                JWKs, kids "rsa1" and "ec1")
 *   jwt_tool sign KEY.pem KID ALG PAYLOAD
 *                                prints a compact JWS of PAYLOAD (JSON)
 *                                signed with KEY.pem as ALG, kid KID
 *                                ("-" for none)
 *   jwt_tool pem KEY.pem         prints the public key as PEM
 *   jwt_tool alb KEY.pem HEADER PAYLOAD [nopad]
 *                                prints an AWS ALB-style token: HEADER
 *                                and PAYLOAD (JSON) as padded base64url
 *                                segments, ES256 over them as sent
 *                                (the header's alg is not looked at)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "aig_test.h"
#include "aig_test_pki.h"
#include "jwt_mint.h"

static int keygen(const char *dir)
{
	EVP_PKEY *rsa = mint_rsa(2048), *ec = mint_ec("P-256");
	json_t *jwks[2];
	char path[4096], *text;

	jwks[0] = mint_jwk(rsa, "rsa1", NULL);
	jwks[1] = mint_jwk(ec, "ec1", NULL);
	text = mint_jwks_text(jwks, 2);
	snprintf(path, sizeof(path), "%s/rsa.pem", dir);
	mint_write_pem(path, NULL, rsa);
	snprintf(path, sizeof(path), "%s/ec.pem", dir);
	mint_write_pem(path, NULL, ec);
	aig_test_write_in(dir, "jwks.json", text, 0644);
	free(text);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	return 0;
}

static int sign(const char *keyfile, const char *kid, const char *alg,
		const char *payload)
{
	FILE *f = fopen(keyfile, "r");
	EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	char header[512], *token;

	if (f != NULL)
		fclose(f);
	if (key == NULL) {
		fprintf(stderr, "%s: cannot read the key\n", keyfile);
		return 1;
	}
	if (strcmp(kid, "-") == 0)
		snprintf(header, sizeof(header),
			 "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
	else
		snprintf(header, sizeof(header),
			 "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg,
			 kid);
	token = mint_token(key, alg, header, payload);
	printf("%s\n", token);
	free(token);
	EVP_PKEY_free(key);
	return 0;
}

static EVP_PKEY *read_key(const char *keyfile)
{
	FILE *f = fopen(keyfile, "r");
	EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f != NULL)
		fclose(f);
	if (key == NULL)
		fprintf(stderr, "%s: cannot read the key\n", keyfile);
	return key;
}

static int pem(const char *keyfile)
{
	EVP_PKEY *key = read_key(keyfile);
	char *text;

	if (key == NULL)
		return 1;
	text = mint_pem(key);
	fputs(text, stdout);
	free(text);
	EVP_PKEY_free(key);
	return 0;
}

static int alb(const char *keyfile, const char *header, const char *payload,
	       bool pad)
{
	EVP_PKEY *key = read_key(keyfile);
	char *token;

	if (key == NULL)
		return 1;
	token = mint_alb_token(key, "ES256", header, payload, pad);
	printf("%s\n", token);
	free(token);
	EVP_PKEY_free(key);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "pem") == 0)
		return pem(argv[2]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "alb") == 0)
		return alb(argv[2], argv[3], argv[4],
			   argc == 5 || strcmp(argv[5], "nopad") != 0);
	if (argc == 3 && strcmp(argv[1], "keygen") == 0)
		return keygen(argv[2]);
	if (argc == 6 && strcmp(argv[1], "sign") == 0)
		return sign(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: jwt_tool keygen DIR | "
			"jwt_tool sign KEY.pem KID ALG PAYLOAD\n");
	return 2;
}
