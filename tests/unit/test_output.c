/* SPDX-License-Identifier: Apache-2.0 */
/* test_output.c - output rules (aig_output.h): loading, JSON answers, and
 * server-sent events with secrets split at every byte boundary across two
 * and three events and across reads, near misses left alone, deny
 * mid-stream, and how long events are held. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_output.h"
#include "aig_policy.h"
#include "aig_route.h"
#include "aig_test.h"

static struct aig_policy *shipped;

static const char *srcfile(const char *rel)
{
	static char p[4096];
	const char *top = getenv("top_srcdir");

	snprintf(p, sizeof(p), "%s/%s", top ? top : ".", rel);
	return p;
}

static struct aig_policy *parse(const char *text, struct aig_error *err)
{
	struct aig_policy *pol = NULL;

	memset(err, 0, sizeof(*err));
	aig_policy_parse("t.json", text, strlen(text), &pol, err);
	return pol;
}

static const struct aig_output_rules *rules(void)
{
	return aig_policy_output(shipped, NULL);
}

/* --------------------------------------------------------------- a sink */

struct sink {
	char *buf;
	size_t len;
	size_t writes;
	int fail_after; /* -1: never */
};

static int sink_fn(void *ctx, const char *data, size_t len)
{
	struct sink *k = ctx;

	if (k->fail_after >= 0 && (int)k->writes >= k->fail_after)
		return 1;
	k->buf = realloc(k->buf, k->len + len + 1);
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	k->buf[k->len] = '\0';
	k->writes++;
	return 0;
}

/* Feeds the chunks (NULL-ended) through a filter of r into k; returns the
 * report. */
static struct aig_output_report run(const struct aig_output_rules *r,
				    const char *const *chunks, struct sink *k)
{
	struct aig_output_stream *s = NULL;
	struct aig_output_report rep;
	size_t i;

	memset(k, 0, sizeof(*k));
	k->fail_after = -1;
	if (aig_output_stream_new(r, sink_fn, k, &s, NULL) != AIG_OK)
		aig_test_bail("out of memory");
	for (i = 0; chunks[i] != NULL; i++)
		aig_output_stream_feed(s, chunks[i], strlen(chunks[i]), NULL);
	aig_output_stream_finish(s, NULL);
	rep = *aig_output_stream_report(s);
	aig_output_stream_free(s);
	return rep;
}

/* The "content" values of every event of an SSE text, joined: what a
 * client would show. */
static char *contents(const char *sse)
{
	char *out = calloc(1, strlen(sse) + 1);
	const char *p = sse;

	while ((p = strstr(p, "data: ")) != NULL) {
		const char *e = strchr(p, '\n');
		json_t *v, *c;

		p += 6;
		v = json_loadb(p, e ? (size_t)(e - p) : strlen(p), 0, NULL);
		c = json_object_get(v, "content");
		if (json_is_string(c))
			strcat(out, json_string_value(c));
		json_decref(v);
	}
	return out;
}

static char *event(const char *content)
{
	json_t *v = json_pack("{s:s, s:s}", "content", content, "type",
			      "AIMessageChunk");
	char *d = json_dumps(v, JSON_COMPACT), *e = malloc(strlen(d) + 32);

	sprintf(e, "event: data\ndata: %s\n\n", d);
	free(d);
	json_decref(v);
	return e;
}

/* ---------------------------------------------------------------- load */

