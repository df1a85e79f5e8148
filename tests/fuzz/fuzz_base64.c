/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_base64.c - the strict base64 decoders: aig_base64_decode() of
 * common/ (padded base64 for Basic credentials, unpadded base64url) and
 * the JWS decoder aig_jwt_b64url_decode() of cgi/. Both promise that one
 * value has exactly one spelling (whitespace, misplaced or missing
 * padding and non-zero unused bits are refused). The invariants:
 *  - round trip: the reference encoding of the input decodes back to the
 *    input, in every flavour (padded base64 of nothing, "", is the one
 *    exception: the padded decoder refuses an empty text, which no
 *    caller needs);
 *  - canonicity: whenever a decoder accepts the input as text, encoding
 *    what it decoded gives that very text back, and the decoded length
 *    is what aig_base64_decoded_len() announced;
 *  - bounds: the output buffer is exactly as large as the caller is told
 *    to make it (the sanitizers see any write past it), and the JWS
 *    decoder refuses a buffer one byte too small. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "aig_jwt.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum flavour { PADDED, URL, JWS };

static bool decode(enum flavour f, const char *in, size_t len,
		   unsigned char *out, size_t cap, size_t *outlen)
{
	if (f == JWS)
		return aig_jwt_b64url_decode(in, len, out, cap, outlen);
	return aig_base64_decode(in, len, f != PADDED, out, cap, outlen);
}

/* Decodes text (len bytes) into a buffer of exactly the announced size;
 * *out is new (caller frees) and NULL when refused. */
static size_t try_decode(enum flavour f, const char *text, size_t len,
			 unsigned char **out)
{
	size_t cap = f == JWS ? aig_jwt_b64url_decoded_len(len)
			      : aig_base64_decoded_len(len);
	size_t n = (size_t)-1;
	unsigned char *buf = malloc(cap ? cap : 1);

	FUZZ_CHECK(buf != NULL);
	*out = NULL;
	if (!decode(f, text, len, buf, cap, &n)) {
		free(buf);
		return 0;
	}
	FUZZ_CHECK(n <= cap);
	*out = buf;
	return n;
}

static void round_trip(enum flavour f, const uint8_t *data, size_t size)
{
	char *enc = fuzz_b64_encode(data, size, f != PADDED);
	unsigned char *dec;
	size_t n = try_decode(f, enc, strlen(enc), &dec);

	if (f != PADDED || size > 0)
		FUZZ_CHECK(dec != NULL);
	if (dec != NULL)
		FUZZ_CHECK(n == size && memcmp(dec, data, size) == 0);
	free(dec);
	free(enc);
}

static void canonical(enum flavour f, const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	unsigned char *dec;
	size_t n = try_decode(f, text, size, &dec), pad = 0, k;
	char *enc;

	if (dec == NULL)
		return;
	enc = fuzz_b64_encode(dec, n, f != PADDED);
	FUZZ_CHECK(strlen(enc) == size && memcmp(enc, text, size) == 0);
	while (f == PADDED && pad < size && text[size - 1 - pad] == '=')
		pad++;
	FUZZ_CHECK(n == aig_base64_decoded_len(size - pad));
	if (f == JWS && n > 0) {
		unsigned char *tight = malloc(n - 1 > 0 ? n - 1 : 1);

		FUZZ_CHECK(tight != NULL);
		FUZZ_CHECK(
			!aig_jwt_b64url_decode(text, size, tight, n - 1, &k));
		free(tight);
	}
	free(enc);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum flavour f;

	for (f = PADDED; f <= JWS; f++) {
		round_trip(f, data, size);
		canonical(f, data, size);
	}
	return 0;
}
