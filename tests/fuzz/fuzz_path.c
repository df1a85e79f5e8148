/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_path.c - the request path on its way through the gate: the
 * PATH_INFO check (aig_cgi_path_ok()) and the encoding of the path for
 * the backend's URL (aig_url_encode_path()). The invariants:
 *  - an accepted path starts with '/', is at most AIG_CGI_MAX_PATH bytes
 *    of valid UTF-8, and holds no NUL, control character or DEL, no
 *    "..", no "." segment, no "//" and no "%2f" or "%2e" in any case (so
 *    no dot segment and no encoded separator can reach the backend). Nothing is
 * said about ';' here: whether it is refused is the check's own business;
 *  - the encoding of any string (the input up to its first NUL) holds only
 *    letters, digits, the characters kept as they are and %XX escapes with
 *    upper-case hex digits, never creates a '/', '.', "%2F" or "%2E" that
 *    was not there, and percent-decoding it gives the string back. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "aig_cgi.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEPT "-._~/:@!$&'()*+,;=" /* besides letters and digits */

static bool has(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (strncasecmp(s + i, needle, n) == 0)
			return true;
	return false;
}

static void check_accepted(const char *p, size_t len)
{
	size_t i;

	FUZZ_CHECK(len >= 1 && len <= AIG_CGI_MAX_PATH && p[0] == '/');
	for (i = 0; i < len; i++)
		FUZZ_CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
	FUZZ_CHECK(aig_utf8_valid(p, len));
	FUZZ_CHECK(!has(p, len, "..") && !has(p, len, "//"));
	FUZZ_CHECK(!has(p, len, "/./") &&
		   !(len >= 2 && p[len - 2] == '/' && p[len - 1] == '.'));
	FUZZ_CHECK(!has(p, len, "%2f") && !has(p, len, "%2e"));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Checks what the encoder wrote and percent-decodes it into out (as many
 * bytes as enc has, at least). Returns the decoded length. */
static size_t check_decode(const char *enc, char *out)
{
	size_t i, o = 0;

	for (i = 0; enc[i] != '\0'; i++) {
		int hi, lo;

		if (enc[i] != '%') {
			FUZZ_CHECK(isalnum((unsigned char)enc[i]) ||
				   strchr(KEPT, enc[i]) != NULL);
			out[o++] = enc[i];
			continue;
		}
		hi = hexval(enc[i + 1]);
		lo = hi < 0 ? -1 : hexval(enc[i + 2]);
		FUZZ_CHECK(hi >= 0 && lo >= 0);
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	return o;
}

static void check_encoding(const char *s)
{
	size_t len = strlen(s), n;
	char *enc = NULL, *dec;

	FUZZ_CHECK(aig_url_encode_path(s, &enc) && enc != NULL);
	dec = malloc(strlen(enc) + 1);
	FUZZ_CHECK(dec != NULL);
	n = check_decode(enc, dec);
	FUZZ_CHECK(n == len && memcmp(dec, s, len) == 0);
	/* what separates segments is the same before and after */
	FUZZ_CHECK(!has(enc, strlen(enc), "%2F") &&
		   !has(enc, strlen(enc), "%2E"));
	FUZZ_CHECK(has(enc, strlen(enc), "..") == has(s, len, ".."));
	free(dec);
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char *s;

	if (aig_cgi_path_ok(p, size))
		check_accepted(p, size);
	s = strndup(p, size);
	FUZZ_CHECK(s != NULL);
	check_encoding(s);
	free(s);
	return 0;
}