static void test_load(void)
{
	static const struct {
		const char *output, *why;
	} bad[] = {
		{"{\"deny\": [\"a(?C1)\"]}", "callout"},
		{"{\"deny\": [\"a(?C\\\"x\\\")\"]}", "callout"},
		{"{\"deny\": [\"a*\"]}", "empty string"},
		{"{\"deny\": [\"(\"]}", "does not compile"},
		{"{\"redact\": [\"x\"]}", "must be an object"},
		{"{\"redact\": [{\"pattern\": \"x\", \"with\": \"y\"}]}",
		 "unknown key"},
		{"{\"redact\": [{\"pattern\": \"x\", \"replace\": 1}]}",
		 "must be a string"},
		{"{\"window_bytes\": 10}", "window_bytes"},
		{"{\"typo\": 1}", "unknown key"},
	};
	struct aig_error err;
	struct aig_policy *pol;
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"version\": 1, \"output\": %s, \"rules\": []}",
			 bad[i].output);
		pol = parse(text, &err);
		ok(pol == NULL && strstr(err.msg, bad[i].why) != NULL,
		   "output %s refused: %s", bad[i].output, err.msg);
		aig_policy_free(pol);
	}
	pol = parse("{\"version\": 1, \"output\": {\"deny\": [\"g\"]}, "
		    "\"rules\": [{\"name\": \"a\", \"groups\": [\"x\"], "
		    "\"output\": {\"deny\": [\"r\"]}}, "
		    "{\"name\": \"b\", \"groups\": [\"y\"]}]}",
		    &err);
	ok(pol != NULL, "rule and policy output rules load: %s", err.msg);
	if (pol != NULL) {
		const struct aig_output_rules *g = aig_policy_output(pol, NULL);
		const struct aig_output_rules *a =
			aig_policy_output(pol, aig_policy_rule_at(pol, 0));
		const struct aig_output_rules *b =
			aig_policy_output(pol, aig_policy_rule_at(pol, 1));

		ok(g != NULL && a != NULL && a != g && b == g,
		   "a rule's own output replaces the policy's; else the "
		   "policy's");
	}
	aig_policy_free(pol);
	pol = parse("{\"version\": 1, \"rules\": []}", &err);
	ok(pol != NULL && aig_policy_output(pol, NULL) == NULL,
	   "no output rules: NULL");
	aig_policy_free(pol);
}

static void test_kind(void)
{
	ok(aig_output_kind("application/json") == AIG_OUTPUT_JSON &&
		   aig_output_kind("Application/JSON; charset=utf-8") ==
			   AIG_OUTPUT_JSON &&
		   aig_output_kind("application/problem+json") ==
			   AIG_OUTPUT_JSON &&
		   aig_output_kind("text/event-stream") == AIG_OUTPUT_SSE &&
		   aig_output_kind("text/event-stream;charset=utf-8") ==
			   AIG_OUTPUT_SSE &&
		   aig_output_kind("text/plain") == AIG_OUTPUT_PASS &&
		   aig_output_kind("application/jsonx") == AIG_OUTPUT_PASS &&
		   aig_output_kind(NULL) == AIG_OUTPUT_PASS,
	   "content types: JSON, SSE, everything else passes");
}

/* ----------------------------------------------------------------- JSON */

static const char *const near_misses[] = {
	"AKIAIOSFODNN7EXAMPL",	 /* 19 */
	"AKIAIOSFODNN7EXAMPLEX", /* 21 */
	"XAKIAIOSFODNN7EXAMPLE", /* inside a word */
	"akiaiosfodnn7example",
	"AKIA-IOSFODNN7EXAMPLE",
	"4111 1111 1111 1112", /* Luhn fails */
	"4111111111111112",
	"1733500000000", /* a timestamp in ms */
	"order 123456789012 shipped",
	"-----BEGIN PUBLIC KEY-----",
	"-----BEGIN CERTIFICATE-----",
	"BEGIN RSA PRIVATE KEY",
	"-----BEGIN PRIVATE KEY----",
	"call +1 555 0100 2000 now",
	"550e8400-e29b-41d4-a716-446655440000",
	NULL,
};

