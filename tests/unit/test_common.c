/* SPDX-License-Identifier: Apache-2.0 */
/* test_common.c - the common core: errors, escaping, request ids, JSON
 * positions, secret files and the aigate.json loader, hostile input
 * included. Runs under ASan/UBSan and valgrind in make check. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aig_common.h"
#include "aig_test.h"

static char tmpdir[] = "/tmp/aig-test-common-XXXXXX";

static const char *const good_config =
	"{\n"
	"  \"ldap\": {\n"
	"    \"uri\": [\"ldaps://127.0.0.1\", "
	"\"ldaps://dc2.corp.example.com\"],\n"
	"    \"domain\": \"corp.example.com\",\n"
	"    \"base_dn\": \"DC=corp,DC=example,DC=com\",\n"
	"    \"ca_file\": \"/etc/aigate/ad-ca.pem\"\n"
	"  },\n"
	"  \"jwt\": {\"issuer\": \"https://idp.example/oidc\",\n"
	"          \"audience\": [\"aigate\"],\n"
	"          \"jwks_file\": \"/etc/aigate/jwks.json\"},\n"
	"  \"backend\": {\"url\": \"http://127.0.0.1:8000\"},\n"
	"  \"policy_file\": \"/etc/aigate/policy.json\"\n"
	"}\n";

/* Writes text to tmpdir/name with mode; returns the path (static). */
static const char *write_file(const char *name, const char *text, size_t len,
			      mode_t mode)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	aig_test_write(path, text, len, mode);
	return path;
}

/* Parses text; returns the status and leaves the message in err. */
static int parse(const char *text, struct aig_error *err)
{
	struct aig_config *cfg = NULL;
	int rc;

	aig_error_clear(err);
	rc = aig_config_parse("t.json", text, strlen(text), &cfg, err);
	aig_config_free(cfg);
	return rc;
}

/* good_config with `from` replaced by `to`. Caller frees. */
static char *edit(const char *from, const char *to)
{
	const char *at = strstr(good_config, from);
	size_t n;
	char *out;

	if (at == NULL)
		abort();
	n = strlen(good_config) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - good_config), good_config, to,
		 at + strlen(from));
	return out;
}

static void expect_error(const char *from, const char *to, int status,
			 const char *needle)
{
	struct aig_error err;
	char *text = edit(from, to);
	int rc = parse(text, &err);

	ok(rc == status && strstr(err.msg, needle) != NULL,
	   "%s -> \"%s\" (got %d: %s)", to, needle, rc, err.msg);
	free(text);
}

static void test_errors(void)
{
	struct aig_error err = {0};

	ok(aig_error_set(&err, AIG_ERR_IO, "first %d", 1) == AIG_ERR_IO,
	   "aig_error_set returns its status");
	aig_error_set(&err, AIG_ERR_CONFIG, "second");
	ok(err.status == AIG_ERR_IO && strcmp(err.msg, "first 1") == 0,
	   "the first error wins");
	ok(aig_error_set(NULL, AIG_ERR_NOMEM, "x") == AIG_ERR_NOMEM,
	   "a NULL error struct is allowed");
}

static void test_escape(void)
{
	char out[64], small[8];

	aig_log_escape(out, sizeof(out), "bob\n\x1b[31m\"x\\", 12);
	ok(strcmp(out, "bob\\x0a\\x1b[31m\\x22x\\x5c") == 0,
	   "control characters, quote and backslash escaped: %s", out);
	aig_log_escape(out, sizeof(out), "a\0b", 3);
	ok(strcmp(out, "a\\x00b") == 0, "NUL escaped");
	aig_log_escape(out, sizeof(out), "caf\xc3\xa9 \xff\xc3", 8);
	ok(strcmp(out, "caf\xc3\xa9 \\xff\\xc3") == 0,
	   "valid UTF-8 kept, invalid bytes escaped: %s", out);
	aig_log_escape(out, sizeof(out), "\xed\xa0\x80", 3);
	ok(strcmp(out, "\\xed\\xa0\\x80") == 0, "UTF-8 surrogates escaped");
	aig_log_escape(small, sizeof(small), "abcdefghijkl", 12);
	ok(strlen(small) < sizeof(small) && strstr(small, "...") != NULL,
	   "long input truncated with ...: %s", small);
	aig_log_escape(small, sizeof(small), "\n\n\n\n\n", 5);
	ok(strlen(small) < sizeof(small), "escapes never overflow: %s", small);
}

/* C1 controls, U+2028/U+2029 and bidi controls are valid UTF-8 that
 * rewrite a log line when shown: each becomes \uNNNN. */
static void test_escape_unicode_controls(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"bob\xc2\x85x", "bob\\u0085x"}, /* NEL */
		{"\xc2\x80\xc2\x9f\xc2\xa0", "\\u0080\\u009f\xc2\xa0"},
		{"a\xe2\x80\xa8"
		 "b\xe2\x80\xa9",
		 "a\\u2028b\\u2029"},
		{"\xe2\x80\xaa\xe2\x80\xae", "\\u202a\\u202e"}, /* LRE, RLO */
		{"\xe2\x81\xa6\xe2\x81\xa9", "\\u2066\\u2069"}, /* LRI, PDI */
		{"\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c"},
		{"\xe2\x80\x8d\xe2\x81\xaa", "\xe2\x80\x8d\xe2\x81\xaa"},
		{"\xc2\x85", "\\u0085"},
		{"\\u0085", "\\x5cu0085"}, /* the escape itself, written */
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aig_log_escape(out, sizeof(out), cases[i].in,
			       strlen(cases[i].in));
		ok(strcmp(out, cases[i].out) == 0, "escape #%zu: %s", i, out);
	}
	aig_log_escape(out, sizeof(out), "\x85", 1);
	ok(strcmp(out, "\\x85") == 0, "a lone C1 byte is \\x85, not \\u0085");
}

static void test_quote(void)
{
	/* bob" rule="admins, NEL, U+2028, U+202E */
	const char *evil = "bob\" rule=\"admins\xc2\x85 status=200"
			   "\xe2\x80\xa8 user=\"alice\xe2\x80\xae\"";
	char q[256];
	size_t i, n;
	bool raw = false;

	aig_log_quote(q, sizeof(q), evil);
	ok(strcmp(q, "\"bob\\x22 rule=\\x22admins\\u0085 status=200\\u2028 "
		     "user=\\x22alice\\u202e\\x22\"") == 0,
	   "quote: one quoted value: %s", q);
	n = strlen(q);
	for (i = 0; i < n; i++)
		raw = raw || (unsigned char)q[i] < 0x20 ||
		      (unsigned char)q[i] >= 0x7f;
	ok(n > 2 && q[0] == '"' && strchr(q + 1, '"') == q + n - 1 && !raw,
	   "quote: no '\"' but the two around it, no byte that is not "
	   "printable ASCII: nothing in it can end the value or the line");
	ok(strcmp(aig_log_quote(q, sizeof(q), NULL), "-") == 0 &&
		   strcmp(aig_log_quote(q, sizeof(q), ""), "\"\"") == 0 &&
		   strcmp(aig_log_quote(q, sizeof(q), "-"), "\"-\"") == 0,
	   "quote: NULL is -, and differs from \"-\"");
	ok(strcmp(aig_log_escape_str(q, sizeof(q), "k\"id\n"),
		  "k\\x22id\\x0a") == 0 &&
		   strcmp(aig_log_escape_str(q, sizeof(q), NULL), "(none)") ==
			   0,
	   "escape_str: escapes a string, NULL is (none)");
	aig_log_quote(q, 12, "abcdefghijklmnop");
	ok(strlen(q) < 12 && q[0] == '"' && q[strlen(q) - 1] == '"' &&
		   strstr(q, "...") != NULL,
	   "quote: cut inside the quotes: %s", q);
	aig_log_quote(q, 3, "abc");
	ok(strlen(q) < 3, "quote: a tiny buffer holds no overflow");
}

