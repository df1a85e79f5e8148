/* SPDX-License-Identifier: Apache-2.0 */
/* audit.c - `aigatectl audit summary`: counts over the audit file's JSON
 * lines (aigate.cgi(8), AUDIT RECORD) by decision, status, rule, user and
 * denial reason. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

#define LINE_MAX_BYTES (1024 * 1024) /* longer lines are unreadable */
#define TOP_USERS 10

/* ---------------------------------------------------------------- times */

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's
 * days_from_civil), without timegm(3) and the TZ it may consult. */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool date_part(const char **p, int *y, int *mo, int *d)
{
	return digits(p, 4, y) && *(*p)++ == '-' && digits(p, 2, mo) &&
	       *(*p)++ == '-' && digits(p, 2, d) && *mo >= 1 && *mo <= 12 &&
	       *d >= 1 && *d <= month_days(*y, *mo);
}

bool ctl_rfc3339_parse(const char *s, long long *ms)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, frac = 0, scale = 100;
	long long off = 0;

	if (s == NULL || !date_part(&p, &y, &mo, &d) ||
	    (*p != 'T' && *p != 't' && *p != ' '))
		return false;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
	    *p++ != ':' || !digits(&p, 2, &sec) || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;

		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return false;
		off = sign * (oh * 3600LL + om * 60LL);
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	*ms = ((days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL +
		sec) -
	       off) * 1000LL +
	      frac;
	return true;
}

bool ctl_since_parse(const char *s, long long now_ms, long long *ms)
{
	static const struct {
		char unit;
		long long ms;
	} units[] = {{'s', 1000LL},
		     {'m', 60000LL},
		     {'h', 3600000LL},
		     {'d', 86400000LL},
		     {'w', 604800000LL}};
	const char *p = s;
	long long n = 0;
	size_t i, nd = 0;
	int y, mo, d;

	if (s == NULL)
		return false;
	if (ctl_rfc3339_parse(s, ms))
		return true;
	if (date_part(&p, &y, &mo, &d) && *p == '\0') {
		*ms = days_from_civil(y, mo, d) * 86400000LL; /* UTC midnight */
		return true;
	}
	for (p = s; *p >= '0' && *p <= '9' && nd < 9; p++, nd++)
		n = n * 10 + (*p - '0');
	if (nd == 0 || p[0] == '\0' || p[1] != '\0')
		return false;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*p == units[i].unit) {
			*ms = now_ms - n * units[i].ms;
			return true;
		}
	return false;
}

/* --------------------------------------------------------------- counts */

struct ctl_audit {
	long long since_ms;
	json_int_t requests, unreadable, undated;
	long long first_ms, last_ms;
	json_t *first, *last; /* the ts strings */
	json_t *events;	      /* event name -> count (PAM sessions) */
	json_t *decisions, *statuses, *rules, *reasons;
	json_t *users; /* user -> [requests, allowed, denied] */
};

struct ctl_audit *ctl_audit_new(long long since_ms)
{
	struct ctl_audit *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->since_ms = since_ms;
	a->events = json_object();
	a->decisions = json_object();
	a->statuses = json_object();
	a->rules = json_object();
	a->reasons = json_object();
	a->users = json_object();
	if (!a->events || !a->decisions || !a->statuses || !a->rules ||
	    !a->reasons || !a->users) {
		ctl_audit_free(a);
		return NULL;
	}
	return a;
}

void ctl_audit_free(struct ctl_audit *a)
{
	if (a == NULL)
		return;
	json_decref(a->first);
	json_decref(a->last);
	json_decref(a->events);
	json_decref(a->decisions);
	json_decref(a->statuses);
	json_decref(a->rules);
	json_decref(a->reasons);
	json_decref(a->users);
	free(a);
}

static void incr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	json_object_set_new(obj, key,
			    json_integer(v ? json_integer_value(v) + 1 : 1));
}

