/* SPDX-License-Identifier: Apache-2.0 */
/* utf8.c - UTF-8 validation (RFC 3629: no overlongs, no surrogates), and
 * the code points that must never reach a log line or a user name. */
#include "config.h"

#include "aig_common.h"

size_t aig_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t aig_utf8_seq_len(const unsigned char *s, size_t n)
{
	uint32_t cp;

	return aig_utf8_next(s, n, &cp);
}

bool aig_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = aig_utf8_seq_len(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Each of these ends a line for some reader (C0, NEL, U+2028/9), or
 * reorders what a terminal or a log viewer shows (the bidi embeddings,
 * overrides, isolates and marks), so that "bob" followed by one of them
 * can be made to read as something else. */
bool aig_utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || /* C0, DEL, C1 */
	       cp == 0x061c ||			 /* ARABIC LETTER MARK */
	       cp == 0x200e || cp == 0x200f ||	 /* LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) || /* LS, PS, LRE..RLO */
	       (cp >= 0x2066 && cp <= 0x2069);	 /* LRI..PDI */
}

bool aig_utf8_clean(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = aig_utf8_next(p + i, len - i, &cp);
		if (n == 0 || aig_utf8_is_control(cp))
			return false;
		i += n;
	}
	return true;
}