static void test_utf8_clean(void)
{
	static const struct {
		const char *s;
		bool clean;
	} cases[] = {
		{"bob", true},
		{"caf\xc3\xa9 \xe2\x82\xac", true},
		{"bob\"x\\y", true},
		{"bob\xc2\x85", false},
		{"bob\xc2\x9f", false},
		{"bob\xe2\x80\xa8", false},
		{"bob\xe2\x80\xa9", false},
		{"bob\xe2\x80\xae", false},
		{"bob\xe2\x81\xa7", false},
		{"bob\xe2\x80\x8f", false},
		{"bob\xd8\x9c", false},
		{"bob\n", false},
		{"bob\x7f", false},
		{"bob\xff", false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(aig_utf8_clean(cases[i].s, strlen(cases[i].s)) ==
			   cases[i].clean,
		   "utf8_clean #%zu: %s", i, cases[i].clean ? "yes" : "no");
	ok(!aig_utf8_clean("a\0b", 3), "utf8_clean: NUL refused");
}

static void test_request_id(void)
{
	char a[AIG_REQUEST_ID_LEN + 1], b[AIG_REQUEST_ID_LEN + 1];

	ok(aig_request_id(a, NULL) == AIG_OK && strlen(a) == 32 &&
		   strspn(a, "0123456789abcdef") == 32,
	   "request id is 32 hex digits: %s", a);
	aig_request_id(b, NULL);
	ok(strcmp(a, b) != 0, "two request ids differ");
	ok(aig_ct_equal("abc", "abc", 3) && !aig_ct_equal("abc", "abd", 3),
	   "constant-time compare");
}

/* Hex and decimal as printf would write them ("%02x", "%lld"), at the
 * edges: every byte value, no bytes, the integers' extremes. */
static void test_digits(void)
{
	static const long long ints[] = {0,
					 1,
					 -1,
					 9,
					 10,
					 -10,
					 99,
					 100,
					 2147483647LL,
					 -2147483648LL,
					 9223372036854775807LL,
					 -9223372036854775807LL - 1};
	unsigned char all[256];
	char hex[2 * sizeof(all) + 1], want[2 * sizeof(all) + 1];
	char d[AIG_DECIMAL_MAX + 1], w[32];
	size_t i, n;
	bool same = true;

	for (i = 0; i < sizeof(all); i++) {
		all[i] = (unsigned char)i;
		snprintf(want + 2 * i, 3, "%02x", (unsigned)i);
	}
	memset(hex, 'Z', sizeof(hex));
	aig_hex_lower(hex, all, sizeof(all));
	ok(strcmp(hex, want) == 0, "every byte as two lower-case hex digits");
	hex[0] = 'Z';
	aig_hex_lower(hex, all, 0);
	ok(hex[0] == '\0', "no bytes: an empty string");
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		memset(d, 'Z', sizeof(d));
		n = aig_decimal(d, ints[i]);
		snprintf(w, sizeof(w), "%lld", ints[i]);
		same &= n == strlen(w) && memcmp(d, w, n) == 0 &&
			(n == AIG_DECIMAL_MAX || d[n] == 'Z');
		if (!same)
			printf("# aig_decimal(%s) wrote %.*s\n", w, (int)n, d);
	}
	ok(same, "integers from INT64_MIN to INT64_MAX as %%lld writes them, "
		 "nothing past their length");
}

/* The pointers the strict reader builds: RFC 6901 escaping, and
 * truncation within the buffer. */
static void test_jr_join(void)
{
	char p[AIG_JR_PTR_MAX], small[8];

	aig_jr_join(p, sizeof(p), "/ldap", "a/b~c~1");
	ok(strcmp(p, "/ldap/a~1b~0c~01") == 0, "'/' and '~' escaped: %s", p);
	aig_jr_join(p, sizeof(p), "", "x");
	ok(strcmp(p, "/x") == 0, "top-level member: %s", p);
	aig_jr_join(small, sizeof(small), "/abc", "~~~~");
	ok(strcmp(small, "/abc/") == 0,
	   "truncated within the buffer, never inside an escape: %s", small);
	aig_jr_join_index(p, sizeof(p), "/ldap/uri", 3);
	ok(strcmp(p, "/ldap/uri/3") == 0, "index: %s", p);
	aig_jr_join_index(p, sizeof(p), "", 0);
	ok(strcmp(p, "/0") == 0, "index 0 at the top: %s", p);
	aig_jr_join_index(p, sizeof(p), "/r", (size_t)-1);
	ok(strcmp(p, "/r/18446744073709551615") == 0, "the largest index: %s",
	   p);
	aig_jr_join_index(small, sizeof(small), "/abc", 12345);
	ok(strcmp(small, "/abc/12") == 0, "an index truncated: %s", small);
	aig_jr_join_index(small, sizeof(small), "/abcdefghij", 1);
	ok(strcmp(small, "/abcdef") == 0, "a pointer truncated: %s", small);
	aig_jr_join(small, sizeof(small), "/abcdefghij", "k");
	ok(strcmp(small, "/abcdef") == 0, "a pointer truncated, then a key: %s",
	   small);
	strcpy(p, "/self");
	aig_jr_join(p, sizeof(p), p, "k");
	ok(strcmp(p, "/self/k") == 0, "joined onto itself: %s", p);
}

/* 1 when the writer's text w (one member "k", its buffer then freed)
 * differs from jansson's for v (taken), with the first few printed. */
static int jw_differs(struct aig_jw *w, json_t *v)
{
	json_t *o = json_object();
	char *want;
	int differs;

	aig_jw_close(w, '}');
	json_object_set_new(o, "k", v);
	want = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
				     JSON_REAL_PRECISION(6));
	differs = w->failed || want == NULL || strcmp(w->buf, want) != 0;
	if (differs)
		printf("# %s, jansson %s\n", w->buf, want ? want : "(null)");
	free(want);
	json_decref(o);
	aig_jw_free(w);
	return differs;
}

static void jw_member(struct aig_jw *w, char *fixed, size_t cap)
{
	aig_jw_init(w, fixed, cap);
	aig_jw_open(w, NULL, '{');
}

/* The JSON writer writes what jansson's json_dumps() writes for the audit
 * line's flags: strings (escapes, non-ASCII, astral planes), integers and
 * reals (precision 6, ".0", exponents). */