static void count_user(struct ctl_audit *a, const char *user, bool allowed)
{
	json_t *v = json_object_get(a->users, user);

	if (v == NULL) {
		v = json_pack("[i,i,i]", 0, 0, 0);
		if (v == NULL || json_object_set_new(a->users, user, v) != 0)
			return;
	}
	json_array_set_new(
		v, 0,
		json_integer(json_integer_value(json_array_get(v, 0)) + 1));
	json_array_set_new(v, allowed ? 1 : 2,
			   json_integer(json_integer_value(json_array_get(
						v, allowed ? 1 : 2)) +
					1));
}

/* Keeps the earliest and the latest ts seen. */
static void span(struct ctl_audit *a, json_t *ts, long long ms)
{
	if (a->first == NULL || ms < a->first_ms) {
		json_decref(a->first);
		a->first = json_incref(ts);
		a->first_ms = ms;
	}
	if (a->last == NULL || ms > a->last_ms) {
		json_decref(a->last);
		a->last = json_incref(ts);
		a->last_ms = ms;
	}
}

static void count_request(struct ctl_audit *a, json_t *rec, const char *dec)
{
	json_t *st = json_object_get(rec, "status");
	const char *rule = json_string_value(json_object_get(rec, "rule"));
	const char *user = json_string_value(json_object_get(rec, "user"));
	const char *reason = json_string_value(json_object_get(rec, "reason"));
	bool allowed = strcmp(dec, "allow") == 0;
	char status[32];

	a->requests++;
	incr(a->decisions, dec);
	if (json_is_integer(st))
		snprintf(status, sizeof(status), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(st));
	else
		snprintf(status, sizeof(status), "-");
	incr(a->statuses, status);
	incr(a->rules, rule && *rule ? rule : "-");
	count_user(a, user && *user ? user : "-", allowed);
	if (!allowed)
		incr(a->reasons, reason && *reason ? reason : "-");
}

void ctl_audit_line(struct ctl_audit *a, const char *line, size_t len)
{
	json_t *rec, *ts;
	const char *dec, *event;
	long long ms = 0;
	bool dated;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return;
	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(rec)) {
		a->unreadable++;
		goto out;
	}
	ts = json_object_get(rec, "ts");
	dated = ctl_rfc3339_parse(json_string_value(ts), &ms);
	if (a->since_ms != 0 && !dated) {
		a->undated++;
		goto out;
	}
	if (a->since_ms != 0 && ms < a->since_ms)
		goto out;
	dec = json_string_value(json_object_get(rec, "decision"));
	event = json_string_value(json_object_get(rec, "event"));
	if (dec != NULL)
		count_request(a, rec, dec);
	else if (event != NULL)
		incr(a->events, event);
	else {
		a->unreadable++;
		goto out;
	}
	if (dated)
		span(a, ts, ms);
out:
	json_decref(rec);
}

/* ------------------------------------------------------------- results */

struct kv {
	const char *key;
	json_int_t n;
	json_t *extra;
};

