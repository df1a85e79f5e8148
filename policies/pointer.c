/* SPDX-License-Identifier: Apache-2.0 */
/* pointer.c - JSON Pointers (RFC 6901 syntax): compiled once, followed
 * through each request body (member names only; see jptr_each()). */
#include "config.h"

#include <string.h>

#include "policy_int.h"

#define JPTR_MAX_LEN 256
#define JPTR_MAX_TOKENS 32

/* Unescapes the token at s (up to the next '/' or the end) into out;
 * returns its length in the text, or 0 with *why on a bad escape. */
static size_t unescape(const char *s, char *out, size_t *outlen,
		       const char **why)
{
	size_t i = 0, o = 0;

	for (; s[i] && s[i] != '/'; i++) {
		if (s[i] != '~') {
			out[o++] = s[i];
			continue;
		}
		if (s[i + 1] != '0' && s[i + 1] != '1') {
			*why = "'~' must be followed by 0 or 1 (RFC 6901)";
			return 0;
		}
		out[o++] = s[i + 1] == '0' ? '~' : '/';
		i++;
	}
	out[o] = '\0';
	*outlen = o;
	return i + 1; /* the '/' before the token counts too */
}

bool jptr_compile(struct arena *a, const char *text, struct jptr *p,
		  const char **why)
{
	size_t len = strlen(text), i, n = 0;
	const char *s;

	memset(p, 0, sizeof(*p));
	p->text = text;
	if (text[0] != '/')
		return *why = "must be a JSON Pointer starting with '/' "
			      "(RFC 6901)",
		       false;
	if (len > JPTR_MAX_LEN)
		return *why = "is longer than 256 bytes", false;
	for (i = 0; i < len; i++)
		n += text[i] == '/';
	if (n > JPTR_MAX_TOKENS)
		return *why = "has more than 32 reference tokens", false;
	p->tok = arena_alloc(a, n * sizeof(*p->tok));
	p->toklen = arena_alloc(a, n * sizeof(*p->toklen));
	if (p->tok == NULL || p->toklen == NULL)
		return *why = "out of memory", false;
	for (s = text; *s == '/'; p->n++) {
		char *tok = arena_alloc(a, len + 1);
		size_t used;

		if (tok == NULL)
			return *why = "out of memory", false;
		used = unescape(s + 1, tok, &p->toklen[p->n], why);
		if (used == 0)
			return false;
		p->tok[p->n] = tok;
		s += used;
	}
	return true;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "true or false";
	case JSON_NULL: return "null";
	default: return "a value";
	}
}

/* Follows tokens i.. of p from v. fan: v may be a list, each element of
 * which is followed on its own. The recursion is at most p->n plus two
 * levels deep (JPTR_MAX_TOKENS bounds p->n). */
static int follow(const struct jptr *p, size_t i, json_t *v, bool fan,
		  jptr_visit_fn visit, void *arg, struct jptr_bad *bad)
{
	json_t *m;
	size_t k;
	int rc;

	if (i == p->n)
		return visit(v, arg);
	if (fan && json_is_array(v)) {
		for (k = 0; k < json_array_size(v); k++)
			if ((rc = follow(p, i, json_array_get(v, k), false,
					 visit, arg, bad)) != JPTR_OK)
				return rc;
		return JPTR_OK;
	}
	if (!json_is_object(v)) {
		bad->token = i;
		bad->found = type_name(v);
		return JPTR_BAD_SHAPE;
	}
	m = json_object_getn(v, p->tok[i], p->toklen[i]);
	if (m == NULL)
		return JPTR_OK; /* absent: nothing given here */
	return follow(p, i + 1, m, i == 0, visit, arg, bad);
}

int jptr_each(const struct jptr *p, json_t *root, jptr_visit_fn visit,
	      void *arg, struct jptr_bad *bad)
{
	return follow(p, 0, root, true, visit, arg, bad);
}
