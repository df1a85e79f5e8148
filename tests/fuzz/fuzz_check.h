/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_check.h - what the invariant-checking fuzz targets share: a
 * violated invariant aborts with its text, so that libFuzzer keeps the
 * input as an artifact and the plain driver (fuzz_main.c) fails. */
#ifndef AIG_FUZZ_CHECK_H
#define AIG_FUZZ_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noreturn)) static inline void
fuzz_violated(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
	abort();
}

/* Aborts unless cond holds. */
#define FUZZ_CHECK(cond)                                                       \
	((cond) ? (void)0 : fuzz_violated(#cond, __FILE__, __LINE__))

/* A reference RFC 4648 encoder, written for reading rather than speed:
 * base64 (section 4) padded with '=', or base64url (section 5) without
 * padding. Returns a new NUL-terminated string (caller frees); aborts when
 * out of memory. */
static inline char *fuzz_b64_encode(const unsigned char *in, size_t len,
				    bool url)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char web[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *abc = url ? web : std;
	char *out = malloc(len / 3 * 4 + 5), *o = out;
	size_t i;

	if (out == NULL)
		abort();
	for (i = 0; i < len; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16;
		size_t n = len - i < 3 ? len - i : 3; /* bytes in this group */

		if (n > 1)
			v |= (unsigned long)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		if (n > 1)
			*o++ = abc[v >> 6 & 63];
		if (n > 2)
			*o++ = abc[v & 63];
		for (; !url && n < 3; n++)
			*o++ = '=';
	}
	*o = '\0';
	return out;
}

#endif /* AIG_FUZZ_CHECK_H */
