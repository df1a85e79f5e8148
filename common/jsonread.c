/* SPDX-License-Identifier: Apache-2.0 */
/* jsonread.c - the strict typed reading of aigate.json and policy.json
 * (aig_common.h, "strict JSON reading"): members fetched by type and
 * range, unknown keys refused, and every error as
 *   file:line:column: [prefix]"dotted.key": what
 * where the position is that of the offending value (or key), found with
 * aig_json_locate() from the JSON Pointer the getters build. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aig_common.h"

int aig_jr_fail(const struct aig_jr *r, const char *ptr, bool key,
		const char *fmt, ...)
{
	char what[320], dotted[128], shown[4 * sizeof(dotted)];
	unsigned line, col;
	size_t i, o = 0;
	va_list ap;

	aig_json_locate(r->text, r->len, ptr, key, &line, &col);
	for (i = ptr[0] == '/' ? 1 : 0; ptr[i] && o + 1 < sizeof(dotted); i++)
		dotted[o++] = ptr[i] == '/' ? '.' : ptr[i];
	dotted[o] = '\0';
	/* A key is the file's text: escaped, so that a hostile one cannot
	 * write control sequences to a terminal or forge a log line. */
	aig_log_escape_str(shown, sizeof(shown), dotted);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	for (i = 0; what[i]; i++) /* values quoted in the message, likewise */
		if ((unsigned char)what[i] < 0x20 || what[i] == 0x7f)
			what[i] = '?';
	return aig_error_set(r->err, AIG_ERR_CONFIG, "%s:%u:%u: %s%s%s%s%s",
			     r->name, line, col, r->prefix, o ? "\"" : "",
			     shown, o ? "\": " : "", what);
}

/* Puts n bytes of s at out + o, as many as fit before the last byte of
 * out (kept for the NUL); returns the new end. Not snprintf(): the
 * loaders join a pointer for every member they read, in every CGI
 * process, and formatting each cost more than copying it. */
static size_t put(char *out, size_t outlen, size_t o, const char *s, size_t n)
{
	if (o >= outlen - 1)
		return o;
	if (n > outlen - 1 - o)
		n = outlen - 1 - o;
	memmove(out + o, s, n);
	return o + n;
}