static void test_json(void)
{
	struct aig_output_report rep;
	char *out = NULL;
	size_t n = 0, i;
	const char *body = "{\"a\": [\"key AKIAIOSFODNN7EXAMPLE here\", 1, "
			   "{\"card\": \"4111 1111 1111 1111\"}], "
			   "\"AKIAIOSFODNN7EXAMPLE\": "
			   "true}";
	int rc;

	rc = aig_output_json(rules(), body, strlen(body), &out, &n, &rep, NULL);
	ok(rc == AIG_OK && !rep.denied && out != NULL &&
		   strcmp(out, "{\"a\":[\"key [REDACTED] here\",1,{\"card\":"
			       "\"[REDACTED]\"}],\"AKIAIOSFODNN7EXAMPLE\":"
			       "true}") == 0 &&
		   n == strlen(out) && rep.redactions == 2 &&
		   rep.redact_pattern == 0,
	   "JSON: string values redacted (member names are not): %s",
	   out ? out : "(null)");
	free(out);
	body = "{\"text\": \"here: -----BEGIN RSA PRIVATE KEY-----\\nMIIE\"}";
	rc = aig_output_json(rules(), body, strlen(body), &out, &n, &rep, NULL);
	ok(rc == AIG_OK && rep.denied && rep.deny_pattern == 0 &&
		   !rep.deny_in_redact && out == NULL,
	   "JSON: a private key refuses the answer, pattern 0");
	for (i = 0; near_misses[i] != NULL; i++) {
		json_t *v = json_pack("{s:s}", "t", near_misses[i]);
		char *t = json_dumps(v, 0);

		rc = aig_output_json(rules(), t, strlen(t), &out, &n, &rep,
				     NULL);
		ok(rc == AIG_OK && !rep.denied && out == NULL &&
			   rep.redactions == 0,
		   "JSON near miss untouched: %s", near_misses[i]);
		free(t);
		json_decref(v);
	}
	rc = aig_output_json(rules(), "{\"a\": ", 6, &out, &n, &rep, NULL);
	ok(rc == AIG_ERR_SYNTAX && out == NULL, "JSON: a broken answer: error");
}

/* ------------------------------------------------------------------ SSE */

struct secret {
	const char *text;
	bool deny;
};

static const struct secret secrets[] = {
	{"AKIAIOSFODNN7EXAMPLE", false},
	{"4111 1111 1111 1111", false},
	{"5500005555555559", false},
	{"-----BEGIN OPENSSH PRIVATE KEY-----", true},
};

/* The stream with the secret in parts (cuts: offsets, ncut of them),
 * each part one event, read in one piece or cut at every byte. */
static bool caught(const struct secret *sc, const size_t *cuts, size_t ncut,
		   bool bytewise)
{
	const char *pre = "The key is ", *post = " - keep it safe.";
	char *ev[5] = {0}, part[128], *all, *joined, *expect;
	const char *chunks[4096];
	size_t i, at = 0, n = strlen(sc->text), nch = 0, len = 0;
	struct aig_output_report rep;
	struct sink k;
	bool good;

	for (i = 0; i <= ncut; i++) {
		size_t end = i < ncut ? cuts[i] : n;

		snprintf(part, sizeof(part), "%s%.*s%s", i == 0 ? pre : "",
			 (int)(end - at), sc->text + at, i == ncut ? post : "");
		ev[i] = event(part);
		len += strlen(ev[i]);
		at = end;
	}
	all = calloc(1, len + 1);
	for (i = 0; i <= ncut; i++)
		strcat(all, ev[i]);
	if (bytewise) {
		static char bytes[4096][2];

		for (i = 0; i < len && i < 4095; i++) {
			bytes[i][0] = all[i];
			chunks[nch++] = bytes[i];
		}
	} else {
		chunks[nch++] = all;
	}
	chunks[nch] = NULL;
	rep = run(rules(), chunks, &k);
	joined = contents(k.buf ? k.buf : "");
	expect = malloc(strlen(pre) + strlen(post) + 16);
	sprintf(expect, "%s[REDACTED]%s", pre, post);
	if (sc->deny)
		good = rep.denied && k.buf != NULL &&
		       strstr(k.buf, "PRIVATE") == NULL &&
		       strlen(k.buf) >= strlen(AIG_OUTPUT_SSE_ERROR) &&
		       strcmp(k.buf + strlen(k.buf) -
				      strlen(AIG_OUTPUT_SSE_ERROR),
			      AIG_OUTPUT_SSE_ERROR) == 0;
	else
		good = !rep.denied && rep.redactions == 1 &&
		       strcmp(joined, expect) == 0;
	if (!good)
		printf("# %s cut at %zu,%zu: got %s\n", sc->text, cuts[0],
		       ncut > 1 ? cuts[1] : 0, k.buf ? k.buf : "");
	for (i = 0; i <= ncut; i++)
		free(ev[i]);
	free(all);
	free(joined);
	free(expect);
	free(k.buf);
	return good;
}