static void test_jw_as_jansson(void)
{
	static const char *const strs[] = {"",
					   "plain",
					   "q\"b\\s/",
					   "\b\f\n\r\t\x01\x1f\x7f",
					   "\xc3\xa9t\xc3\xa9",
					   "\xe2\x80\xa8\xe2\x80\xae",
					   "\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
					   "<script>alert(1)</script>",
					   "'; DROP TABLE audit; --"};
	static const double reals[] = {0.0,	  -0.0,	    0.084219, 3.0,
				       1234567.0, 1e-5,	    1e22,     1e-300,
				       -2.5e-7,	  123456.5, 0.1,      99999.95};
	static const long long ints[] = {0, -1, 7, 9223372036854775807LL,
					 -9223372036854775807LL - 1};
	char fixed[16];
	struct aig_jw w;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		jw_member(&w, fixed, sizeof(fixed));
		aig_jw_str(&w, "k", strs[i]);
		bad += jw_differs(&w, json_string(strs[i]));
	}
	for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		jw_member(&w, fixed, sizeof(fixed));
		aig_jw_real(&w, "k", reals[i]);
		bad += jw_differs(&w, json_real(reals[i]));
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		jw_member(&w, fixed, sizeof(fixed));
		aig_jw_int(&w, "k", ints[i]);
		bad += jw_differs(&w, json_integer(ints[i]));
	}
	ok(bad == 0, "writer's text equals jansson's (%d differ)", bad);
}

/* Nesting, null, booleans, growing out of the caller's buffer, and input
 * jansson refuses. */
static void test_jw(void)
{
	char fixed[8], big[4096], *long_s;
	struct aig_jw w;
	json_t *back;
	size_t i;

	aig_jw_init(&w, fixed, sizeof(fixed));
	aig_jw_open(&w, NULL, '{');
	aig_jw_str(&w, "a", NULL);
	aig_jw_open(&w, "g", '[');
	aig_jw_str(&w, NULL, "x");
	aig_jw_str(&w, NULL, "y");
	aig_jw_close(&w, ']');
	aig_jw_open(&w, "e", '[');
	aig_jw_close(&w, ']');
	aig_jw_open(&w, "o", '{');
	aig_jw_bool(&w, "t", true);
	aig_jw_bool(&w, "f", false);
	aig_jw_close(&w, '}');
	aig_jw_real(&w, "n", 0.0 / 0.0);
	aig_jw_close(&w, '}');
	ok(!w.failed && w.buf != fixed &&
		   strcmp(w.buf,
			  "{\"a\":null,\"g\":[\"x\",\"y\"],\"e\":[],"
			  "\"o\":{\"t\":true,\"f\":false},\"n\":null}") == 0,
	   "nested, null, booleans, NaN as null; grew from 8 bytes: %s", w.buf);
	aig_jw_free(&w);

	aig_jw_init(&w, fixed, sizeof(fixed));
	aig_jw_str(&w, NULL,
		   "\xff\xc0\xaf"
		   "a\xed\xa0\x80"
		   "b\xe2\x82");
	ok(!w.failed &&
		   strcmp(w.buf, "\"\\uFFFD\\uFFFD\\uFFFDa\\uFFFD\\uFFFD\\uFFFD"
				 "b\\uFFFD\\uFFFD\"") == 0,
	   "invalid UTF-8 (stray bytes, overlong, surrogate, truncated): "
	   "U+FFFD per byte: %s",
	   w.buf);
	aig_jw_free(&w);

	long_s = malloc(100001);
	for (i = 0; i < 100000; i++)
		long_s[i] = (char)(i % 3 == 0 ? '"' : i % 3 == 1 ? '\n' : 'a');
	long_s[100000] = '\0';
	aig_jw_init(&w, big, sizeof(big));
	aig_jw_open(&w, NULL, '[');
	aig_jw_str(&w, NULL, long_s);
	aig_jw_close(&w, ']');
	back = w.failed ? NULL : json_loadb(w.buf, w.len, 0, NULL);
	ok(back != NULL && w.len == strlen(w.buf) &&
		   strcmp(json_string_value(json_array_get(back, 0)), long_s) ==
			   0,
	   "100,000 bytes of quotes and newlines: %zu bytes, read back the "
	   "same",
	   w.len);
	json_decref(back);
	aig_jw_free(&w);
	free(long_s);

	aig_jw_init(&w, fixed, 0);
	aig_jw_str(&w, NULL, "x");
	ok(w.failed && w.len == 0, "no buffer: failed, nothing written");
}

static void test_locate(void)
{
	const char *t =
		"{\n  \"a\": {\"b\": [1, {\"c\": 2}]},\n  \"d\\n\": 3\n}";
	unsigned l, c;

	ok(aig_json_locate(t, strlen(t), "/a/b/1/c", false, &l, &c) && l == 2 &&
		   c == 24,
	   "value position (%u:%u)", l, c);
	ok(aig_json_locate(t, strlen(t), "/a/b", true, &l, &c) && l == 2 &&
		   c == 9,
	   "key position (%u:%u)", l, c);
	ok(aig_json_locate(t, strlen(t), "/d\n", false, &l, &c) && l == 3,
	   "escaped key found (%u:%u)", l, c);
	ok(!aig_json_locate(t, strlen(t), "/a/zz", false, &l, &c) && l == 2,
	   "missing key gives the enclosing object (%u:%u)", l, c);
	ok(!aig_json_locate(t, strlen(t), "/a/b/9", false, &l, &c),
	   "index out of range not found");
}

static void test_config_good(void)
{
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};
	int rc = aig_config_parse("t.json", good_config, strlen(good_config),
				  &cfg, &err);

	ok(rc == AIG_OK, "the sample configuration loads (%s)", err.msg);
	if (rc != AIG_OK)
		return;
	ok(cfg->ldap.uri.n == 2 && strcmp(cfg->ldap.uri.v[1],
					  "ldaps://dc2.corp.example.com") == 0,
	   "ldap.uri kept in order");
	ok(cfg->ldap.timeout_ms == 5000 && !cfg->ldap.starttls &&
		   strcmp(cfg->ldap.login_attribute, "sAMAccountName") == 0 &&
		   cfg->ldap.groups == AIG_GROUPS_TOKENGROUPS &&
		   !cfg->ldap.has_service_bind,
	   "ldap defaults");
	ok(cfg->jwt.present && cfg->jwt.algorithms.n == 2 &&
		   strcmp(cfg->jwt.algorithms.v[0], "RS256") == 0 &&
		   cfg->jwt.leeway_s == 60 &&
		   strcmp(cfg->jwt.user_claim, "email") == 0 &&
		   strcmp(cfg->jwt.groups_claim, "groups") == 0,
	   "jwt defaults");
	ok(cfg->auth.n_methods == 2 &&
		   cfg->auth.methods[0] == AIG_AUTH_BEARER &&
		   strcmp(cfg->auth.pam_service, "aigate") == 0,
	   "auth defaults");
	ok(!cfg->auth.require_https, "auth.require_https is false by default");
	ok(cfg->backend.timeout_ms == 120000 &&
		   strcmp(cfg->state_dir, "/var/lib/aigate") == 0 &&
		   strcmp(cfg->state_key_file,
			  aig_config_default_state_key()) == 0 &&
		   strcmp(cfg->ratelimit.store, "lmdb") == 0 &&
		   strcmp(cfg->audit.file, "/var/log/aigate/audit.jsonl") ==
			   0 &&
		   cfg->audit.syslog,
	   "backend, state, ratelimit and audit defaults");
	aig_config_free(cfg);
}

