/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_int.h - what the files of policies/ share: the compiled policy,
 * the arena it lives in, globs and JSON Pointers. Not a public header.
 */
#ifndef AIG_POLICY_INT_H
#define AIG_POLICY_INT_H

#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "aig_output.h"
#include "aig_policy.h"

/* ------------------------------------------------------------------ arena */

/* Everything a policy holds is carved from one arena and released at once,
 * so no struct mixes owned and borrowed strings and a failed load frees
 * with one call. */
struct arena_blk;

struct arena {
	struct arena_blk *head;
};

void *arena_alloc(struct arena *a, size_t size); /* zeroed, 16-aligned */
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

/* ------------------------------------------------------------------ globs */

enum seg_kind {
	SEG_LITERAL, /* exact bytes */
	SEG_STAR,    /* holds '*': matched within the segment */
	SEG_ANY,     /* "**": zero or more whole segments */
};

struct glob_seg {
	enum seg_kind kind;
	const char *s; /* not NUL-terminated */
	size_t len;
};

struct glob {
	const char *text; /* as written */
	struct glob_seg *segs;
	size_t nsegs;
	size_t fixed; /* leading segments before the first "**" */
};

#define GLOB_MAX_LEN 512
#define GLOB_MAX_SEGS 64
#define GLOB_MAX_STARS 32

/* A request path cut into segments: "/" has none, "/a/" has "a" and "". */
#define PATH_MAX_SEGS 128

struct path_seg {
	const char *s;
	size_t len;
};

struct split_path {
	struct path_seg seg[PATH_MAX_SEGS];
	size_t n;
	bool config_in_path; /* see glob_names_config() */
};

/* Compiles text into g (memory from a). On a bad glob returns false and
 * sets *why to a static string. */
bool glob_compile(struct arena *a, const char *text, struct glob *g,
		  const char **why);
bool glob_match(const struct glob *g, const struct split_path *p);

/* LangServe carries a whole run configuration, compressed, in routes of
 * the form NAMESPACE/c/HASH/invoke (and batch, stream, ...): a path
 * segment that is exactly "c" followed by at least two more segments.
 * No body check can see into it, so an allow rule lets such a path
 * through only with a pattern that names it: for each such "c" at index
 * m of the path, the pattern has no any-depth segment among its first m
 * + 1 segments, and its segment m is the literal "c". Writing S for the
 * one-segment star, /S/c/S/invoke names /chat/c/xyz/invoke; /S/invoke,
 * /S/S/S/invoke and the any-depth pattern of the whole tree do not.
 * True if g names every such segment of p. */
bool glob_names_config(const struct glob *g, const struct split_path *p);

/* Checks and splits a request path; NULL if fine, else why not (static). */
const char *path_split(const char *path, struct split_path *p);

/* ---------------------------------------------------------- JSON Pointer */

struct jptr {
	const char *text; /* as written */
	const char **tok; /* unescaped reference tokens */
	size_t *toklen;
	size_t n;
};

/* Compiles an RFC 6901 pointer (non-empty: it names something inside the
 * body). false with *why on a bad one. */
bool jptr_compile(struct arena *a, const char *text, struct jptr *p,
		  const char **why);

/* Walking a request body along a pointer. Every reference token names a
 * member of an object; a pointer never selects an element of a list.
 * Lists are followed in two places only, element by element, each element
 * on its own: the body itself (a batch of requests, as LangGraph Server's
 * /runs/batch takes) and the value of the pointer's first member
 * (LangServe's /batch takes "config" as one object or a list of them).
 * An absent member means nothing was given there: nothing is visited.
 * Anything else where an object belongs (a list elsewhere, a string, a
 * number, true, false, null) is JPTR_BAD_SHAPE: a body the pointer cannot
 * be followed through is refused, never taken for "nothing given". */
enum {
	JPTR_OK = 0,	/* every value reached was visited and passed */
	JPTR_STOP,	/* a visit returned it: the value was refused */
	JPTR_BAD_SHAPE, /* see *bad */
};

struct jptr_bad {
	size_t token;	   /* index of the token that met the wrong value */
	const char *found; /* what it met: "a list", "null", ... (static) */
};

/* Called with each value (borrowed) the pointer reaches; returns JPTR_OK
 * to go on, JPTR_STOP to end the walk. */
typedef int (*jptr_visit_fn)(json_t *v, void *arg);

/* Visits every value p reaches in root, in body order, and stops at the
 * first JPTR_STOP or wrong shape. Returns JPTR_OK, JPTR_STOP or
 * JPTR_BAD_SHAPE (then *bad says where). */
int jptr_each(const struct jptr *p, json_t *root, jptr_visit_fn visit,
	      void *arg, struct jptr_bad *bad);

/* --------------------------------------------------------------- policy */

#define POLICY_MAX_GROUPS 4096 /* distinct group names in one policy */
#define GID_ANY UINT32_MAX

struct allow_list {
	struct jptr ptr;
	bool set;
	const char **v; /* also seen as limits.{models,tools}.allow */
	size_t n;
};

struct aig_rule {
	const char *name;
	size_t index;
	bool deny;

	bool any_group;
	const char **groups; /* as written */
	uint32_t *gids;	     /* by groups' index: id in the group table, or
			      * GID_ANY for "*" */
	size_t ngroups;

	bool any_method;
	const char **methods;
	size_t nmethods;

