/* SPDX-License-Identifier: Apache-2.0 */
/* bench_policy.c - how fast the policy engine decides and checks bodies,
 * each figure printed beside a baseline measured in the same run:
 *  - aig_policy_decide() on a 200-rule policy (goal: under 5 us) beside
 *    the same call on an empty policy (the fixed cost: path checks,
 *    group lookups);
 *  - aig_policy_check_body() on a 64 KiB JSON body against 20 deny
 *    patterns (goal: under 1 ms) beside memchr() over the same bytes,
 *    and the part of it that folding white space and dropping
 *    zero-width characters (prompt_fold()) takes;
 *  - loading the shipped policy as a CGI process does (no JIT), beside
 *    jansson's parse of its text and the building of the same JSON
 *    objects without the text (json_deep_copy): what a cache of the
 *    parsed policy could save at most.
 * Not a test: run `make bench-policy` or bench/bench_policy directly. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aig_policy.h"
#include "policy_int.h" /* prompt_fold() */

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static struct aig_policy *must_parse(const char *text)
{
	struct aig_policy *pol = NULL;
	struct aig_error err = {0};

	if (aig_policy_parse("bench", text, strlen(text), &pol, &err)) {
		fprintf(stderr, "bench_policy: %s\n", err.msg);
		exit(1);
	}
	return pol;
}

/* 200 rules of two groups, methods and three paths each, the kind of
 * globs a real policy has; only the last rule names the user's group. */
static char *policy_200(void)
{
	char *s = malloc(200 * 400 + 64), *p = s;
	int i;

	p += sprintf(p, "{\"version\": 1, \"rules\": [");
	for (i = 0; i < 200; i++)
		p += sprintf(p,
			     "%s{\"name\": \"r%d\", \"groups\": [\"Team_%d\", "
			     "\"Dept_%d\"], \"methods\": [\"GET\", \"POST\"], "
			     "\"paths\": [\"/svc%d/*/invoke\", "
			     "\"/svc%d/**/stream\", \"/svc%d/v*/batch\"], "
			     "\"rate\": {\"per_minute\": 60, \"burst\": 10}}",
			     i ? ", " : "", i, i, i, i, i, i);
	strcpy(p, "]}");
	return s;
}

typedef void bench_fn(void *arg);

/* ns per call of fn, the best of 5 rounds of n calls */
static double time_it(bench_fn *fn, void *arg, long n)
{
	double best = 1e300;
	int round;

	for (round = 0; round < 5; round++) {
		double t = now_ns();
		long i;

		for (i = 0; i < n; i++)
			fn(arg);
		t = (now_ns() - t) / (double)n;
		if (t < best)
			best = t;
	}
	return best;
}

/* ---------------------------------------------------------------- decide */

static const char *const user_groups[] = {
	"Domain Users", "VPN_Users",	"Building_4",  "Printers",
	"Dept_Sales",	"Wiki_Editors", "Git_Readers", "Jira_Users",
	"Office365",	"Zoom",		"Slack",       "Backup_Ops",
	"Team_x",	"Dept_x",	"Staff",       "Contractors_No",
	"Parking",	"Canteen",	"Badge_7",     "Team_199",
};

struct dargs {
	const struct aig_policy *pol;
	const char *path;
	size_t ngroups;
	int sink;
};

static void one_decide(void *arg)
{
	struct dargs *a = arg;
	struct aig_decision d;

	aig_policy_decide(a->pol, "alice", user_groups, a->ngroups, "POST",
			  a->path, &d);
	a->sink += d.allow;
}

static void bench_decide(void)
{
	char *text = policy_200();
	struct aig_policy *big = must_parse(text);
	struct aig_policy *empty =
		must_parse("{\"version\": 1, \"rules\": []}");
	struct dargs last = {big, "/svc199/chat/invoke", 20, 0};
	struct dargs none = {big, "/svc7/chat/invoke", 20, 0};
	struct dargs base = {empty, "/svc199/chat/invoke", 20, 0};
	struct dargs deep = {big, "/svc199/a/b/c/d/e/f/stream", 20, 0};
	double tb = time_it(one_decide, &base, 200000);

	printf("decide, 200 rules, 20 user groups (goal < 5 us):\n");
	printf("  last rule decides            %8.3f us   baseline empty "
	       "policy %6.3f us\n",
	       time_it(one_decide, &last, 200000) / 1e3, tb / 1e3);
	printf("  \"**\" glob, 7 segments        %8.3f us   baseline empty "
	       "policy %6.3f us\n",
	       time_it(one_decide, &deep, 200000) / 1e3, tb / 1e3);
	printf("  no rule matches              %8.3f us   baseline empty "
	       "policy %6.3f us\n",
	       time_it(one_decide, &none, 200000) / 1e3, tb / 1e3);
	aig_policy_free(big);
	aig_policy_free(empty);
	free(text);
}