static void test_split(void)
{
	size_t s, i, j, n, tried, good;

	for (s = 0; s < sizeof(secrets) / sizeof(secrets[0]); s++) {
		n = strlen(secrets[s].text);
		tried = good = 0;
		for (i = 1; i < n; i++) {
			tried += 2;
			good += caught(&secrets[s], &i, 1, false);
			good += caught(&secrets[s], &i, 1, true);
		}
		ok(good == tried,
		   "%s split across two events at each of %zu places, whole "
		   "and byte by byte: %zu of %zu caught",
		   secrets[s].text, n - 1, good, tried);
		tried = good = 0;
		for (i = 1; i < n; i++)
			for (j = i + 1; j < n; j++) {
				size_t cuts[2] = {i, j};

				tried++;
				good += caught(&secrets[s], cuts, 2, false);
			}
		ok(good == tried,
		   "%s split across three events at every pair of places: "
		   "%zu of %zu caught",
		   secrets[s].text, good, tried);
	}
}

static void test_near_miss_stream(void)
{
	size_t i;

	for (i = 0; near_misses[i] != NULL; i++) {
		size_t n = strlen(near_misses[i]), c;
		bool same = true;

		for (c = 1; c < n; c++) {
			char a[128], b[128], *e1, *e2, *all;
			const char *chunks[3];
			struct aig_output_report rep;
			struct sink k;

			snprintf(a, sizeof(a), "%.*s", (int)c, near_misses[i]);
			snprintf(b, sizeof(b), "%s", near_misses[i] + c);
			e1 = event(a);
			e2 = event(b);
			all = malloc(strlen(e1) + strlen(e2) + 1);
			sprintf(all, "%s%s", e1, e2);
			chunks[0] = e1;
			chunks[1] = e2;
			chunks[2] = NULL;
			rep = run(rules(), chunks, &k);
			same &= !rep.denied && rep.redactions == 0 &&
				k.buf != NULL && strcmp(k.buf, all) == 0;
			free(e1);
			free(e2);
			free(all);
			free(k.buf);
		}
		ok(same, "near miss \"%s\" split anywhere: byte for byte",
		   near_misses[i]);
	}
}

/* An event with many string locations (a LangGraph "debug" or "events"
 * event has dozens): each location is a channel of its own, made while the
 * event is read, so the channels move (realloc) under the ones already
 * touched. Passes byte for byte; a key in the last location is still
 * redacted. */
static void test_many_locations(void)
{
	char *ev = NULL, *d;
	json_t *v = json_object(), *inner = json_object();
	struct aig_output_report rep;
	struct sink k;
	const char *chunks[2];
	char name[16];
	size_t i;

	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "k%zu", i);
		json_object_set_new(i % 2 ? inner : v, name,
				    json_string("1f1f199e-e16f-6bd0-8000"));
	}
	json_object_set_new(v, "inner", inner);
	d = json_dumps(v, JSON_COMPACT);
	ev = malloc(strlen(d) + 32);
	sprintf(ev, "event: debug\ndata: %s\n\n", d);
	chunks[0] = ev;
	chunks[1] = NULL;
	rep = run(rules(), chunks, &k);
	ok(!rep.denied && rep.redactions == 0 && k.buf != NULL &&
		   strcmp(k.buf, ev) == 0,
	   "an event with 40 string locations passes byte for byte");
	free(k.buf);
	free(ev);
	free(d);
	json_object_set_new(inner, "zz", json_string("AKIAIOSFODNN7EXAMPLE"));
	d = json_dumps(v, JSON_COMPACT);
	ev = malloc(strlen(d) + 32);
	sprintf(ev, "event: debug\ndata: %s\n\n", d);
	chunks[0] = ev;
	rep = run(rules(), chunks, &k);
	ok(!rep.denied && rep.redactions == 1 && k.buf != NULL &&
		   strstr(k.buf, "AKIA") == NULL,
	   "... and a key in its last location is redacted");
	free(k.buf);
	free(ev);
	free(d);
	json_decref(v);
}

