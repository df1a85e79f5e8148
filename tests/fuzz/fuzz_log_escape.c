/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_log_escape.c - aig_log_escape() and aig_log_quote(), the one
 * escaping of outside data for log lines, against their invariants: the
 * output is valid UTF-8 without C0, DEL, C1, U+2028/U+2029 or bidi
 * controls, '"' appears only as aig_log_quote()'s two quotes, a backslash
 * always starts \xNN or \uNNNN, and decoding the escapes gives the input
 * back (so two inputs never share a line). A short buffer cuts at a
 * whole unit and still keeps every rule. Input: any bytes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(why)                                                              \
	do {                                                                   \
		fprintf(stderr, "fuzz_log_escape: %s\n", why);                 \
		abort();                                                       \
	} while (0)

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static unsigned hex_n(const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (hexval(s[i]) < 0)
			FAIL("a backslash not followed by lower-case hex");
		v = v << 4 | (unsigned)hexval(s[i]);
	}
	return v;
}

/* UTF-8 of cp (< 0x10000) into out; returns its length. */
static size_t put_utf8(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (unsigned char)(0xe0 | cp >> 12);
	out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp & 0x3f));
	return 3;
}

/* Checks every output rule on the n bytes at e and decodes them into
 * out (room for n bytes); returns the decoded length. */
static size_t check_decode(const char *e, size_t n, unsigned char *out)
{
	const unsigned char *p = (const unsigned char *)e;
	size_t i = 0, o = 0, len;
	uint32_t cp;

	if (!aig_utf8_valid(e, n))
		FAIL("output is not valid UTF-8");
	while (i < n) {
		len = aig_utf8_next(p + i, n - i, &cp);
		if (aig_utf8_is_control(cp) || cp == '"')
			FAIL("a control character or '\"' in the output");
		if (cp != '\\') {
			memcpy(out + o, p + i, len);
			o += len;
			i += len;
		} else if (i + 4 <= n && p[i + 1] == 'x') {
			out[o++] = (unsigned char)hex_n(e + i + 2, 2);
			i += 4;
		} else if (i + 6 <= n && p[i + 1] == 'u') {
			cp = hex_n(e + i + 2, 4);
			if (!aig_utf8_is_control(cp) || cp < 0x80)
				FAIL("\\u used for a harmless code point");
			o += put_utf8(cp, out + o);
			i += 6;
		} else {
			FAIL("a backslash that starts no escape");
		}
	}
	return o;
}

static void check_full(const uint8_t *data, size_t size)
{
	size_t cap = 6 * size + 4, n;
	char *e = malloc(cap);
	unsigned char *back = malloc(cap);

	if (e == NULL || back == NULL)
		FAIL("out of memory");
	aig_log_escape(e, cap, (const char *)data, size);
	n = check_decode(e, strlen(e), back);
	if (n != size || memcmp(back, data, size) != 0)
		FAIL("decode(escape(x)) != x");
	if (aig_utf8_clean((const char *)data, size) &&
	    memchr(data, '"', size) == NULL &&
	    memchr(data, '\\', size) == NULL &&
	    (strlen(e) != size || memcmp(e, data, size) != 0))
		FAIL("clean input was changed");
	free(back);
	free(e);
}

/* A cut output: still every rule, and what it decodes to (without the
 * "...") is a prefix of the input. */
static void check_cut(const uint8_t *data, size_t size, size_t cap)
{
	char *e = malloc(cap), *q = malloc(cap);
	unsigned char *back = malloc(cap);
	size_t n, d;

	if (e == NULL || q == NULL || back == NULL)
		FAIL("out of memory");
	aig_log_escape(e, cap, (const char *)data, size);
	n = strlen(e);
	if (n >= cap)
		FAIL("output overflows its buffer");
	if (n >= 3 && strcmp(e + n - 3, "...") == 0)
		n -= 3; /* the cut's mark, or the input's own: a prefix either
			   way */
	d = check_decode(e, n, back);
	if (d > size || memcmp(back, data, d) != 0)
		FAIL("a cut output is not a prefix of the input");
	if (memchr(data, '\0', size) == NULL) {
		char *z = strndup((const char *)data, size);

		if (z == NULL)
			FAIL("out of memory");
		aig_log_quote(q, cap, z);
		n = strlen(q);
		if (cap >= 3 &&
		    (n >= cap || n < 2 || q[0] != '"' || q[n - 1] != '"' ||
		     memchr(q + 1, '"', n - 2) != NULL))
			FAIL("aig_log_quote: not one quoted value");
		free(z);
	}
	free(back);
	free(q);
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap;

	if (size > 4096)
		return 0;
	check_full(data, size);
	for (cap = 1; cap < 40 && cap < 6 * size + 4; cap += 3)
		check_cut(data, size, cap);
	return 0;
}
