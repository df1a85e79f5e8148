/* SPDX-License-Identifier: Apache-2.0 */
/* alb_mint.c - tokens shaped like an AWS ALB's x-amzn-oidc-data (see
 * jwt_mint.h): base64url segments that keep their '=' padding, signed
 * over the padded text as an ALB signs them, ES256 raw r||s. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt_mint.h"

/* base64url keeping the '=' padding. */
static char *b64url_padded(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	int n, i;

	if (out == NULL)
		abort();
	n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	for (i = 0; i < n; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	out[n] = '\0';
	return out;
}

char *mint_alb_token(EVP_PKEY *key, const char *alg, const char *header,
		     const char *payload, bool pad)
{
	char *h = pad ? b64url_padded(header, strlen(header))
		      : mint_b64url(header, strlen(header));
	char *p = pad ? b64url_padded(payload, strlen(payload))
		      : mint_b64url(payload, strlen(payload));
	size_t n = strlen(h) + strlen(p) + 2;
	char *input = malloc(n), *sigtext, *out;
	unsigned char sig[1024];
	size_t siglen = 0;

	if (input == NULL)
		abort();
	snprintf(input, n, "%s.%s", h, p);
	mint_sign(key, alg, input, strlen(input), false, sig, &siglen);
	sigtext = pad ? b64url_padded(sig, siglen) : mint_b64url(sig, siglen);
	n = strlen(input) + strlen(sigtext) + 2;
	if ((out = malloc(n)) == NULL)
		abort();
	snprintf(out, n, "%s.%s", input, sigtext);
	free(h);
	free(p);
	free(input);
	free(sigtext);
	return out;
}

char *mint_strip_padding(const char *token)
{
	char *out = strdup(token);
	size_t i, o;

	if (out == NULL)
		abort();
	for (i = 0, o = 0; out[i]; i++)
		if (out[i] != '=')
			out[o++] = out[i];
	out[o] = '\0';
	return out;
}