/* ------------------------------------------------------------------ body */

static const char *const patterns[20] = {
	"(?i)ignore (all |any )?(previous|prior|above) (instructions|prompts)",
	"(?i)disregard (all |any )?(previous|prior|your) (instructions|rules)",
	"(?i)\\\\byou are now\\\\b.{0,40}\\\\b(DAN|jailbroken)\\\\b",
	"(?i)\\\\b(reveal|print|repeat)\\\\b.{0,30}\\\\bsystem prompt\\\\b",
	"(?i)\\\\bdrop\\\\s+(table|database)\\\\b",
	"(?i)\\\\bunion\\\\s+(all\\\\s+)?select\\\\b",
	"(?i);\\\\s*(rm|curl|wget)\\\\s+-",
	"\\\\bAKIA[0-9A-Z]{16}\\\\b",
	"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----",
	"\\\\b[0-9]{3}-[0-9]{2}-[0-9]{4}\\\\b",
	"(?i)\\\\bpassword\\\\s*[:=]\\\\s*\\\\S+",
	"(?i)\\\\bapi[_-]?key\\\\s*[:=]",
	"(?i)<script\\\\b",
	"(?i)\\\\bexec\\\\s*\\\\(",
	"(?i)\\\\bsudo\\\\s",
	"(?i)/etc/(passwd|shadow)",
	"(?i)\\\\bbase64\\\\s+-d\\\\b",
	"(?i)\\\\bpretend (to be|you are)\\\\b",
	"ghp_[A-Za-z0-9]{36}",
	"xox[baprs]-[A-Za-z0-9-]{10,}",
};

static const char prose[] =
	"The quarterly report shows revenue growth in three regions, while "
	"costs in logistics rose faster than planned. Summarise the main "
	"drivers, list the risks the finance team raised, and suggest two "
	"questions for the board. Keep the answer under two hundred words. ";

/* A LangServe-style chat body of about size bytes: messages of prose. */
static char *chat_body(size_t size, size_t *len)
{
	char *s = malloc(size + 1024), *p = s;
	int i = 0;

	p += sprintf(p, "{\"input\": {\"messages\": [");
	while ((size_t)(p - s) + 1200 < size) {
		size_t k;

		p += sprintf(p, "%s{\"role\": \"%s\", \"content\": \"",
			     i ? ", " : "", i % 2 ? "assistant" : "user");
		for (k = 0; k < 4; k++)
			p += sprintf(p, "%s", prose);
		p += sprintf(p, "\"}");
		i++;
	}
	p += sprintf(p, "]}, \"config\": {\"configurable\": {\"model\": "
			"\"small\", \"tools\": [\"search\"]}}}");
	*len = (size_t)(p - s);
	return s;
}

/* The worst shape for per-string costs: many one-word strings. */
static char *many_strings(size_t size, size_t *len)
{
	char *s = malloc(size + 64), *p = s;

	p += sprintf(p, "{\"w\": [");
	while ((size_t)(p - s) + 16 < size)
		p += sprintf(p, "%s\"word\"", p[-1] != '[' ? "," : "");
	p += sprintf(p, "]}");
	*len = (size_t)(p - s);
	return s;
}

struct bargs {
	const struct aig_policy *pol;
	const struct aig_rule *rule;
	const char *body;
	size_t len;
	size_t sink;
};

static void one_check(void *arg)
{
	struct bargs *a = arg;
	struct aig_body_result r;

	aig_policy_check_body(a->pol, a->rule, a->body, a->len, &r, NULL);
	if (r.verdict != AIG_BODY_OK) {
		fprintf(stderr, "bench_policy: unexpected verdict: %s\n",
			r.reason);
		exit(1);
	}
	a->sink += r.prompt_bytes;
}

static void one_memchr(void *arg)
{
	struct bargs *a = arg;

	/* a byte the body does not hold: memchr reads it all */
	a->sink += memchr(a->body, '\x01', a->len) != NULL;
	__asm__ __volatile__("" : : "r"(a->body) : "memory");
}

/* jansson alone: the floor under any check that parses the body */
static void one_parse(void *arg)
{
	struct bargs *a = arg;
	json_t *root =
		json_loadb(a->body, a->len, JSON_REJECT_DUPLICATES, NULL);

	a->sink += root != NULL;
	json_decref(root);
}

/* prompt_fold() over the body's bytes: what folding adds to a check,
 * since the patterns run on its output (about as long as the strings). */