static int kv_cmp(const void *x, const void *y)
{
	const struct kv *a = x, *b = y;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* The members of obj sorted by count, largest first; n of them. Caller
 * frees the array (the keys are borrowed from obj). */
static struct kv *sorted(json_t *obj, size_t *n)
{
	struct kv *v = calloc(json_object_size(obj) + 1, sizeof(*v));
	const char *key;
	json_t *val;
	size_t i = 0;

	*n = 0;
	if (v == NULL)
		return NULL;
	json_object_foreach (obj, key, val) {
		v[i].key = key;
		v[i].extra = val;
		v[i].n = json_is_array(val)
				 ? json_integer_value(json_array_get(val, 0))
				 : json_integer_value(val);
		i++;
	}
	qsort(v, i, sizeof(*v), kv_cmp);
	*n = i;
	return v;
}

static json_t *sorted_object(json_t *obj)
{
	json_t *out = json_object();
	size_t n, i;
	struct kv *v = sorted(obj, &n);

	for (i = 0; out != NULL && v != NULL && i < n; i++)
		json_object_set_new(out, v[i].key, json_integer(v[i].n));
	free(v);
	if (v == NULL) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static json_t *ctl_audit_result_base(const struct ctl_audit *a, size_t top_n);

static json_t *top_users(json_t *users, size_t top_n)
{
	json_t *out = json_array();
	size_t n, i;
	struct kv *v = sorted(users, &n);

	for (i = 0; out != NULL && v != NULL && i < n && i < top_n; i++)
		json_array_append_new(
			out, json_pack("{s:s, s:I, s:I, s:I}", "user", v[i].key,
				       "requests", v[i].n, "allowed",
				       json_integer_value(
					       json_array_get(v[i].extra, 1)),
				       "denied",
				       json_integer_value(
					       json_array_get(v[i].extra, 2))));
	free(v);
	if (v == NULL) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The users with denials, most denied first (ties: most requests, then
 * name), at most top_n. */
static json_t *top_denied(json_t *users, size_t top_n)
{
	json_t *out = json_array();
	size_t n, i, k = 0;
	struct kv *v = sorted(users, &n);

	for (i = 0; v != NULL && i < n; i++) /* by denials now */
		v[i].n = json_integer_value(json_array_get(v[i].extra, 2));
	if (v != NULL)
		qsort(v, n, sizeof(*v), kv_cmp);
	for (i = 0; out != NULL && v != NULL && i < n && k < top_n; i++) {
		if (v[i].n == 0)
			break;
		json_array_append_new(
			out, json_pack("{s:s, s:I, s:I, s:I}", "user", v[i].key,
				       "requests",
				       json_integer_value(
					       json_array_get(v[i].extra, 0)),
				       "allowed",
				       json_integer_value(
					       json_array_get(v[i].extra, 1)),
				       "denied", v[i].n));
		k++;
	}
	free(v);
	if (v == NULL) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *ctl_audit_result(const struct ctl_audit *a, size_t top_n)
{
	json_t *r = ctl_audit_result_base(a, top_n);

	if (r != NULL)
		json_object_set_new(r, "top_users_by_denials",
				    top_denied(a->users, top_n));
	return r;
}

static json_t *ctl_audit_result_base(const struct ctl_audit *a, size_t top_n)
{
	return json_pack(
		"{s:I, s:o, s:I, s:I, s:O?, s:O?, s:o, s:o, s:o, s:o, s:o}",
		"requests", a->requests, "events", sorted_object(a->events),
		"unreadable_lines", a->unreadable, "undated", a->undated,
		"first", a->first, "last", a->last, "decisions",
		sorted_object(a->decisions), "statuses",
		sorted_object(a->statuses), "rules", sorted_object(a->rules),
		"top_users", top_users(a->users, top_n), "denials_by_reason",
		sorted_object(a->reasons));
}

/* ----------------------------------------------------------- the command */

/* Opens the audit file for reading: a regular file, no symbolic link. */
static FILE *open_audit(const struct ctl *c, const char *path, int *code)
{
	char esc[256];
	struct stat st;
	FILE *f;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
				    O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*code = ctl_fail(c, CTL_EXIT_REFUSED, "%s: %s",
				 ctl_esc(esc, sizeof(esc), path),
				 fd < 0 ? strerror(errno)
					: "not a regular file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		*code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
		close(fd);
	}
	return f;
}

static void print_counts(const char *title, json_t *obj)
{
	const char *hdr[] = {title, "COUNT"};
	struct ctl_table *t = ctl_table_new(2, hdr);
	const char *key;
	json_t *v;
	char n[32];

	if (t == NULL)
		return;
	json_object_foreach (obj, key, v) {
		const char *row[2] = {key, n};

		snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		ctl_table_add(t, row);
	}
	putchar('\n');
	ctl_table_print(t, stdout);
	ctl_table_free(t);
}

static void print_users(json_t *users)
{
	const char *hdr[] = {"USER", "REQUESTS", "ALLOWED", "DENIED"};
	struct ctl_table *t = ctl_table_new(4, hdr);
	size_t i;
	json_t *u;

	if (t == NULL)
		return;
	json_array_foreach (users, i, u) {
		char r[32], al[32], de[32];
		const char *row[4] = {
			json_string_value(json_object_get(u, "user")), r, al,
			de};

		snprintf(r, sizeof(r), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(u, "requests")));
		snprintf(al, sizeof(al), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(u, "allowed")));
		snprintf(de, sizeof(de), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(u, "denied")));
		ctl_table_add(t, row);
	}
	putchar('\n');
	ctl_table_print(t, stdout);
	ctl_table_free(t);
}

static void print_summary(const json_t *r)
{
	char line[128];

	ctl_field("file", json_string_value(json_object_get(r, "file")));
	ctl_field("since", json_string_value(json_object_get(r, "since")));
	snprintf(line, sizeof(line),
		 "%" JSON_INTEGER_FORMAT " requests, %" JSON_INTEGER_FORMAT
		 " unreadable lines",
		 json_integer_value(json_object_get(r, "requests")),
		 json_integer_value(json_object_get(r, "unreadable_lines")));
	ctl_field("records", line);
	ctl_field("first", json_string_value(json_object_get(r, "first")));
	ctl_field("last", json_string_value(json_object_get(r, "last")));
	print_counts("DECISION", json_object_get(r, "decisions"));
	print_counts("STATUS", json_object_get(r, "statuses"));
	print_counts("RULE", json_object_get(r, "rules"));
	print_users(json_object_get(r, "top_users"));
	if (json_object_size(json_object_get(r, "denials_by_reason")) > 0)
		print_counts("DENIAL REASON",
			     json_object_get(r, "denials_by_reason"));
	if (json_object_size(json_object_get(r, "events")) > 0)
		print_counts("EVENT", json_object_get(r, "events"));
}

/* --top-users: the summary cut to its two lists of callers (and what
 * it covers); takes r's reference. */
static json_t *top_only(json_t *r)
{
	static const char *const keep[] = {"requests",
					   "first",
					   "last",
					   "file",
					   "since",
					   "top_users",
					   "top_users_by_denials"};
	json_t *out = json_object();
	size_t i;

	for (i = 0; out != NULL && i < sizeof(keep) / sizeof(keep[0]); i++) {
		json_t *v = json_object_get(r, keep[i]);

		json_object_set(out, keep[i], v != NULL ? v : json_null());
	}
	json_decref(r);
	return out;
}

static void print_top(const json_t *r)
{
	ctl_field("file", json_string_value(json_object_get(r, "file")));
	ctl_field("since", json_string_value(json_object_get(r, "since")));
	printf("\nBY VOLUME");
	print_users(json_object_get(r, "top_users"));
	printf("\nBY DENIALS");
	print_users(json_object_get(r, "top_users_by_denials"));
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int ctl_cmd_audit(struct ctl *c)
{
	const char *path = c->cfg->audit.file;
	struct ctl_audit *a = NULL;
	json_t *r = NULL;
	long long since = 0;
	char *line = NULL, esc[128], ts[40];
	size_t cap = 0;
	ssize_t n;
	FILE *f = NULL;
	int code = CTL_EXIT_OK;

	if (strcmp(c->args[0], "summary") != 0)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"unknown action \"%s\" (summary)",
				ctl_esc(esc, sizeof(esc), c->args[0]));
	if (c->since != NULL && !ctl_since_parse(c->since, now_ms(), &since))
		return ctl_fail(c, CTL_EXIT_USAGE,
				"--since \"%s\": not an RFC 3339 time nor a "
				"duration such as 30m, 1h, 7d",
				ctl_esc(esc, sizeof(esc), c->since));
	if (path == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED,
				"no audit.file configured");
	if ((f = open_audit(c, path, &code)) == NULL)
		return code;
	if ((a = ctl_audit_new(since)) == NULL) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
		goto out;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > LINE_MAX_BYTES)
			a->unreadable++;
		else
			ctl_audit_line(a, line, (size_t)n);
	}
	r = ctl_audit_result(a, TOP_USERS);
	if (r != NULL && since != 0) {
		time_t t = (time_t)(since / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if (r == NULL || json_object_set_new(r, "file", ctl_jstr(path)) ||
	    json_object_set_new(r, "since",
				since ? json_string(ts) : json_null())) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
		goto out;
	}
	if (c->top_users) /* only the callers, by volume and by denials */
		r = top_only(r);
	if (r == NULL)
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
	else if (c->json)
		ctl_json_print(r);
	else if (c->top_users)
		print_top(r);
	else
		print_summary(r);
out:
	free(line);
	json_decref(r);
	ctl_audit_free(a);
	if (f != NULL)
		fclose(f);
	return code;
}
