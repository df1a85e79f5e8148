/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_json_write.c - the audit record's JSON writer (aig_jw_*) against
 * its invariants, with outside bytes as a string and as a member name:
 * the text is one line of printable ASCII; it reads back as exactly the
 * values written, so no string can add a member or end the record; the
 * string and the name written from the same bytes read back the same;
 * valid UTF-8 comes back byte for byte, in the very text jansson's
 * json_dumps() makes with the audit's flags; each byte that is not valid
 * UTF-8 comes back as U+FFFD. Input: 8 bytes of integer, 8 of real, then
 * the string (up to its first NUL). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aig_common.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(why) fuzz_violated(why, __FILE__, __LINE__)

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6))

/* [s, {s: "v"}, n, r, null] */
static void write_record(struct aig_jw *w, const char *s, long long n, double r)
{
	aig_jw_open(w, NULL, '[');
	aig_jw_str(w, NULL, s);
	aig_jw_open(w, NULL, '{');
	aig_jw_str(w, s, "v");
	aig_jw_close(w, '}');
	aig_jw_int(w, NULL, n);
	aig_jw_real(w, NULL, r);
	aig_jw_str(w, NULL, NULL);
	aig_jw_close(w, ']');
}

/* What jansson writes for the same values; NULL where it cannot (a
 * string that is not UTF-8, a real that is not finite). */
static char *jansson_text(const char *s, long long n, double r)
{
	json_t *v =
		json_pack("[s, {s:s}, I, f, n]", s, s, "v", (json_int_t)n, r);
	char *text = v != NULL ? json_dumps(v, DUMP_FLAGS) : NULL;

	json_decref(v);
	return text;
}

static void check_read_back(const char *text, size_t len, const char *s,
			    long long n, double r)
{
	json_t *v = json_loadb(text, len, 0, NULL), *obj;
	const char *got;
	double back;

	if (v == NULL || !json_is_array(v) || json_array_size(v) != 5)
		FAIL("the text does not read back as the five values");
	got = json_string_value(json_array_get(v, 0));
	obj = json_array_get(v, 1);
	if (got == NULL || !json_is_object(obj) || json_object_size(obj) != 1)
		FAIL("the string or the one-member object did not come back");
	if (json_string_value(json_object_get(obj, got)) == NULL ||
	    strcmp(json_string_value(json_object_get(obj, got)), "v") != 0)
		FAIL("the member name reads back unlike the same string");
	if (json_integer_value(json_array_get(v, 2)) != n)
		FAIL("the integer changed");
	if (!json_is_null(json_array_get(v, 4)))
		FAIL("null did not come back");
	if (!isfinite(r) ? !json_is_null(json_array_get(v, 3))
			 : !json_is_number(json_array_get(v, 3)))
		FAIL("the real is not a number (or null when not finite)");
	back = json_number_value(json_array_get(v, 3));
	if (isfinite(r) && fabs(back - r) > fabs(r) * 1e-5)
		FAIL("the real is not the same to six digits");
	if (aig_utf8_valid(s, strlen(s)) ? strcmp(got, s) != 0
					 : strstr(got, "\xef\xbf\xbd") == NULL)
		FAIL("the string is not the bytes written (U+FFFD where not "
		     "UTF-8)");
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char fixed[64], *s, *want;
	unsigned char head[16] = {0};
	struct aig_jw w;
	long long n;
	double r;
	size_t i, k = size < 16 ? size : 16;

	memcpy(head, data, k);
	memcpy(&n, head, sizeof(n));
	memcpy(&r, head + 8, sizeof(r));
	if ((s = malloc(size - k + 1)) == NULL)
		return 0;
	memcpy(s, data + k, size - k);
	s[size - k] = '\0';

	aig_jw_init(&w, fixed, sizeof(fixed));
	write_record(&w, s, n, r);
	if (w.failed || strlen(w.buf) != w.len)
		FAIL("the writer failed or left a NUL inside its text");
	for (i = 0; i < w.len; i++)
		if ((unsigned char)w.buf[i] < 0x20 ||
		    (unsigned char)w.buf[i] > 0x7f)
			FAIL("a byte that is not printable ASCII");
	check_read_back(w.buf, w.len, s, n, r);
	want = jansson_text(s, n, r);
	if (want != NULL && strcmp(want, w.buf) != 0)
		FAIL("not the text jansson writes");
	free(want);
	aig_jw_free(&w);
	free(s);
	return 0;
}