/* Events go out as soon as nothing pending needs them. */
static void test_hold(void)
{
	struct aig_output_stream *s = NULL;
	struct sink k = {0};
	char *e1 = event("Hello"), *e2 = event(" world, AKIA"),
	     *e3 = event("nothing"), *e4 = event("done");

	k.fail_after = -1;
	aig_output_stream_new(rules(), sink_fn, &k, &s, NULL);
	aig_output_stream_feed(s, e1, strlen(e1), NULL);
	ok(aig_output_stream_released(s) == 1 && k.len == strlen(e1),
	   "no near match: the first event goes out at once, unchanged");
	aig_output_stream_feed(s, e2, 10, NULL);
	ok(aig_output_stream_released(s) == 1,
	   "half an event waits for its end");
	aig_output_stream_feed(s, e2 + 10, strlen(e2) - 10, NULL);
	ok(aig_output_stream_released(s) == 1,
	   "an event ending in what could begin a key is held");
	aig_output_stream_feed(s, e3, strlen(e3), NULL);
	ok(aig_output_stream_released(s) == 3,
	   "and goes out with the next event, which ends the chance");
	aig_output_stream_feed(s, e4, strlen(e4), NULL);
	ok(aig_output_stream_released(s) == 4 &&
		   aig_output_stream_report(s)->max_held == 1,
	   "the most held at once: 1 event (%zu)",
	   aig_output_stream_report(s)->max_held);
	aig_output_stream_finish(s, NULL);
	aig_output_stream_free(s);
	free(k.buf);
	free(e1);
	free(e2);
	free(e3);
	free(e4);
}

static void test_deny_mid_stream(void)
{
	char *e1 = event("fine so far"), *e2 = event("-----BEGIN RSA "),
	     *e3 = event("PRIVATE KEY-----\nMIIE"), *e4 = event("more");
	const char *chunks[] = {e1, e2, e3, e4, NULL};
	struct aig_output_report rep;
	struct sink k;
	char expect[512];

	rep = run(rules(), chunks, &k);
	snprintf(expect, sizeof(expect), "%s%s", e1, AIG_OUTPUT_SSE_ERROR);
	ok(rep.denied && rep.deny_pattern == 0 && k.buf != NULL &&
		   strcmp(k.buf, expect) == 0,
	   "deny mid-stream: what went out, then the error event, nothing "
	   "more");
	free(k.buf);
	free(e1);
	free(e2);
	free(e3);
	free(e4);
}

static void test_raw_and_framing(void)
{
	const char *c1[] = {": comment\r\nid: 7\r\ndata: line one\r\n"
			    "data: AKIAIOSFODNN7EXAMPLE\r\n\r\n",
			    "event: end\n\n", NULL};
	const char *c2[] = {"data: plain text AKIAIOSF", "ODNN7EXAMPLE", NULL};
	const char *c3[] = {"data: 4111111111111111\n\n", NULL};
	struct aig_output_report rep;
	struct sink k;

	rep = run(rules(), c1, &k);
	ok(rep.redactions == 1 && k.buf != NULL &&
		   strcmp(k.buf, ": comment\nid: 7\ndata: line one\n"
				 "data: [REDACTED]\n\nevent: end\n\n") == 0,
	   "raw data over two lines, CRLF: redacted, other lines kept");
	free(k.buf);
	rep = run(rules(), c2, &k);
	ok(rep.redactions == 1 && k.buf != NULL &&
		   strcmp(k.buf, "data: plain text [REDACTED]\n\n") == 0,
	   "a last event without its blank line is checked at the end");
	free(k.buf);
	rep = run(rules(), c3, &k);
	ok(rep.redactions == 1 && k.buf != NULL &&
		   strcmp(k.buf, "data: [REDACTED]\n\n") == 0,
	   "a bare number as data is text too");
	free(k.buf);
}

