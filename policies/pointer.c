/* pointer.c - JSON Pointers (RFC 6901): compiled once, resolved on each
 * request body. */
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

/* An array index per RFC 6901: "0" or no leading zero; "-" (past the end)
 * and anything else name nothing. */
static bool array_index(const char *tok, size_t len, size_t *idx)
{
	size_t i, v = 0;

	if (len == 0 || len > 9 || (tok[0] == '0' && len > 1))
		return false;
	for (i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return false;
		v = v * 10 + (size_t)(tok[i] - '0');
	}
	*idx = v;
	return true;
}

json_t *jptr_resolve(const struct jptr *p, json_t *root)
{
	json_t *v = root;
	size_t i, idx;

	for (i = 0; i < p->n && v != NULL; i++) {
		if (json_is_object(v))
			v = json_object_getn(v, p->tok[i], p->toklen[i]);
		else if (json_is_array(v) &&
			 array_index(p->tok[i], p->toklen[i], &idx))
			v = json_array_get(v, idx);
		else
			v = NULL;
	}
	return v;
}