static void test_config_service_bind(void)
{
	struct aig_error err;
	char *t;

	t = edit("\"domain\": \"corp.example.com\",",
		 "\"service_bind\": {\"sasl_mech\": \"GSSAPI\", "
		 "\"keytab\": \"/etc/aigate/svc.keytab\"},");
	ok(parse(t, &err) == AIG_OK, "service_bind GSSAPI without domain (%s)",
	   err.msg);
	free(t);
	expect_error("\"domain\": \"corp.example.com\",",
		     "\"service_bind\": {\"sasl_mech\": \"GSSAPI\"},",
		     AIG_ERR_CONFIG,
		     "t.json:4:21: \"ldap.service_bind\": missing required key "
		     "\"keytab\"");
	expect_error("\"domain\": \"corp.example.com\",",
		     "\"service_bind\": {\"dn\": \"CN=x\"},", AIG_ERR_CONFIG,
		     "missing required key \"password_file\"");
	expect_error("\"domain\": \"corp.example.com\",",
		     "\"service_bind\": {\"sasl_mech\": \"EXTERNAL\", "
		     "\"cert_file\": \"/etc/aigate/svc.pem\"},",
		     AIG_ERR_CONFIG, "missing required key \"key_file\"");
	expect_error("\"domain\": \"corp.example.com\",",
		     "\"service_bind\": {\"sasl_mech\": \"PLAIN\"},",
		     AIG_ERR_CONFIG,
		     "\"ldap.service_bind.sasl_mech\": must be");
	expect_error(
		"\"domain\": \"corp.example.com\",", "", AIG_ERR_CONFIG,
		"t.json:2:11: \"ldap\": needs \"domain\" or \"service_bind\"");
}

/* good_config with `from` replaced by `to`, parsed; NULL when it fails. */
static struct aig_config *parse_edit(const char *from, const char *to)
{
	struct aig_config *cfg = NULL;
	char *text = edit(from, to);

	if (aig_config_parse("t.json", text, strlen(text), &cfg, NULL) !=
	    AIG_OK)
		cfg = NULL;
	free(text);
	return cfg;
}

/* auth.basic_cache_s: 0 (off) by default, 0 to 3600 seconds. */
static void test_config_basic_cache(void)
{
	static const char *const at = "\"backend\":";
	struct aig_config *cfg = parse_edit(at, at);

	ok(cfg != NULL && cfg->auth.basic_cache_s == 0,
	   "auth.basic_cache_s is 0 (off) by default");
	aig_config_free(cfg);
	cfg = parse_edit(at, "\"auth\": {\"basic_cache_s\": 3600}, "
			     "\"backend\":");
	ok(cfg != NULL && cfg->auth.basic_cache_s == 3600,
	   "auth.basic_cache_s 3600");
	aig_config_free(cfg);
	expect_error(at, "\"auth\": {\"basic_cache_s\": 3601}, \"backend\":",
		     AIG_ERR_CONFIG,
		     "\"auth.basic_cache_s\": must be between 0 and 3600");
	expect_error(at, "\"auth\": {\"basic_cache_s\": -1}, \"backend\":",
		     AIG_ERR_CONFIG,
		     "\"auth.basic_cache_s\": must be between 0 and 3600");
	expect_error(at, "\"auth\": {\"basic_cache_s\": true}, \"backend\":",
		     AIG_ERR_CONFIG,
		     "\"auth.basic_cache_s\": must be an integer");
}

static void test_config_failure_limit(void)
{
	static const char *const at = "\"backend\":";
	struct aig_config *cfg = parse_edit(at, at);

	ok(cfg != NULL && cfg->auth.failure_limit.per_ip_per_minute == 10 &&
		   cfg->auth.failure_limit.per_user_per_minute == 5,
	   "auth.failure_limit is on by default: 10 per address, 5 per user");
	aig_config_free(cfg);
	cfg = parse_edit(at, "\"auth\": {\"failure_limit\": "
			     "{\"per_ip_per_minute\": 0, "
			     "\"per_user_per_minute\": 2}}, \"backend\":");
	ok(cfg != NULL && cfg->auth.failure_limit.per_ip_per_minute == 0 &&
		   cfg->auth.failure_limit.per_user_per_minute == 2,
	   "both given: 0 turns the address limit off");
	aig_config_free(cfg);
	cfg = parse_edit(at, "\"auth\": {\"failure_limit\": "
			     "{\"per_user_per_minute\": 0}}, \"backend\":");
	ok(cfg != NULL && cfg->auth.failure_limit.per_ip_per_minute == 10 &&
		   cfg->auth.failure_limit.per_user_per_minute == 0,
	   "one given: the other keeps its default");
	aig_config_free(cfg);
	cfg = parse_edit(at, "\"auth\": {\"failure_limit\": {}}, "
			     "\"backend\":");
	ok(cfg != NULL && cfg->auth.failure_limit.per_ip_per_minute == 10 &&
		   cfg->auth.failure_limit.per_user_per_minute == 5,
	   "an empty object: the defaults");
	aig_config_free(cfg);
	expect_error(at,
		     "\"auth\": {\"failure_limit\": {\"per_ip\": 3}}, "
		     "\"backend\":",
		     AIG_ERR_CONFIG,
		     "\"auth.failure_limit.per_ip\": unknown key");
	expect_error(at,
		     "\"auth\": {\"failure_limit\": "
		     "{\"per_user_per_minute\": -1}}, \"backend\":",
		     AIG_ERR_CONFIG,
		     "\"auth.failure_limit.per_user_per_minute\": must be "
		     "between 0 and 100000");
	expect_error(at,
		     "\"auth\": {\"failure_limit\": "
		     "{\"per_ip_per_minute\": \"10\"}}, \"backend\":",
		     AIG_ERR_CONFIG,
		     "\"auth.failure_limit.per_ip_per_minute\": must be an "
		     "integer");
	expect_error(at,
		     "\"auth\": {\"failure_limit\": "
		     "{\"per_ip_per_minute\": 1.5}}, \"backend\":",
		     AIG_ERR_CONFIG, "must be an integer");
	expect_error(at, "\"auth\": {\"failure_limit\": 10}, \"backend\":",
		     AIG_ERR_CONFIG,
		     "\"auth.failure_limit\": must be an object");
}