static void test_window(void)
{
	struct aig_error err;
	struct aig_policy *pol = parse(
		"{\"version\": 1, \"output\": {\"deny\": [\"SECRET[a-z]*!\"], "
		"\"window_bytes\": 64}, \"rules\": []}",
		&err);
	struct aig_output_stream *s = NULL;
	struct sink k = {0};
	char *e = event("SECRETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	char *f = event("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	int i;

	k.fail_after = -1;
	aig_output_stream_new(aig_policy_output(pol, NULL), sink_fn, &k, &s,
			      NULL);
	aig_output_stream_feed(s, e, strlen(e), NULL);
	for (i = 0; i < 4; i++)
		aig_output_stream_feed(s, f, strlen(f), NULL);
	ok(aig_output_stream_released(s) >= 3 &&
		   aig_output_stream_report(s)->max_held <= 3,
	   "a partial match longer than window_bytes lets its events go "
	   "(released %zu, held at most %zu)",
	   aig_output_stream_released(s),
	   aig_output_stream_report(s)->max_held);
	aig_output_stream_free(s);
	aig_policy_free(pol);
	free(k.buf);
	free(e);
	free(f);
}

static void test_sink_gone(void)
{
	struct aig_output_stream *s = NULL;
	struct sink k = {0};
	char *e = event("hello");

	k.fail_after = 0;
	aig_output_stream_new(rules(), sink_fn, &k, &s, NULL);
	ok(aig_output_stream_feed(s, e, strlen(e), NULL) == AIG_ERR_IO &&
		   aig_output_stream_feed(s, e, strlen(e), NULL) == AIG_ERR_IO,
	   "a client gone: AIG_ERR_IO, and it stays so");
	aig_output_stream_free(s);
	free(e);
}

/* prompt.quarantine, prompt.sandbox and "untrusted" (aig_route.h). */
static void test_route(void)
{
	static const struct {
		const char *body;
		int rule;
		enum aig_route route;
		int pattern;
	} cases[] = {
		{"{\"input\": \"hello\"}", 0, AIG_ROUTE_BACKEND, -1},
		{"{\"input\": \"please EXFILTRATE it\"}", 0,
		 AIG_ROUTE_QUARANTINE, 1},
		{"{\"input\": \"run  this\\ncode\"}", 0, AIG_ROUTE_SANDBOX, 0},
		/* quarantine wins over sandbox, wherever it is */
		{"{\"a\": \"run this code\", \"b\": [\"leak\"]}", 0,
		 AIG_ROUTE_QUARANTINE, 0},
		{"{\"leak\": 1}", 0, AIG_ROUTE_QUARANTINE, 0},
		{"{\"input\": \"hello\"}", 1, AIG_ROUTE_SANDBOX, -1},
		{"", 1, AIG_ROUTE_SANDBOX, -1},
		{"{\"input\": \"exfiltrate\"}", 1, AIG_ROUTE_QUARANTINE, 1},
	};
	struct aig_error err;
	struct aig_route_result r;
	struct aig_policy *pol = parse(
		"{\"version\": 1, \"prompt\": {\"quarantine\": [\"leak\", "
		"\"(?i)exfiltrate\"], \"sandbox\": [\"run this code\"]}, "
		"\"rules\": [{\"name\": \"a\", \"groups\": [\"x\"]}, "
		"{\"name\": \"b\", \"groups\": [\"y\"], \"untrusted\": true}]}",
		&err);
	size_t i;

	ok(pol != NULL, "quarantine, sandbox and untrusted load: %s", err.msg);
	if (pol == NULL)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = aig_policy_route(
			pol, aig_policy_rule_at(pol, (size_t)cases[i].rule),
			cases[i].body, strlen(cases[i].body), &r, NULL);

		ok(rc == AIG_OK && r.route == cases[i].route &&
			   r.pattern == cases[i].pattern,
		   "route of %s (rule %d): %s, pattern %d", cases[i].body,
		   cases[i].rule, aig_route_name(r.route), r.pattern);
	}
	aig_policy_free(pol);
	pol = parse("{\"version\": 1, \"prompt\": {\"sandbox\": [\"x*\"]}, "
		    "\"rules\": []}",
		    &err);
	ok(pol == NULL && strstr(err.msg, "prompt.sandbox.0") != NULL,
	   "a sandbox pattern that matches everything is refused: %s", err.msg);
	aig_policy_free(pol);
	pol = parse("{\"version\": 1, \"rules\": [{\"name\": \"a\", "
		    "\"groups\": [\"x\"], \"untrusted\": 1}]}",
		    &err);
	ok(pol == NULL && strstr(err.msg, "untrusted") != NULL,
	   "untrusted must be a boolean: %s", err.msg);
	aig_policy_free(pol);
}

