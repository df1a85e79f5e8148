/* b64url.c - strict base64url decoding (RFC 4648 §5 without padding, as
 * RFC 7515 §2 uses it). Anything a lenient decoder would skip or repair is
 * refused: the bytes that were signed are the characters of the token, so
 * two spellings of one value must not both be accepted. */
#include "config.h"

#include "aig_jwt.h"

/* The value of a base64url character, or -1. */
static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

size_t aig_jwt_b64url_decoded_len(size_t len)
{
	return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
}

/* The unused low bits of the last character of a group of `rest`
 * characters (2 or 3) must be zero, or the encoding is not canonical. */
static bool tail_canonical(int last, size_t rest)
{
	return rest == 2 ? (last & 0x0f) == 0 : (last & 0x03) == 0;
}

bool aig_jwt_b64url_decode(const char *in, size_t len, unsigned char *out,
			   size_t cap, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned long acc = 0;
	size_t i, o = 0;
	int v = 0;

	*outlen = 0;
	if (len % 4 == 1 || aig_jwt_b64url_decoded_len(len) > cap)
		return false;
	for (i = 0; i < len; i++) {
		v = b64url_value(p[i]);
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