static void one_fold(void *arg)
{
	struct bargs *a = arg;
	char *out = malloc(a->len);

	a->sink += prompt_fold(a->body, a->len, out);
	__asm__ __volatile__("" : : "r"(out) : "memory");
	free(out);
}

static void print_fold(const char *what, struct bargs *a, long n)
{
	double check = time_it(one_check, a, n) / 1e6;
	double fold = time_it(one_fold, a, n * 20) / 1e6;

	printf("  %-12s check %7.3f ms = folding %6.4f ms + parsing and "
	       "matching %7.3f ms\n",
	       what, check, fold, check - fold);
}

static void bench_body(void)
{
	char text[8192], *p = text, *chat_text, *many_text;
	struct aig_policy *pol;
	struct bargs chat, many;
	size_t i;

	p += sprintf(p, "{\"version\": 1, \"prompt\": {\"max_bytes\": 65536, "
			"\"deny\": [");
	for (i = 0; i < 20; i++)
		p += sprintf(p, "%s\"%s\"", i ? ", " : "", patterns[i]);
	sprintf(p, "]}, \"rules\": [{\"name\": \"r\", \"groups\": [\"*\"], "
		   "\"models\": {\"pointer\": \"/config/configurable/model\", "
		   "\"allow\": [\"small\"]}}]}");
	pol = must_parse(text);
	chat = (struct bargs){pol, aig_policy_rule_at(pol, 0), NULL, 0, 0};
	many = chat;
	chat.body = chat_text = chat_body(65536, &chat.len);
	many.body = many_text = many_strings(65536, &many.len);

	printf("body check, 20 deny patterns (goal < 1 ms):\n");
	printf("  %zu B chat body            %8.3f ms   baseline memchr "
	       "%8.4f ms\n",
	       chat.len, time_it(one_check, &chat, 50) / 1e6,
	       time_it(one_memchr, &chat, 5000) / 1e6);
	printf("  %zu B of 8190 tiny strings %8.3f ms   baseline memchr "
	       "%8.4f ms\n",
	       many.len, time_it(one_check, &many, 20) / 1e6,
	       time_it(one_memchr, &many, 5000) / 1e6);
	printf("  of which parsing (json_loadb): chat %.3f ms, tiny strings "
	       "%.3f ms\n",
	       time_it(one_parse, &chat, 50) / 1e6,
	       time_it(one_parse, &many, 20) / 1e6);
	printf("  white space runs folded, zero-width characters dropped:\n");
	print_fold("chat", &chat, 50);
	print_fold("tiny strings", &many, 20);
	free(chat_text);
	free(many_text);
	aig_policy_free(pol);
}

/* ------------------------------------------------------------- loading */

/* The policy's text as a body (one_parse() times jansson on it) and its
 * parsed tree. */
struct largs {
	struct bargs text;
	json_t *tree;
};

static void one_load(void *arg)
{
	struct largs *a = arg;
	struct aig_policy *pol = NULL;
	struct aig_error err = {0};

	a->text.sink += aig_policy_parse("policy.json", a->text.body,
					 a->text.len, &pol, &err) == AIG_OK;
	aig_policy_free(pol);
}

static void one_copy(void *arg)
{
	struct largs *a = arg;
	json_t *root = json_deep_copy(a->tree);

	a->text.sink += root != NULL;
	json_decref(root);
}

static void bench_load(void)
{
	struct largs a = {{0}, NULL};
	FILE *f = fopen(AIG_BENCH_POLICY, "rb");
	static char text[65536];
	double load, lex, copy;

	if (f == NULL) {
		perror(AIG_BENCH_POLICY);
		exit(1);
	}
	a.text.len = fread(text, 1, sizeof(text), f);
	fclose(f);
	a.text.body = text;
	a.tree = json_loadb(text, a.text.len, 0, NULL);
	if (a.tree == NULL)
		exit(1);
	aig_policy_defer_jit(); /* as in a CGI process */
	load = time_it(one_load, &a, 2000) / 1e3;
	lex = time_it(one_parse, &a.text, 2000) / 1e3;
	copy = time_it(one_copy, &a, 2000) / 1e3;
	printf("loading the shipped policy (%zu B), as a CGI process:\n",
	       a.text.len);
	printf("  aig_policy_parse                %8.1f us\n", load);
	printf("  of which json_loadb              %8.1f us   baseline: "
	       "the same objects built without the text %8.1f us\n",
	       lex, copy);
	printf("  a cache of the parsed JSON could save at most %.1f us\n",
	       lex - copy);
	json_decref(a.tree);
}

int main(void)
{
	bench_decide();
	bench_body();
	bench_load();
	return 0;
}