/* backend.identity: the signed identity's key, audience and lifetime. */
static void test_config_identity(void)
{
	static const char *const url = "\"url\": \"http://127.0.0.1:8000\"";
	char *text = edit(url, "\"url\": \"http://127.0.0.1:8000\", "
			       "\"identity\": {\"key_file\": "
			       "\"/etc/aigate/identity.key\", "
			       "\"audience\": \"langgraph\"}");
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};

	ok(aig_config_parse("t.json", text, strlen(text), &cfg, &err) ==
			   AIG_OK &&
		   strcmp(cfg->backend.identity.key_file,
			  "/etc/aigate/identity.key") == 0 &&
		   strcmp(cfg->backend.identity.audience, "langgraph") == 0 &&
		   cfg->backend.identity.ttl_s == 60,
	   "backend.identity: key_file, audience, ttl_s 60 by default");
	aig_config_free(cfg);
	free(text);
	expect_error(url,
		     "\"url\": \"http://x\", \"identity\": {\"key_file\": "
		     "\"/k\", \"audience\": \"a\", \"ttl_s\": 61}",
		     AIG_ERR_CONFIG,
		     "\"backend.identity.ttl_s\": must be between 1 and 60");
	expect_error(url,
		     "\"url\": \"http://x\", \"identity\": {\"key_file\": "
		     "\"k\", \"audience\": \"a\"}",
		     AIG_ERR_CONFIG, "must be an absolute path");
	expect_error(url,
		     "\"url\": \"http://x\", \"identity\": {\"key_file\": "
		     "\"/k\"}",
		     AIG_ERR_CONFIG, "missing required key \"audience\"");
	expect_error(url,
		     "\"url\": \"http://x\", \"identity\": {\"key_file\": "
		     "\"/k\", \"audience\": \"a\", \"alg\": \"HS256\"}",
		     AIG_ERR_CONFIG, "unknown key");
}

static void test_config_bad(void)
{
	/* unknown keys, with the key's own position */
	expect_error("\"policy_file\"", "\"polcy_file\"", AIG_ERR_CONFIG,
		     "t.json:12:3: \"polcy_file\": unknown key");
	expect_error("\"ca_file\"", "\"cafile\"", AIG_ERR_CONFIG,
		     "t.json:6:5: \"ldap.cafile\": unknown key");
	/* a key holding '/' and '~': its own position, and the key escaped
	 * as in a JSON Pointer (RFC 6901), not read as two levels */
	expect_error("\"ca_file\"", "\"a/b~c\": 1, \"ca_file\"", AIG_ERR_CONFIG,
		     "t.json:6:5: \"ldap.a~1b~0c\": unknown key");
	/* a key with an escape sequence and a quote: shown escaped, so that
	 * the message cannot drive a terminal or forge a log line */
	expect_error("\"ca_file\"", "\"x\\u001b[31m\\\"y\": 1, \"ca_file\"",
		     AIG_ERR_CONFIG, "\"ldap.x\\x1b[31m\\x22y\": unknown key");
	/* wrong types, at the value */
	expect_error("\"domain\": \"corp.example.com\"", "\"domain\": 7",
		     AIG_ERR_CONFIG,
		     "t.json:4:15: \"ldap.domain\": must be a string");
	expect_error("\"uri\": [\"ldaps://127.0.0.1\", ", "\"uri\": [1, ",
		     AIG_ERR_CONFIG,
		     "\"ldap.uri.0\": must be a non-empty string");
	expect_error("\"backend\": {\"url\": \"http://127.0.0.1:8000\"}",
		     "\"backend\": \"http://x\"", AIG_ERR_CONFIG,
		     "\"backend\": must be an object");
	expect_error("\"base_dn\": \"DC=corp,DC=example,DC=com\"",
		     "\"base_dn\": true", AIG_ERR_CONFIG,
		     "t.json:5:16: \"ldap.base_dn\": must be a string");
	expect_error(
		"\"ca_file\": \"/etc/aigate/ad-ca.pem\"",
		"\"ca_file\": \"/etc/aigate/ad-ca.pem\", \"starttls\": \"yes\"",
		AIG_ERR_CONFIG, "\"ldap.starttls\": must be true or false");
	/* missing required keys, at the enclosing object */
	expect_error("\"base_dn\": \"DC=corp,DC=example,DC=com\",", "",
		     AIG_ERR_CONFIG,
		     "t.json:2:11: \"ldap\": missing required key \"base_dn\"");
	expect_error("\"policy_file\": \"/etc/aigate/policy.json\"",
		     "\"state_dir\": \"/tmp\"", AIG_ERR_CONFIG,
		     "t.json:1:1: missing required key \"policy_file\"");
	expect_error("\"jwt\"", "\"x_jwt\"", AIG_ERR_CONFIG, "unknown key");
	expect_error("\"policy_file\"",
		     "\"state_key_file\": \"state.key\", \"policy_file\"",
		     AIG_ERR_CONFIG,
		     "\"state_key_file\": must be an absolute path");
	/* out of range and bad values */
	expect_error(
		"\"ca_file\": \"/etc/aigate/ad-ca.pem\"",
		"\"ca_file\": \"/etc/aigate/ad-ca.pem\", \"timeout_ms\": 0",
		AIG_ERR_CONFIG,
		"\"ldap.timeout_ms\": must be between 100 and 600000");
	expect_error("\"ca_file\": \"/etc/aigate/ad-ca.pem\"",
		     "\"ca_file\": \"/etc/aigate/ad-ca.pem\", \"timeout_ms\": "
		     "99999999999999999999",
		     AIG_ERR_SYNTAX, "too big integer");
	expect_error("\"ca_file\": \"/etc/aigate/ad-ca.pem\"",
		     "\"ca_file\": \"/etc/aigate/ad-ca.pem\", \"groups\": "
		     "\"nested\"",
		     AIG_ERR_CONFIG, "\"ldap.groups\": must be");
	expect_error("\"ldaps://127.0.0.1\"", "\"ldap://127.0.0.1\"",
		     AIG_ERR_CONFIG,
		     "ldap:// is allowed only with \"starttls\": true");
	expect_error("\"ldaps://127.0.0.1\"", "\"http://127.0.0.1\"",
		     AIG_ERR_CONFIG, "must start with ldaps://");
	expect_error("\"ca_file\": \"/etc/aigate/ad-ca.pem\"",
		     "\"ca_file\": \"ad-ca.pem\"", AIG_ERR_CONFIG,
		     "\"ldap.ca_file\": must be an absolute path");
	expect_error("\"uri\": [\"ldaps://127.0.0.1\", "
		     "\"ldaps://dc2.corp.example.com\"],",
		     "", AIG_ERR_CONFIG, "needs \"uri\" or \"dns_srv\"");
	expect_error("\"uri\": [\"ldaps://127.0.0.1\", "
		     "\"ldaps://dc2.corp.example.com\"]",
		     "\"uri\": []", AIG_ERR_CONFIG,
		     "must be an array of 1 to 64 strings");
	expect_error("\"audience\": [\"aigate\"],",
		     "\"audience\": [\"aigate\"], \"algorithms\": [\"none\"],",
		     AIG_ERR_CONFIG,
		     "\"jwt.algorithms.0\": \"none\" is not accepted");
	expect_error("\"audience\": [\"aigate\"],",
		     "\"audience\": [\"aigate\"], \"algorithms\": [\"RS256\", "
		     "\"HS256\"],",
		     AIG_ERR_CONFIG,
		     "\"jwt.algorithms.1\": \"HS256\" is not accepted");
	expect_error("\"audience\": [\"aigate\"],",
		     "\"audience\": [\"aigate\"], \"groups_from_ldap\": true,",
		     AIG_ERR_CONFIG,
		     "\"jwt.groups_from_ldap\": needs ldap.service_bind");
	expect_error("\"audience\": [\"aigate\"],", "", AIG_ERR_CONFIG,
		     "missing required key \"audience\"");
	expect_error("\"jwks_file\": \"/etc/aigate/jwks.json\"",
		     "\"jwks_file\": \"/etc/aigate/jwks.json\", \"jwks_uri\": "
		     "\"https://x/j\"",
		     AIG_ERR_CONFIG, "not both");
	expect_error("\"jwks_file\": \"/etc/aigate/jwks.json\"",
		     "\"jwks_uri\": \"http://idp.example/jwks\"",
		     AIG_ERR_CONFIG,
		     "\"jwt.jwks_uri\": must be an https:// URL");
	expect_error("\"url\": \"http://127.0.0.1:8000\"",
		     "\"url\": \"file:///etc/passwd\"", AIG_ERR_CONFIG,
		     "\"backend.url\": must be an http:// or https:// URL");
	expect_error(
		"\"backend\"",
		"\"auth\": {\"methods\": [\"basic\", \"basic\"]}, \"backend\"",
		AIG_ERR_CONFIG,
		"\"auth.methods.1\": \"basic\" is listed twice");
	expect_error("\"backend\"",
		     "\"auth\": {\"methods\": [\"ntlm\"]}, \"backend\"",
		     AIG_ERR_CONFIG, "\"auth.methods.0\": must be");
	expect_error("\"backend\"",
		     "\"ratelimit\": {\"store\": \"memcached\"}, \"backend\"",
		     AIG_ERR_CONFIG, "\"ratelimit.store\": must be");
	expect_error("\"backend\"", "\"audit\": {\"syslog\": 1}, \"backend\"",
		     AIG_ERR_CONFIG, "\"audit.syslog\": must be true or false");
	expect_error("\"backend\"",
		     "\"auth\": {\"require_https\": \"yes\"}, \"backend\"",
		     AIG_ERR_CONFIG,
		     "\"auth.require_https\": must be true or false");
	/* syntax: truncated, duplicated keys, invalid UTF-8, nonsense */
	expect_error("\n}\n", "\n", AIG_ERR_SYNTAX, "t.json:13:1:");
	expect_error("\"backend\"", "\"policy_file\": \"/x\", \"backend\"",
		     AIG_ERR_SYNTAX, "duplicate object key");
	expect_error("\"domain\": \"corp.example.com\"",
		     "\"domain\": \"corp.\xff\xfe.com\"", AIG_ERR_SYNTAX,
		     "t.json:4:");
	expect_error("\"corp.example.com\"", "\"corp\\u0000\"", AIG_ERR_SYNTAX,
		     "NUL");
	expect_error("{\n  \"ldap\"", "[{\n  \"ldap\"", AIG_ERR_SYNTAX,
		     "t.json:");
}

