/* SPDX-License-Identifier: Apache-2.0 */
/* jsonwrite.c - a JSON text written straight into a buffer, for a record
 * that is made once and written out (the audit line): the same text as
 * jansson's json_dumps() with JSON_COMPACT | JSON_ENSURE_ASCII |
 * JSON_REAL_PRECISION(6), without building a tree of objects first. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_common.h"

void aig_jw_init(struct aig_jw *w, char *fixed, size_t cap)
{
	w->buf = w->fixed = fixed;
	w->cap = cap;
	w->len = 0;
	w->comma = false;
	w->failed = cap == 0;
	if (cap > 0)
		fixed[0] = '\0';
}

void aig_jw_free(struct aig_jw *w)
{
	if (w->buf != w->fixed)
		free(w->buf);
	w->buf = w->fixed;
	w->len = 0;
}

/* Room for n more bytes and a NUL; false (and failed) when there is none. */
static bool room(struct aig_jw *w, size_t n)
{
	size_t cap;
	char *p;

	if (w->failed)
		return false;
	if (n < w->cap - w->len)
		return true;
	if (n > SIZE_MAX / 2 - w->len) {
		w->failed = true;
		return false;
	}
	cap = 2 * (w->len + n + 1);
	p = w->buf == w->fixed ? malloc(cap) : realloc(w->buf, cap);
	if (p == NULL) {
		w->failed = true;
		return false;
	}
	if (w->buf == w->fixed)
		memcpy(p, w->buf, w->len);
	w->buf = p;
	w->cap = cap;
	return true;
}

static void put(struct aig_jw *w, const char *s, size_t n)
{
	if (!room(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void put_u(struct aig_jw *w, unsigned cp)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[6] = {'\\',
		     'u',
		     hex[(cp >> 12) & 15],
		     hex[(cp >> 8) & 15],
		     hex[(cp >> 4) & 15],
		     hex[cp & 15]};

	put(w, e, sizeof(e));
}

/* A byte written as it is: ASCII from the space up (DEL too, as jansson
 * writes it) but '"' and '\\'. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* One code point that is not plain: '"', '\\' and the C0 controls
 * escaped, every other \uXXXX (a surrogate pair above
 * U+FFFF), as jansson's JSON_ENSURE_ASCII writes them. */
static void put_escaped(struct aig_jw *w, uint32_t cp)
{
	static const char short_esc[][3] = {
		['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
		['\n'] = "\\n", ['\r'] = "\\r",	 ['\t'] = "\\t"};

	if (cp < sizeof(short_esc) / sizeof(short_esc[0]) &&
	    short_esc[cp][0] != '\0') {
		put(w, short_esc[cp], 2);
	} else if (cp >= 0x10000) {
		cp -= 0x10000;
		put_u(w, 0xd800 | (cp >> 10));
		put_u(w, 0xdc00 | (cp & 0x3ff));
	} else {
		put_u(w, cp);
	}
}

/* One string's text, quoted. A byte that does not start valid UTF-8
 * becomes U+FFFD: jansson refuses such a string, and a record must not be
 * lost for it. */
static void put_string(struct aig_jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, run, len;
	uint32_t cp;

	put(w, "\"", 1);
	while (i < n && !w->failed) {
		run = i;
		while (run < n && plain(p[run]))
			run++;
		put(w, s + i, run - i);
		if ((i = run) == n)
			break;
		len = aig_utf8_next(p + i, n - i, &cp);
		if (len == 0) {
			put_u(w, 0xfffd);
			i++;
		} else {
			put_escaped(w, cp);
			i += len;
		}
	}
	put(w, "\"", 1);
}

/* The separator before a value, and its key inside an object. */
static void lead(struct aig_jw *w, const char *key)
{
	if (w->comma)
		put(w, ",", 1);
	w->comma = true;
	if (key != NULL) {
		put_string(w, key);
		put(w, ":", 1);
	}
}

void aig_jw_open(struct aig_jw *w, const char *key, char bracket)
{
	lead(w, key);
	put(w, &bracket, 1);
	w->comma = false;
}

void aig_jw_close(struct aig_jw *w, char bracket)
{
	put(w, &bracket, 1);
	w->comma = true;
}

void aig_jw_str(struct aig_jw *w, const char *key, const char *s)
{
	lead(w, key);
	if (s == NULL)
		put(w, "null", 4);
	else
		put_string(w, s);
}

void aig_jw_int(struct aig_jw *w, const char *key, long long v)
{
	char d[AIG_DECIMAL_MAX];

	lead(w, key);
	put(w, d, aig_decimal(d, v));
}

void aig_jw_bool(struct aig_jw *w, const char *key, bool v)
{
	lead(w, key);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

/* "%.6g", then as jansson writes a real: a ".0" when it would read back as
 * an integer, the exponent without '+' or leading zeros. Not a number and
 * the infinities, which JSON cannot hold, are null. */
void aig_jw_real(struct aig_jw *w, const char *key, double v)
{
	char d[40], *e, *from;
	int n;

	lead(w, key);
	n = isfinite(v) ? snprintf(d, sizeof(d) - 2, "%.6g", v) : -1;
	if (n < 0 || (size_t)n >= sizeof(d) - 2) {
		put(w, "null", 4);
		return;
	}
	if (strpbrk(d, ".e") == NULL) {
		memcpy(d + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(d, 'e')) != NULL) {
		from = ++e;
		if (*e == '-')
			from = ++e;
		else if (*e == '+')
			from = e + 1;
		while (*from == '0' && from[1] != '\0')
			from++;
		memmove(e, from, strlen(from) + 1);
		n = (int)strlen(d);
	}
	put(w, d, (size_t)n);
}
