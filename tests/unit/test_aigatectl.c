/* SPDX-License-Identifier: Apache-2.0 */
/* test_aigatectl.c - aigatectl's pure parts: RFC 3339 and --since parsing,
 * audit counts, terminal-safe text, JSON strings from invalid UTF-8. The
 * subcommands themselves are tested through the binary against the test
 * bed (tests/integration/aigatectl.sh). */
#include "config.h"

#include <string.h>

#include "ctl.h"
#include "aig_test.h"

static void test_rfc3339(void)
{
	long long ms = -1;

	ok(ctl_rfc3339_parse("1970-01-01T00:00:00Z", &ms) && ms == 0,
	   "the epoch");
	ok(ctl_rfc3339_parse("2026-11-25T18:33:30.123Z", &ms) &&
		   ms == 1795631610123LL,
	   "the audit record's ts, with milliseconds (%lld)", ms);
	ok(ctl_rfc3339_parse("2026-11-25T19:33:30.123+01:00", &ms) &&
		   ms == 1795631610123LL,
	   "an offset east of UTC");
	ok(ctl_rfc3339_parse("2026-11-25t18:03:30.1234567-00:30", &ms) &&
		   ms == 1795631610123LL,
	   "lower-case t, a negative offset, more digits than milliseconds");
	ok(ctl_rfc3339_parse("2024-02-29 00:00:00z", &ms),
	   "a leap day, a space for T");
	ok(!ctl_rfc3339_parse("2023-02-29T00:00:00Z", &ms),
	   "no 29 February in 2023");
	ok(!ctl_rfc3339_parse("2026-11-25T18:33:30", &ms),
	   "an offset is needed");
	ok(!ctl_rfc3339_parse("2026-11-25T24:00:00Z", &ms), "hour 24 refused");
	ok(!ctl_rfc3339_parse("2026-13-01T00:00:00Z", &ms), "month 13 refused");
	ok(!ctl_rfc3339_parse("2026-11-25T18:33:30.Z", &ms),
	   "a dot without digits refused");
	ok(!ctl_rfc3339_parse("2026-11-25T18:33:30Zjunk", &ms),
	   "trailing text refused");
	ok(!ctl_rfc3339_parse(NULL, &ms), "NULL refused");
}

static void test_since(void)
{
	const long long now = 1795631610123LL;
	long long ms = 0;

	ok(ctl_since_parse("1h", now, &ms) && ms == now - 3600000LL, "1h");
	ok(ctl_since_parse("30m", now, &ms) && ms == now - 1800000LL, "30m");
	ok(ctl_since_parse("90s", now, &ms) && ms == now - 90000LL, "90s");
	ok(ctl_since_parse("7d", now, &ms) && ms == now - 7 * 86400000LL, "7d");
	ok(ctl_since_parse("2w", now, &ms) && ms == now - 14 * 86400000LL,
	   "2w");
	ok(ctl_since_parse("1970-01-02", now, &ms) && ms == 86400000LL,
	   "a date alone is UTC midnight");
	ok(ctl_since_parse("2026-11-25T18:33:30.123Z", now, &ms) && ms == now,
	   "an RFC 3339 time");
	ok(!ctl_since_parse("h", now, &ms), "a unit without a number");
	ok(!ctl_since_parse("1y", now, &ms), "an unknown unit");
	ok(!ctl_since_parse("1hh", now, &ms), "two units");
	ok(!ctl_since_parse("-1h", now, &ms), "a negative duration");
	ok(!ctl_since_parse("9999999999h", now, &ms), "too many digits");
	ok(!ctl_since_parse("", now, &ms), "empty");
}

static const char *audit_lines[] = {
	"{\"ts\":\"2026-11-25T18:00:00.000Z\",\"user\":\"bob\",\"rule\":"
	"\"inference\",\"decision\":\"allow\",\"reason\":\"\",\"status\":200}",
	"{\"ts\":\"2026-11-25T18:01:00.000Z\",\"user\":\"bob\",\"rule\":"
	"\"inference\",\"decision\":\"deny\",\"reason\":\"rate limited\","
	"\"status\":429}\n",
	"{\"ts\":\"2026-11-25T18:02:00.000Z\",\"user\":null,\"rule\":null,"
	"\"decision\":\"deny\",\"reason\":\"no credentials\",\"status\":401}",
	"{\"ts\":\"2026-11-25T17:00:00.000Z\",\"user\":\"old\",\"rule\":null,"
	"\"decision\":\"deny\",\"reason\":\"no rule matched\",\"status\":403}",
	"{\"ts\":\"2026-11-25T18:03:00.000Z\",\"event\":\"session_open\"}",
	"{\"decision\":\"allow\",\"user\":\"undated\",\"status\":200}",
	"{\"a\":1,\"a\":2}", /* duplicate keys: unreadable */
	"not json",
	"",
};