static void test_config_hostile(void)
{
	struct aig_error err;
	char *deep;
	size_t i, n = 100000;

	ok(parse("", &err) == AIG_ERR_SYNTAX, "empty text refused: %s",
	   err.msg);
	ok(parse("[]", &err) == AIG_ERR_CONFIG &&
		   strstr(err.msg,
			  "t.json:1:1: the top level must be an object"),
	   "an array is refused: %s", err.msg);
	ok(parse("{\"ldap\": {\"ldap\": {\"ldap\": []}}}", &err) ==
		   AIG_ERR_CONFIG,
	   "nested nonsense refused: %s", err.msg);
	deep = malloc(2 * n + 1);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[n + i] = ']';
	}
	deep[2 * n] = '\0';
	ok(parse(deep, &err) == AIG_ERR_SYNTAX,
	   "100,000 nested arrays refused: %s", err.msg);
	free(deep);
}

/* Checks the file at path (its stat, as the callers fstat what they
 * opened) against type, owner and secret; the message, or "" if trusted. */
static const char *trusted(const char *path, mode_t type, uid_t owner,
			   bool secret)
{
	static struct aig_error err;
	const struct aig_file_trust t = {type, owner, secret};
	struct stat st;

	aig_error_clear(&err);
	if (lstat(path, &st) != 0)
		abort();
	if (aig_file_trusted_st(&st, &t, path, &err) == AIG_OK)
		return "";
	return err.status == AIG_ERR_UNSAFE ? err.msg : "(not AIG_ERR_UNSAFE)";
}

/* The one "trusted file" check of the configuration, secrets, the PAM
 * module's group cache and aigate.cgi's extension module. */
static void test_file_trusted(void)
{
	struct passwd *nobody = getpwnam("nobody");
	uid_t me = geteuid();
	char dir[300], buf[400];
	const char *p, *m;

	p = write_file("trust", "x", 1, 0644);
	ok(*(m = trusted(p, S_IFREG, me, false)) == '\0', "0644, mine: %s", m);
	m = trusted(p, S_IFREG, me, true);
	ok(strstr(m, "secret readable by group or others (mode 0644)") != NULL,
	   "0644 is no secret: %s", m);
	chmod(p, 0600);
	ok(*(m = trusted(p, S_IFREG, me, true)) == '\0', "0600 secret: %s", m);
	chmod(p, 0620);
	m = trusted(p, S_IFREG, me, false);
	ok(strstr(m, "writable by group or others (mode 0620)") != NULL,
	   "group-writable refused: %s", m);
	chmod(p, 0602);
	m = trusted(p, S_IFREG, me, false);
	ok(strstr(m, "writable by group or others (mode 0602)") != NULL,
	   "world-writable refused: %s", m);
	chmod(p, 0644);
	m = trusted(p, S_IFDIR, me, false);
	ok(strstr(m, ": not a directory") != NULL, "a file is no directory: %s",
	   m);

	snprintf(dir, sizeof(dir), "%s/trustdir", tmpdir);
	if (mkdir(dir, 0755) != 0)
		abort();
	ok(*(m = trusted(dir, S_IFDIR, me, false)) == '\0',
	   "0755 directory: %s", m);
	m = trusted(dir, S_IFREG, me, false);
	ok(strstr(m, ": not a regular file") != NULL,
	   "a directory is no regular file: %s", m);
	chmod(dir, 01777);
	m = trusted(dir, S_IFDIR, me, false);
	ok(strstr(m, "writable by group or others (mode 1777)") != NULL,
	   "a sticky world-writable directory refused: %s", m);
	chmod(dir, 0755);

	/* the wrong owner: refused for me, accepted for that owner (the
	 * extension module is checked against the executable's owner) */
	if (me != 0 || nobody == NULL || chown(p, nobody->pw_uid, 0) != 0 ||
	    chown(dir, nobody->pw_uid, 0) != 0) {
		ok(1, "# SKIP the owner checks need root and user nobody");
		return;
	}
	snprintf(buf, sizeof(buf),
		 "%s: owned by uid %u, neither root nor uid 0", p,
		 (unsigned)nobody->pw_uid);
	m = trusted(p, S_IFREG, me, false);
	ok(strcmp(m, buf) == 0, "owned by nobody refused: %s", m);
	m = trusted(dir, S_IFDIR, me, false);
	ok(strstr(m, "neither root nor uid 0") != NULL,
	   "a directory owned by nobody refused: %s", m);
	ok(*(m = trusted(p, S_IFREG, nobody->pw_uid, false)) == '\0',
	   "owned by the owner asked for: %s", m);
	chmod(p, 0664);
	m = trusted(p, S_IFREG, nobody->pw_uid, false);
	ok(strstr(m, "writable by group or others") != NULL,
	   "that owner's group-writable file refused: %s", m);
	ok(*(m = trusted(p, S_IFREG, 12345, false)) != '\0',
	   "not owned by the owner asked for: %s", m);
	if (chown(p, 0, 0) != 0)
		abort();
	chmod(p, 0644);
	ok(*(m = trusted(p, S_IFREG, nobody->pw_uid, false)) == '\0',
	   "root's file is trusted for any owner: %s", m);
}

