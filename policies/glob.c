/* SPDX-License-Identifier: Apache-2.0 */
/* glob.c - path patterns ("*" within a segment, "**" across segments) and
 * the checks every request path passes before it is matched. */
#include "config.h"

#include <string.h>

#include "policy_int.h"

/* Why a path (or a glob, which must be able to match one) is refused;
 * NULL if it is fine. Checks the bytes, not the segments. */
static const char *bad_bytes(const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			return "holds a control character";
		if (c == '\\')
			return "holds a backslash";
		if (c == '.' && p[1] == '.')
			return "holds \"..\"";
		if (c == '/' && p[1] == '/')
			return "holds \"//\"";
		if (c == '%' && p[1] == '2' &&
		    (ascii_lower((unsigned char)p[2]) == 'e' ||
		     ascii_lower((unsigned char)p[2]) == 'f'))
			return "holds an encoded dot or slash";
	}
	return NULL;
}

/* The index of the first segment from i on that opens a LangServe
 * configuration in the path (see glob_names_config()), or p->n. */
static size_t config_at(const struct split_path *p, size_t i)
{
	for (; i + 2 < p->n; i++)
		if (p->seg[i].len == 1 && p->seg[i].s[0] == 'c')
			return i;
	return p->n;
}

const char *path_split(const char *path, struct split_path *sp)
{
	const char *p, *why;

	sp->n = 0;
	sp->config_in_path = false;
	if (path == NULL || path[0] != '/')
		return "does not start with '/'";
	if (strnlen(path, AIG_POLICY_PATH_MAX + 1) > AIG_POLICY_PATH_MAX)
		return "is too long";
	if ((why = bad_bytes(path)) != NULL)
		return why;
	if (path[1] == '\0')
		return NULL; /* the root: no segments */
	for (p = path + 1;; p++) {
		const char *end = strchrnul(p, '/');

		if (sp->n == PATH_MAX_SEGS)
			return "has too many segments";
		if (end - p == 1 && p[0] == '.')
			return "holds a \".\" segment";
		sp->seg[sp->n].s = p;
		sp->seg[sp->n].len = (size_t)(end - p);
		sp->n++;
		if (*end == '\0')
			break;
		p = end;
	}
	sp->config_in_path = config_at(sp, 0) < sp->n;
	return NULL;
}

/* --------------------------------------------------------------- compile */

static const char *classify(const char *s, size_t len, enum seg_kind *kind,
			    size_t *stars)
{
	const char *star = memchr(s, '*', len);
	size_t i;

	*kind = SEG_LITERAL;
	if (len == 1 && s[0] == '.')
		return "a \".\" segment can never match";
	if (star == NULL)
		return NULL;
	if (len == 2 && s[0] == '*' && s[1] == '*') {
		*kind = SEG_ANY;
		return NULL;
	}
	for (i = 0; i < len; i++) {
		if (s[i] != '*')
			continue;
		if (i + 1 < len && s[i + 1] == '*')
			return "\"**\" must be a whole segment";
		(*stars)++;
	}
	*kind = SEG_STAR;
	return NULL;
}

bool glob_compile(struct arena *a, const char *text, struct glob *g,
		  const char **why)
{
	size_t len = strlen(text), n = 0, stars = 0, i;
	const char *p;

	g->text = text;
	g->segs = NULL;
	g->nsegs = 0;
	g->fixed = 0;
	if (len == 0 || text[0] != '/')
		return *why = "must start with '/'", false;
	if (len > GLOB_MAX_LEN)
		return *why = "is longer than 512 bytes", false;
	if ((*why = bad_bytes(text)) != NULL)
		return false;
	for (i = 1; i < len; i++)
		n += text[i] == '/';
	if (len > 1)
		n++;
	if (n > GLOB_MAX_SEGS)
		return *why = "has more than 64 segments", false;
	g->segs = arena_alloc(a, (n ? n : 1) * sizeof(*g->segs));
	if (g->segs == NULL)
		return *why = "out of memory", false;
	for (p = text + 1; n > 0;) {
		const char *end = strchrnul(p, '/');
		struct glob_seg *s = &g->segs[g->nsegs++];

		s->s = p;
		s->len = (size_t)(end - p);
		if ((*why = classify(p, s->len, &s->kind, &stars)) != NULL)
			return false;
		if (s->kind != SEG_ANY && g->fixed + 1 == g->nsegs)
			g->fixed++;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	if (stars > GLOB_MAX_STARS)
		return *why = "has more than 32 '*'", false;
	return true;
}

/* ----------------------------------------------------------------- match */

/* "*" matches any run of bytes within the segment. The classic
 * backtrack-to-the-last-star loop: O(pattern * segment) at worst. */
static bool star_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (pi < pn && p[pi] == s[si]) {
			pi++;
			si++;
		} else if (star_p != SIZE_MAX) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

static bool seg_match(const struct glob_seg *g, const struct path_seg *s)
{
	if (g->kind == SEG_LITERAL)
		return g->len == s->len && memcmp(g->s, s->s, s->len) == 0;
	return star_match(g->s, g->len, s->s, s->len);
}

/* The same loop one level up: "**" is the star, segments the bytes. */
bool glob_match(const struct glob *g, const struct split_path *p)
{
	size_t gi = 0, pi = 0, star_g = SIZE_MAX, star_p = 0;

	while (pi < p->n) {
		if (gi < g->nsegs && g->segs[gi].kind == SEG_ANY) {
			star_g = gi++;
			star_p = pi;
		} else if (gi < g->nsegs &&
			   seg_match(&g->segs[gi], &p->seg[pi])) {
			gi++;
			pi++;
		} else if (star_g != SIZE_MAX) {
			gi = star_g + 1;
			pi = ++star_p;
		} else {
			return false;
		}
	}
	while (gi < g->nsegs && g->segs[gi].kind == SEG_ANY)
		gi++;
	return gi == g->nsegs;
}

bool glob_names_config(const struct glob *g, const struct split_path *p)
{
	size_t m;

	for (m = config_at(p, 0); m < p->n; m = config_at(p, m + 1)) {
		if (m >= g->fixed || g->segs[m].kind != SEG_LITERAL ||
		    g->segs[m].len != 1 || g->segs[m].s[0] != 'c')
			return false;
	}
	return true;
}
