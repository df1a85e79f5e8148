/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_glob.c - the policy path globs (policies/glob.c) against a
 * reference matcher written here for reading, not speed. Input: a glob,
 * '\n', a request path (without '\n', the text is both). The invariants:
 *  - when the glob compiles and the path passes path_split(),
 *    glob_match() says what the reference says: "*" matches any run of
 *    bytes within one segment, "**" (a whole segment) zero or more whole
 *    segments, every other byte only itself;
 *  - a path that passes path_split(), holds no '*' and is within the
 *    limits of a glob compiles as a glob that matches that path. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "policy_int.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct segs {
	const char *s[PATH_MAX_SEGS + 1];
	size_t len[PATH_MAX_SEGS + 1];
	size_t n;
};

/* "/" has no segments; "/a/b/" has "a", "b" and "". */
static bool cut(const char *text, struct segs *sg)
{
	const char *p = text + 1, *end;

	sg->n = 0;
	if (text[1] == '\0')
		return true;
	for (;;) {
		if (sg->n == PATH_MAX_SEGS + 1)
			return false;
		end = strchrnul(p, '/');
		sg->s[sg->n] = p;
		sg->len[sg->n++] = (size_t)(end - p);
		if (*end == '\0')
			return true;
		p = end + 1;
	}
}

/* memo[i][j]: 0 not known yet, 1 no, 2 yes. It only caches the answer of
 * the recursion; the recursion is the definition. */
struct memo {
	unsigned char *m;
	size_t cols;
};

/* Does pattern segment p[pi..pn) match path segment s[si..sn)? */
static bool seg_ref(const char *p, size_t pi, size_t pn, const char *s,
		    size_t si, size_t sn, struct memo *c)
{
	unsigned char *m = &c->m[pi * c->cols + si];
	bool r;

	if (*m != 0)
		return *m == 2;
	if (pi == pn)
		r = si == sn;
	else if (p[pi] == '*')
		r = seg_ref(p, pi + 1, pn, s, si, sn, c) ||
		    (si < sn && seg_ref(p, pi, pn, s, si + 1, sn, c));
	else
		r = si < sn && p[pi] == s[si] &&
		    seg_ref(p, pi + 1, pn, s, si + 1, sn, c);
	*m = r ? 2 : 1;
	return r;
}

static bool seg_matches(const struct segs *g, size_t gi, const struct segs *p,
			size_t pi)
{
	struct memo c = {calloc((g->len[gi] + 1) * (p->len[pi] + 1), 1),
			 p->len[pi] + 1};
	bool r;

	FUZZ_CHECK(c.m != NULL);
	r = seg_ref(g->s[gi], 0, g->len[gi], p->s[pi], 0, p->len[pi], &c);
	free(c.m);
	return r;
}

/* Do glob segments g[gi..) match path segments p[pi..)? */
static bool glob_ref(const struct segs *g, size_t gi, const struct segs *p,
		     size_t pi, struct memo *c)
{
	unsigned char *m = &c->m[gi * c->cols + pi];
	bool r;

	if (*m != 0)
		return *m == 2;
	if (gi == g->n)
		r = pi == p->n;
	else if (g->len[gi] == 2 && memcmp(g->s[gi], "**", 2) == 0)
		r = glob_ref(g, gi + 1, p, pi, c) ||
		    (pi < p->n && glob_ref(g, gi, p, pi + 1, c));
	else
		r = pi < p->n && seg_matches(g, gi, p, pi) &&
		    glob_ref(g, gi + 1, p, pi + 1, c);
	*m = r ? 2 : 1;
	return r;
}

static bool reference(const char *glob, const char *path)
{
	struct segs g, p;
	struct memo c;
	bool r;

	FUZZ_CHECK(cut(glob, &g) && cut(path, &p));
	c.cols = p.n + 1;
	c.m = calloc((g.n + 1) * c.cols, 1);
	FUZZ_CHECK(c.m != NULL);
	r = glob_ref(&g, 0, &p, 0, &c);
	free(c.m);
	return r;
}

static void check_pair(const char *glob, const char *path)
{
	struct split_path sp;
	struct arena a = {NULL};
	struct glob g;
	const char *why = NULL;

	if (path_split(path, &sp) != NULL)
		return;
	if (glob_compile(&a, glob, &g, &why))
		FUZZ_CHECK(glob_match(&g, &sp) == reference(glob, path));
	arena_free(&a);
	if (strchr(path, '*') != NULL || strlen(path) > GLOB_MAX_LEN ||
	    sp.n > GLOB_MAX_SEGS)
		return;
	FUZZ_CHECK(glob_compile(&a, path, &g, &why));
	FUZZ_CHECK(glob_match(&g, &sp));
	arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), *nl;

	FUZZ_CHECK(text != NULL);
	nl = strchr(text, '\n');
	if (nl != NULL)
		*nl = '\0';
	check_pair(text, nl != NULL ? nl + 1 : text);
	free(text);
	return 0;
}