static void test_config_files(void)
{
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};
	char *big, path[300];
	size_t n = 10 * 1024 * 1024;
	const char *p;

	p = write_file("good.json", good_config, strlen(good_config), 0644);
	ok(aig_config_load(p, &cfg, &err) == AIG_OK && cfg != NULL &&
		   strstr(cfg->path, "good.json"),
	   "a 0644 file loads (%s)", err.msg);
	aig_config_free(cfg);

	p = write_file("ww.json", good_config, strlen(good_config), 0646);
	aig_error_clear(&err);
	ok(aig_config_load(p, &cfg, &err) == AIG_ERR_UNSAFE && cfg == NULL &&
		   strstr(err.msg, "writable by group or others"),
	   "world-writable refused: %s", err.msg);
	p = write_file("gw.json", good_config, strlen(good_config), 0664);
	aig_error_clear(&err);
	ok(aig_config_load(p, &cfg, &err) == AIG_ERR_UNSAFE,
	   "group-writable refused: %s", err.msg);

	snprintf(path, sizeof(path), "%s/link.json", tmpdir);
	if (symlink("good.json", path) != 0)
		abort();
	aig_error_clear(&err);
	ok(aig_config_load(path, &cfg, &err) == AIG_ERR_UNSAFE &&
		   strstr(err.msg, "symbolic link"),
	   "symlink refused: %s", err.msg);

	snprintf(path, sizeof(path), "%s/fifo.json", tmpdir);
	if (mkfifo(path, 0600) != 0)
		abort();
	aig_error_clear(&err);
	ok(aig_config_load(path, &cfg, &err) == AIG_ERR_UNSAFE &&
		   strstr(err.msg, "not a regular file"),
	   "FIFO refused without blocking: %s", err.msg);
	aig_error_clear(&err);
	ok(aig_config_load(tmpdir, &cfg, &err) == AIG_ERR_UNSAFE,
	   "directory refused: %s", err.msg);

	big = malloc(n);
	memset(big, ' ', n);
	memcpy(big, good_config, strlen(good_config));
	p = write_file("big.json", big, n, 0600);
	free(big);
	aig_error_clear(&err);
	ok(aig_config_load(p, &cfg, &err) == AIG_ERR_TOO_BIG &&
		   strstr(err.msg, "larger than 1048576 bytes"),
	   "10 MB file refused: %s", err.msg);

	snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
	aig_error_clear(&err);
	ok(aig_config_load(path, &cfg, &err) == AIG_ERR_IO &&
		   strstr(err.msg, "No such file"),
	   "missing file: %s", err.msg);

	p = write_file("trunc.json", good_config, 40, 0600);
	aig_error_clear(&err);
	ok(aig_config_load(p, &cfg, &err) == AIG_ERR_SYNTAX &&
		   strstr(err.msg, "trunc.json:"),
	   "truncated file: %s", err.msg);
}

static void test_secrets(void)
{
	struct aig_error err = {0};
	char *s = NULL;
	const char *p;

	p = write_file("s1", "s3cret\n", 7, 0600);
	ok(aig_secret_read(p, &s, &err) == AIG_OK && strcmp(s, "s3cret") == 0,
	   "0600 secret read, newline removed");
	aig_secret_free(s);
	p = write_file("s2", "s3cret", 6, 0640);
	aig_error_clear(&err);
	ok(aig_secret_read(p, &s, &err) == AIG_ERR_UNSAFE && s == NULL &&
		   strstr(err.msg, "readable by group or others"),
	   "group-readable secret refused: %s", err.msg);
	p = write_file("s3", "s3cret", 6, 0604);
	aig_error_clear(&err);
	ok(aig_secret_read(p, &s, &err) == AIG_ERR_UNSAFE,
	   "world-readable secret refused");
	p = write_file("s4", "\n", 1, 0400);
	aig_error_clear(&err);
	ok(aig_secret_read(p, &s, &err) == AIG_ERR_INVALID,
	   "empty secret refused");
	p = write_file("s5", "a\0b", 3, 0400);
	aig_error_clear(&err);
	ok(aig_secret_read(p, &s, &err) == AIG_ERR_INVALID,
	   "secret with a NUL refused");
	aig_secret_free(NULL);
}

/* The state key: a secret file of 32 to 1024 raw bytes, NULs and
 * newlines included; MACs that bind every part and its boundaries. */
static void test_state_key(void)
{
	static const char raw[35] = "\0\n\x01\x02\x03\x04\x05\x06\x07\x08"
				    "\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
				    "abcdefghijklmnop";
	struct aig_state_key *k = NULL, *k2 = NULL;
	struct aig_error err = {0};
	unsigned char m1[AIG_STATE_MAC_LEN], m2[AIG_STATE_MAC_LEN];
	unsigned char want[AIG_STATE_MAC_LEN];
	static const char framed[] = "\0\0\0\0\0\0\0\x02"
				     "ab"
				     "\0\0\0\0\0\0\0\x01"
				     "c";
	char hex[2 * AIG_STATE_MAC_LEN + 1];
	struct aig_mac_part ab_c[2] = {{"ab", 2}, {"c", 1}};
	struct aig_mac_part a_bc[2] = {{"a", 1}, {"bc", 2}};
	const char *p;

	p = write_file("k1", raw, 32, 0600);
	ok(aig_state_key_load(p, &k, &err) == AIG_OK && k != NULL,
	   "state key: 32 raw bytes with NUL and newline, 0600 (%s)", err.msg);
	p = write_file("k2", raw, 32, 0644);
	aig_error_clear(&err);
	ok(aig_state_key_load(p, &k2, &err) == AIG_ERR_UNSAFE && k2 == NULL,
	   "state key readable by others refused: %s", err.msg);
	p = write_file("k3", raw, 31, 0400);
	aig_error_clear(&err);
	ok(aig_state_key_load(p, &k2, &err) == AIG_ERR_INVALID && k2 == NULL,
	   "state key of 31 bytes refused: %s", err.msg);
	aig_error_clear(&err);
	ok(aig_state_key_load("/nonexistent/state.key", &k2, &err) ==
			   AIG_ERR_IO &&
		   k2 == NULL,
	   "missing state key: %s", err.msg);
	p = write_file("k4", raw + 1, 32, 0400);
	ok(aig_state_key_load(p, &k2, NULL) == AIG_OK, "another key");
	if (k == NULL || k2 == NULL)
		goto out;
	/* known answer: HMAC-SHA256 of the framed parts, twice (the keyed
	 * context is copied for each MAC, never used up) */
	HMAC(EVP_sha256(), raw, 32, framed, sizeof(framed) - 1, want, NULL);
	ok(aig_state_mac(k, ab_c, 2, m1, NULL) == AIG_OK &&
		   memcmp(m1, want, sizeof(want)) == 0 &&
		   aig_state_mac(k, ab_c, 2, m2, NULL) == AIG_OK &&
		   memcmp(m2, want, sizeof(want)) == 0,
	   "MAC: HMAC-SHA256 over the length-prefixed parts, every time");
	aig_state_mac(k, a_bc, 2, m2, NULL);
	ok(memcmp(m1, m2, sizeof(m1)) != 0,
	   "MAC: part boundaries count (\"ab\",\"c\" vs \"a\",\"bc\")");
	ok(aig_state_mac_ok(k, ab_c, 2, m1) &&
		   !aig_state_mac_ok(k2, ab_c, 2, m1),
	   "MAC: verifies under its key only");
	m1[31] ^= 1;
	ok(!aig_state_mac_ok(k, ab_c, 2, m1), "MAC: one bit off refused");
	aig_state_mac_hex(k, ab_c, 2, hex, NULL);
	ok(strlen(hex) == 64 && aig_state_mac_hex_ok(k, ab_c, 2, hex, 64) &&
		   !aig_state_mac_hex_ok(k, ab_c, 2, hex, 63) &&
		   !aig_state_mac_hex_ok(k, a_bc, 2, hex, 64),
	   "MAC in hex: verifies, and only for its parts and length");
	aig_state_key_free(k2);
	k2 = NULL;
	ok(aig_state_key_random(&k2, &err) == AIG_OK && k2 != NULL &&
		   aig_state_mac(k2, ab_c, 2, m1, NULL) == AIG_OK &&
		   aig_state_mac_ok(k2, ab_c, 2, m1) &&
		   !aig_state_mac_ok(k, ab_c, 2, m1),
	   "random key: its MACs verify under it, not under another key");
out:
	aig_state_key_free(k);
	aig_state_key_free(k2);
	aig_state_key_free(NULL);
}