/* aigate.json: backend.sandbox_url and quarantine. */
static void test_config(void)
{
	static const struct {
		const char *extra, *why; /* why NULL: loads */
	} cases[] = {
		{"", NULL},
		{", \"quarantine\": {\"recipient_cert\": \"/etc/r.pem\"}",
		 NULL},
		{", \"quarantine\": {\"dir\": \"/q\", \"recipient_cert\": "
		 "\"/etc/r.pem\", \"max_mb\": 1}",
		 NULL},
		{", \"quarantine\": {\"dir\": \"/q\"}", "recipient_cert"},
		{", \"quarantine\": {\"dir\": \"q\", \"recipient_cert\": "
		 "\"/r\"}",
		 "absolute"},
		{", \"quarantine\": {\"recipient_cert\": \"/r\", \"max_mb\": "
		 "0}",
		 "max_mb"},
		{", \"quarantine\": {\"recipient_cert\": \"/r\", \"size\": 1}",
		 "unknown key"},
	};
	char text[1024];
	struct aig_config *cfg;
	struct aig_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		snprintf(text, sizeof(text),
			 "{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], "
			 "\"domain\": \"c.example\", \"base_dn\": \"DC=c\"}, "
			 "\"auth\": {\"methods\": [\"basic\"]}, "
			 "\"backend\": {\"url\": \"http://127.0.0.1:1\", "
			 "\"sandbox_url\": \"http://127.0.0.1:2\"}, "
			 "\"policy_file\": \"/p.json\"%s}",
			 cases[i].extra);
		cfg = NULL;
		aig_config_parse("c.json", text, strlen(text), &cfg, &err);
		if (cases[i].why == NULL)
			ok(cfg != NULL && cfg->backend.sandbox_url != NULL &&
				   (cases[i].extra[0] == '\0' ||
				    (cfg->quarantine.dir != NULL &&
				     cfg->quarantine.max_mb > 0)),
			   "config loads: %s %s", cases[i].extra, err.msg);
		else
			ok(cfg == NULL && strstr(err.msg, cases[i].why),
			   "config %s refused: %s", cases[i].extra, err.msg);
		aig_config_free(cfg);
	}
	snprintf(text, sizeof(text),
		 "{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], \"domain\": "
		 "\"c.example\", \"base_dn\": \"DC=c\"}, \"auth\": "
		 "{\"methods\": [\"basic\"]}, \"backend\": {\"url\": "
		 "\"http://127.0.0.1:1\", \"sandbox_url\": \"ftp://x\"}, "
		 "\"policy_file\": \"/p.json\"}");
	memset(&err, 0, sizeof(err));
	cfg = NULL;
	aig_config_parse("c.json", text, strlen(text), &cfg, &err);
	ok(cfg == NULL && strstr(err.msg, "sandbox_url"),
	   "backend.sandbox_url must be http(s): %s", err.msg);
	aig_config_free(cfg);
}

int main(void)
{
	struct aig_error err = {0};
	FILE *f = fopen(srcfile("policies/policy.json"), "rb");
	static char buf[AIG_POLICY_FILE_MAX];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	if (f != NULL)
		fclose(f);
	aig_policy_parse("policy.json", buf, n, &shipped, &err);
	ok(shipped != NULL && rules() != NULL,
	   "the shipped policy has output rules: %s", err.msg);
	if (shipped == NULL || rules() == NULL)
		return tap_done();
	test_load();
	test_kind();
	test_json();
	test_split();
	test_near_miss_stream();
	test_many_locations();
	test_hold();
	test_deny_mid_stream();
	test_raw_and_framing();
	test_window();
	test_sink_gone();
	test_route();
	test_config();
	aig_policy_free(shipped);
	return tap_done();
}