static json_int_t get_int(json_t *r, const char *obj, const char *key)
{
	return json_integer_value(
		json_object_get(json_object_get(r, obj), key));
}

static void test_audit(void)
{
	struct ctl_audit *a = ctl_audit_new(0);
	json_t *r;
	size_t i;
	long long since = 0;

	for (i = 0; i < sizeof(audit_lines) / sizeof(audit_lines[0]); i++)
		ctl_audit_line(a, audit_lines[i], strlen(audit_lines[i]));
	r = ctl_audit_result(a, 2);
	ok(json_integer_value(json_object_get(r, "requests")) == 5,
	   "five requests");
	ok(json_integer_value(json_object_get(r, "unreadable_lines")) == 2,
	   "two unreadable lines; the empty one is not counted");
	ok(get_int(r, "decisions", "deny") == 3 &&
		   get_int(r, "decisions", "allow") == 2,
	   "decisions");
	ok(get_int(r, "statuses", "200") == 2 &&
		   get_int(r, "statuses", "429") == 1,
	   "statuses");
	ok(get_int(r, "rules", "inference") == 2 &&
		   get_int(r, "rules", "-") == 3,
	   "rules; no rule is \"-\"");
	ok(get_int(r, "denials_by_reason", "rate limited") == 1 &&
		   get_int(r, "denials_by_reason", "no rule matched") == 1,
	   "denials by reason");
	ok(get_int(r, "events", "session_open") == 1, "PAM session events");
	ok(json_array_size(json_object_get(r, "top_users")) == 2 &&
		   strcmp(json_string_value(json_object_get(
				  json_array_get(
					  json_object_get(r, "top_users"), 0),
				  "user")),
			  "bob") == 0,
	   "top users: limited, bob first");
	ok(strcmp(json_string_value(json_object_get(r, "first")),
		  "2026-11-25T17:00:00.000Z") == 0 &&
		   strcmp(json_string_value(json_object_get(r, "last")),
			  "2026-11-25T18:03:00.000Z") == 0,
	   "first and last");
	json_decref(r);
	ctl_audit_free(a);

	ctl_rfc3339_parse("2026-11-25T18:00:00Z", &since);
	a = ctl_audit_new(since);
	for (i = 0; i < sizeof(audit_lines) / sizeof(audit_lines[0]); i++)
		ctl_audit_line(a, audit_lines[i], strlen(audit_lines[i]));
	r = ctl_audit_result(a, 10);
	ok(json_integer_value(json_object_get(r, "requests")) == 3,
	   "--since: the old and the undated requests left out");
	ok(json_integer_value(json_object_get(r, "undated")) == 1,
	   "... the undated one counted as such");
	json_decref(r);
	ctl_audit_free(a);
}

static void test_text(void)
{
	char *s;
	json_t *j;

	s = ctl_term_safe("a\x1b[31mb", 7);
	ok(strcmp(s, "a\\x1b[31mb") == 0, "ESC escaped (%s)", s);
	free(s);
	s = ctl_term_safe("Smith\\, John \xc3\xa9", 15);
	ok(strcmp(s, "Smith\\, John \xc3\xa9") == 0,
	   "backslashes and UTF-8 kept");
	free(s);
	s = ctl_term_safe("x\xc2\x9by\xff", 5);
	ok(strcmp(s, "x\\xc2\\x9by\\xff") == 0,
	   "a C1 control and invalid UTF-8 escaped (%s)", s);
	free(s);
	j = ctl_jstr("bad\xff");
	ok(j != NULL && strcmp(json_string_value(j), "bad\\xff") == 0,
	   "invalid UTF-8 still makes a JSON string");
	json_decref(j);
}

int main(void)
{
	test_rfc3339();
	test_since();
	test_audit();
	test_text();
	return tap_done();
}