static void test_groups(void)
{
	char n0[] = "AI_Users", n1[] = "Smith, John's 100% team",
	     n2[] = "tab\there";
	char *names[] = {n0, n1, n2};
	struct aig_strv g = {names, 3}, back = {NULL, 0};
	struct aig_error err = {0};
	char *s = aig_groups_join(&g);
	static const char *const bad[] = {",a",	  "a,",	   "a,,b", "a%2",
					  "a%zz", "a%00b", NULL};
	size_t i;

	ok(s && strcmp(s, "AI_Users,Smith%2C John's 100%25 team,"
			  "tab%09here") == 0,
	   "groups joined, comma, percent and controls escaped: %s", s);
	ok(aig_groups_split(s, &back, &err) == AIG_OK && back.n == 3 &&
		   strcmp(back.v[1], names[1]) == 0 &&
		   strcmp(back.v[2], names[2]) == 0,
	   "and split back unchanged");
	aig_strv_free(&back);
	free(s);
	ok(aig_groups_split("", &back, &err) == AIG_OK && back.n == 0,
	   "empty string: no groups");
	for (i = 0; bad[i] != NULL; i++) {
		aig_error_clear(&err);
		ok(aig_groups_split(bad[i], &back, &err) == AIG_ERR_INVALID &&
			   back.n == 0 && back.v == NULL,
		   "malformed group list \"%s\" refused", bad[i]);
	}
}

static bool b64(const char *in, bool url, const char *want, size_t wlen)
{
	unsigned char out[64];
	size_t n = 0;

	if (!aig_base64_decode(in, strlen(in), url, out, sizeof(out), &n))
		return want == NULL;
	return want != NULL && n == wlen && memcmp(out, want, n) == 0;
}

static void test_base64(void)
{
	ok(b64("Zm9v", false, "foo", 3) && b64("Zm9v", true, "foo", 3),
	   "base64 and base64url of a whole group");
	ok(b64("Zm8=", false, "fo", 2) && b64("Zm8=", true, NULL, 0),
	   "padding: required by base64, refused by base64url");
	ok(b64("Zm8", true, "fo", 2) && b64("Zm8", false, NULL, 0),
	   "no padding: base64url only");
	ok(b64("+/8=", false, "\xfb\xff", 2) &&
		   b64("-_8", true, "\xfb\xff", 2) &&
		   b64("-_8=", false, NULL, 0) && b64("+/8", true, NULL, 0),
	   "each alphabet's own two characters only");
	ok(b64("Zm9=", false, NULL, 0) && b64("Zm9", true, NULL, 0),
	   "non-zero unused bits refused");
	ok(b64("Zm 9v", false, NULL, 0) && b64("Zm9v\n", false, NULL, 0) &&
		   b64("Z===", false, NULL, 0) && b64("====", false, NULL, 0) &&
		   b64("Zg=a", false, NULL, 0) && b64("", false, NULL, 0) &&
		   b64("Z", true, NULL, 0),
	   "whitespace, misplaced padding and impossible lengths refused");
}

/* The audit time stamp, made without gmtime_r(3), against gmtime_r and
 * strftime at the calendar's edges and over a sweep of the years. */
static void test_rfc3339_time(void)
{
	static const int64_t edges[] = {
		0,	    -1,		59,	     86399,	  86400,
		951782400,  951868799,	951868800,   4107542400,  4107456000,
		1798761599, 1798761600, -2208988800, 253402300799};
	char got[40], want[40], base[24];
	struct tm tm;
	int64_t t;
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]) + 4000; i++) {
		time_t tt;

		t = i < sizeof(edges) / sizeof(edges[0])
			    ? edges[i]
			    : (int64_t)(i * 2654435761u % 253402300800u) -
				      2208988800;
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want, sizeof(want), "%s.042Z", base);
		aig_time_rfc3339_at(t, 42, got, sizeof(got));
		if (strcmp(got, want) != 0 && bad++ < 5)
			printf("# %lld: %s, gmtime_r says %s\n", (long long)t,
			       got, want);
	}
	ok(bad == 0, "RFC 3339 stamps equal gmtime_r's (%d differ), 1900-9999",
	   bad);
	aig_time_rfc3339_at(951825600, 7, got, sizeof(got));
	ok(strcmp(got, "2000-02-29T12:00:00.007Z") == 0, "a leap day: %s", got);
	aig_time_rfc3339_at(253402300800, 999, got, sizeof(got));
	ok(strcmp(got, "10000-01-01T00:00:00.999Z") == 0,
	   "past 9999 (formatted the slow way): %s", got);
	aig_time_rfc3339_at(0, 0, base, 10);
	ok(strcmp(base, "1970-01-0") == 0, "cut to a short buffer: %s", base);
}

int main(void)
{
	aig_test_tmpdir(tmpdir);
	test_errors();
	test_escape();
	test_escape_unicode_controls();
	test_quote();
	test_utf8_clean();
	test_request_id();
	test_digits();
	test_locate();
	test_jr_join();
	test_jw_as_jansson();
	test_jw();
	test_config_good();
	test_config_service_bind();
	test_config_failure_limit();
	test_config_basic_cache();
	test_config_identity();
	test_config_bad();
	test_config_hostile();
	test_config_files();
	test_file_trusted();
	test_secrets();
	test_state_key();
	test_groups();
	test_base64();
	test_rfc3339_time();
	return tap_done();
}
