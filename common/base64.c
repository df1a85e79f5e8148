/* SPDX-License-Identifier: Apache-2.0 */
/* base64.c - strict base64 decoding (RFC 4648 §4 with padding, for HTTP
 * Basic credentials; §5 base64url without padding, for JWS as RFC 7515 §2
 * uses it). Anything a lenient decoder would skip or repair (whitespace,
 * missing or misplaced padding, non-zero unused bits) is refused, so that
 * one value has exactly one spelling. */
#include "config.h"

#include "aig_common.h"

/* The value of a character of the alphabet, or -1. */
static int b64_value(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

size_t aig_base64_decoded_len(size_t len)
{
	return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
}

/* The unused low bits of the last character of a group of `rest`
 * characters (2 or 3) must be zero, or the encoding is not canonical. */
static bool tail_canonical(int last, size_t rest)
{
	return rest == 2 ? (last & 0x0f) == 0 : (last & 0x03) == 0;
}

/* Decodes len characters without padding. */
static bool decode_bare(const unsigned char *p, size_t len, bool url,
			unsigned char *out, size_t cap, size_t *outlen)
{
	unsigned long acc = 0;
	size_t i, o = 0;
	int v = 0;

	if (len % 4 == 1 || aig_base64_decoded_len(len) > cap)
		return false;
	for (i = 0; i < len; i++) {
		v = b64_value(p[i], url);
		if (v < 0)
			return false;
		acc = (acc << 6) | (unsigned long)v;
		if (i % 4 == 3) {
			out[o++] = (unsigned char)(acc >> 16);
			out[o++] = (unsigned char)(acc >> 8);
			out[o++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (len % 4 != 0 && !tail_canonical(v, len % 4))
		return false;
	if (len % 4 == 2) {
		out[o++] = (unsigned char)(acc >> 4);
	} else if (len % 4 == 3) {
		out[o++] = (unsigned char)(acc >> 10);
		out[o++] = (unsigned char)(acc >> 2);
	}
	*outlen = o;
	return true;
}

bool aig_base64_decode(const char *in, size_t len, bool url, unsigned char *out,
		       size_t cap, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t pad = 0;

	*outlen = 0;
	if (!url) {
		/* padded to a multiple of 4 with one or two '=' at the end */
		if (len == 0 || len % 4 != 0)
			return false;
		while (pad < 2 && p[len - 1 - pad] == '=')
			pad++;
		if (pad == 2 && p[len - 3] == '=')
			return false;
	}
	return decode_bare(p, len - pad, url, out, cap, outlen);
}