	bool any_path;
	struct glob *paths;
	size_t npaths;

	struct allow_list models, tools;
	struct aig_rule_limits limits;
	struct aig_output_rules *output; /* the rule's own, or NULL */
	bool untrusted; /* every prompt it allows goes to the sandbox */
};

/* Set by aig_policy_defer_jit(): patterns are JIT-compiled by the first
 * body check whose body is at least AIG_POLICY_JIT_MIN_BODY bytes, not
 * when they are loaded. */
extern bool aig_policy_jit_deferred;

struct deny_pat {
	const char *text;
	pcre2_code *code;
	bool jit;
	size_t minlen; /* no shorter subject can match (characters) */
};

struct group_table {
	const char **names; /* by id, as first written */
	uint32_t *hash;	    /* by id */
	uint32_t n;
	int32_t *slots; /* open addressing: id or -1 */
	uint32_t mask;
};

/* ---------------------------------------------------------------- output */

/* A compiled output pattern (output.c): text and replace borrowed from
 * the arena, code owned (freed by aig_policy_free()). */
struct out_pat {
	const char *text;
	const char *replace; /* redact only */
	pcre2_code *code;
	uint32_t lookbehind; /* PCRE2_INFO_MAXLOOKBEHIND */
};

struct aig_output_rules {
	struct out_pat *deny, *redact;
	size_t ndeny, nredact;
	size_t window_bytes;
	struct aig_output_rules *next; /* the policy's list, for freeing */
};

/* Reads the member "output" of obj (at JSON Pointer ptr) into *out (NULL
 * when absent), compiled, on the policy's list. */
int output_parse(const struct aig_jr *jr, struct aig_policy *pol, json_t *obj,
		 const char *ptr, struct aig_output_rules **out);
/* Frees the compiled patterns of every output rule set of pol. */
void output_free_all(struct aig_policy *pol);

/* What one filter uses to run output patterns: match limits and the
 * "luhn" callout. Not shared between threads. */
struct out_matcher {
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	char *buf; /* the subject, copied with slack for the JIT */
	size_t cap;
	const char *src; /* what buf holds a copy of (see out_match()) */
	size_t src_n;
	size_t scanned; /* bytes copied into buf so far (deferred JIT) */
};
int out_matcher_init(struct out_matcher *m); /* AIG_OK or AIG_ERR_NOMEM */
void out_matcher_fini(struct out_matcher *m);
void out_matcher_forget(struct out_matcher *m);

enum { OUT_NOMATCH = 0, OUT_MATCH, OUT_PARTIAL, OUT_LIMIT };
/* Runs p on s (n bytes) from start; partial: PCRE2_PARTIAL_HARD. s is
 * copied once, then used again while the same s and n come back: call
 * out_matcher_forget() before the bytes at s may have changed. A match:
 * [*mstart, *mend). A partial match: *mstart is where it begins, *mend
 * the first byte it needs (its lookbehind), n when it has taken nothing
 * yet. OUT_LIMIT: the pattern hit its limits. */
int out_match(struct out_matcher *m, const struct out_pat *p, const char *s,
	      size_t n, size_t start, bool partial, size_t *mstart,
	      size_t *mend);
/* Every redact match in s replaced: *out new (or NULL: none), see
 * output.c. A pattern over its limits sets rep->denied. */
int out_redact_text(struct out_matcher *m, const struct aig_output_rules *r,
		    const char *s, size_t n, char **out, size_t *out_len,
		    struct aig_output_report *rep);
/* Whether a deny pattern matches s whole (or hits its limits). */
bool out_denied(struct out_matcher *m, const struct aig_output_rules *r,
		const char *s, size_t n, struct aig_output_report *rep);

struct aig_policy {
	struct arena arena;
	struct aig_output_rules *output;  /* policy-wide, or NULL */
	struct aig_output_rules *outputs; /* every set, for freeing */
	const char *name;
	size_t max_bytes; /* prompt.max_bytes */
	struct deny_pat *deny;
	size_t ndeny;
	struct deny_pat *quarantine, *sandbox; /* prompt.quarantine, .sandbox */
	size_t nquarantine, nsandbox;
	struct aig_rule *rules;
	size_t nrules;
	struct group_table groups;
	const struct aig_policy_langgraph *langgraph; /* NULL: none */
};

/* langgraph.c: the "langgraph" member of root into *out (in a's memory),
 * NULL when absent. */
int langgraph_parse(const struct aig_jr *jr, struct arena *a, json_t *root,
		    const struct aig_policy_langgraph **out);

/* What prompt.deny patterns see of a string: s (n bytes of valid UTF-8)
 * with every run of white space (Unicode White_Space) made one ASCII
 * space and the zero-width characters U+200B-U+200D, U+2060 and U+FEFF
 * dropped, written to out (room for n bytes); returns its length, at
 * most n. Still valid UTF-8. */
size_t prompt_fold(const char *s, size_t n, char *out);

/* ASCII-only case folding, independent of the locale. */
static inline unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Cuts a UTF-8 sequence that a truncation left incomplete at the end of
 * s, so that the text stays valid UTF-8 (JSON strings must be). */
void utf8_trim(char *s);

uint32_t group_hash(const char *s);
bool group_equal(const char *a, const char *b);
/* The id of group name s in t, or -1. */
int32_t group_lookup(const struct group_table *t, const char *s, uint32_t h);

#endif /* AIG_POLICY_INT_H */