void aig_jr_join(char *out, size_t outlen, const char *ptr, const char *key)
{
	size_t o = put(out, outlen, 0, ptr, strlen(ptr));

	o = put(out, outlen, o, "/", 1);
	for (; *key && o + 3 < outlen; key++) {
		if (*key == '~' || *key == '/') {
			out[o++] = '~';
			out[o++] = *key == '~' ? '0' : '1';
		} else {
			out[o++] = *key;
		}
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

void aig_jr_join_index(char *out, size_t outlen, const char *ptr, size_t i)
{
	char num[24], *d = num + sizeof(num);
	size_t o = put(out, outlen, 0, ptr, strlen(ptr));

	do
		*--d = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	o = put(out, outlen, o, "/", 1);
	o = put(out, outlen, o, d, (size_t)(num + sizeof(num) - d));
	out[o] = '\0';
}

int aig_jr_check_keys(const struct aig_jr *r, json_t *obj, const char *ptr,
		      const char *const *allowed)
{
	void *it;

	for (it = json_object_iter(obj); it != NULL;
	     it = json_object_iter_next(obj, it)) {
		const char *key = json_object_iter_key(it);
		char p[AIG_JR_PTR_MAX];
		size_t i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			aig_jr_join(p, sizeof(p), ptr, key);
			return aig_jr_fail(r, p, true, "unknown key");
		}
	}
	return AIG_OK;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int aig_jr_string(const struct aig_jr *r, json_t *v, const char *ptr,
		  size_t max, unsigned flags, const char **out)
{
	bool terse = flags & AIG_JR_TERSE;

	*out = NULL;
	if (!json_is_string(v))
		return aig_jr_fail(r, ptr, false, "%s",
				   terse ? "must be a non-empty string"
					 : "must be a string");
	if (json_string_length(v) == 0 || json_string_length(v) > max)
		return terse ? aig_jr_fail(r, ptr, false,
					   "must be a non-empty string")
			     : aig_jr_fail(r, ptr, false,
					   "must be 1 to %zu bytes long", max);
	if ((flags & AIG_JR_NO_CONTROL) && has_control(json_string_value(v)))
		return aig_jr_fail(r, ptr, false, "holds a control character");
	*out = json_string_value(v);
	return AIG_OK;
}

/* The member key of obj (obj may be NULL: nothing there) into *v, and its
 * pointer into p. AIG_OK with *v NULL: absent (null too, with
 * AIG_JR_NULL_ABSENT), and not required. */
static int member(const struct aig_jr *r, json_t *obj, const char *ptr,
		  const char *key, unsigned flags, char p[AIG_JR_PTR_MAX],
		  json_t **v)
{
	*v = obj != NULL ? json_object_get(obj, key) : NULL;
	aig_jr_join(p, AIG_JR_PTR_MAX, ptr, key);
	if (*v != NULL && !((flags & AIG_JR_NULL_ABSENT) && json_is_null(*v)))
		return AIG_OK;
	if (flags & AIG_JR_REQUIRED)
		return aig_jr_fail(r, *v != NULL ? p : ptr, false,
				   "missing required key \"%s\"", key);
	*v = NULL;
	return AIG_OK;
}

int aig_jr_get_object(const struct aig_jr *r, json_t *obj, const char *ptr,
		      const char *key, unsigned flags, json_t **out)
{
	char p[AIG_JR_PTR_MAX];
	json_t *v;
	int rc;

	*out = NULL;
	if ((rc = member(r, obj, ptr, key, flags, p, &v)) != AIG_OK ||
	    v == NULL)
		return rc;
	if (!json_is_object(v))
		return aig_jr_fail(r, p, false, "must be an object");
	*out = v;
	return AIG_OK;
}

int aig_jr_get_string(const struct aig_jr *r, json_t *obj, const char *ptr,
		      const char *key, unsigned flags, size_t max,
		      const char **out)
{
	char p[AIG_JR_PTR_MAX];
	json_t *v;
	int rc;

	*out = NULL;
	if ((rc = member(r, obj, ptr, key, flags, p, &v)) != AIG_OK ||
	    v == NULL)
		return rc;
	return aig_jr_string(r, v, p, max, flags, out);
}

int aig_jr_get_int(const struct aig_jr *r, json_t *obj, const char *ptr,
		   const char *key, unsigned flags, json_int_t min,
		   json_int_t max, json_int_t *out)
{
	char p[AIG_JR_PTR_MAX];
	json_t *v;
	int rc;

	if ((rc = member(r, obj, ptr, key, flags, p, &v)) != AIG_OK ||
	    v == NULL)
		return rc;
	if (!json_is_integer(v))
		return aig_jr_fail(r, p, false, "must be an integer");
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return aig_jr_fail(r, p, false,
				   "must be between %" JSON_INTEGER_FORMAT
				   " and %" JSON_INTEGER_FORMAT,
				   min, max);
	*out = json_integer_value(v);
	return AIG_OK;
}

int aig_jr_get_bool(const struct aig_jr *r, json_t *obj, const char *ptr,
		    const char *key, unsigned flags, bool *out)
{
	char p[AIG_JR_PTR_MAX];
	json_t *v;
	int rc;

	if ((rc = member(r, obj, ptr, key, flags, p, &v)) != AIG_OK ||
	    v == NULL)
		return rc;
	if (!json_is_boolean(v))
		return aig_jr_fail(r, p, false, "must be true or false");
	*out = json_is_true(v);
	return AIG_OK;
}

int aig_jr_get_strings(const struct aig_jr *r, json_t *obj, const char *ptr,
		       const char *key, unsigned flags, size_t minn,
		       size_t maxn, size_t maxlen, json_t **out)
{
	char p[AIG_JR_PTR_MAX], pi[AIG_JR_PTR_MAX + 24];
	const char *s;
	json_t *v, *e;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = member(r, obj, ptr, key, flags, p, &v)) != AIG_OK ||
	    v == NULL)
		return rc;
	if (!json_is_array(v) || json_array_size(v) < minn ||
	    json_array_size(v) > maxn)
		return aig_jr_fail(r, p, false,
				   "must be an array of %zu to %zu strings",
				   minn, maxn);
	json_array_foreach (v, i, e) {
		aig_jr_join_index(pi, sizeof(pi), p, i);
		if ((rc = aig_jr_string(r, e, pi, maxlen, flags, &s)) != AIG_OK)
			return rc;
	}
	*out = v;
	return AIG_OK;
}
