/* SPDX-License-Identifier: Apache-2.0 */
/* langgraph.c - LangGraph Server threads, runs and store kept per user at
 * the gate (aigate-policy.json(5), LANGGRAPH; aigate.cgi(8)).
 *
 * When the policy has a "langgraph" section, this step runs after the
 * body checks and before the forward:
 *  - a thread's owner is metadata[owner_key] as the backend holds it:
 *    the gate asks GET /threads/{id} on every request that names a thread,
 *    so every gate process on every host sees the same owner at once (no
 *    cache to go stale when a thread is deleted and its id used again);
 *  - a thread that is missing, has no owner, or has another owner is
 *    answered with one and the same 404 (unless the caller is in
 *    admin_groups), so that an id cannot be probed;
 *  - POST /threads, and a run with "if_not_exists": "create" on a missing
 *    thread (the gate creates the thread first), record the caller as
 *    owner; a PATCH cannot change or drop the owner; POST /threads/search
 *    and /threads/count get the owner forced into their filter;
 *  - "store": "per_user" keeps /store/... to namespaces whose first label
 *    is the caller.
 * Any backend failure while deciding is a 503: fail closed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "aig_http.h"
#include "gate.h"

#define LOOKUP_MAX (8u << 20) /* bytes of a thread the gate reads */
#define UUID_LEN 36

struct sink {
	char *buf;
	size_t len;
	int status;
	bool over;
};

struct lg {
	struct aig_gate *g;
	const struct aig_policy_langgraph *p;
	bool admin;
	char id[UUID_LEN + 1]; /* the thread named in the path, if any */
	bool found;
	char *owner; /* metadata[owner_key], or NULL */
};

static bool fail(struct aig_gate *g, enum aig_outcome o, const char *reason)
{
	g->outcome = o;
	if (g->reason[0] == '\0')
		snprintf(g->reason, sizeof(g->reason), "%s", reason);
	return false;
}

/* ------------------------------------------------------- backend calls */

static int sink_body(void *ctx, const char *data, size_t n)
{
	struct sink *s = ctx;
	char *p;

	if (n > LOOKUP_MAX - s->len) {
		s->over = true;
		return AIG_HTTP_STOP;
	}
	if ((p = realloc(s->buf, s->len + n + 1)) == NULL) {
		s->over = true;
		return AIG_HTTP_STOP;
	}
	memcpy(p + s->len, data, n);
	s->buf = p;
	s->len += n;
	s->buf[s->len] = '\0';
	return AIG_HTTP_GO_ON;
}

static int sink_done(void *ctx, int status)
{
	((struct sink *)ctx)->status = status;
	return AIG_HTTP_GO_ON;
}

/* method path (body: JSON or NULL) on the backend as the caller; the
 * answer's status and body into *s (s->buf freed by the caller). */
static int backend_call(struct lg *l, const char *method, const char *path,
			const char *body, struct sink *s)
{
	struct aig_gate *g = l->g;
	char *groups = aig_groups_join(&g->groups), *identity = NULL;
	struct aig_http_header headers[5] = {
		{"X-Aigate-User", g->user},
		{"X-Aigate-Groups", groups},
		{"X-Request-Id", g->req.id},
	};
	size_t n = 3;
	struct aig_http_handler h = {NULL, sink_done, sink_body, s};
	struct aig_http_request req = {0};
	struct aig_error err = {0};
	int rc;

	if (groups == NULL)
		return AIG_ERR_NOMEM;
	if ((rc = aig_gate_identity(g, &identity)) != AIG_OK) {
		free(groups);
		return rc;
	}
	if (identity != NULL)
		headers[n++] =
			(struct aig_http_header){"X-Aigate-Identity", identity};
	if (body != NULL)
		headers[n++] = (struct aig_http_header){"Content-Type",
							"application/json"};
	req.method = method;
	req.url = g->cfg->backend.url;
	req.path = path;
	req.headers = headers;
	req.n_headers = n;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.timeout_ms = g->cfg->backend.timeout_ms;
	req.stop = g->terminated;
	rc = aig_warm_http(g->w, &err);
	if (rc == AIG_OK) {
		aig_http_client_keep_alive(g->w->http, AIG_HTTP_KEEP_IDLE_MS,
					   AIG_HTTP_KEEP_MAX_REQUESTS);
		rc = aig_http_exchange(g->w->http, &req, &h, &err);
	}
	if (rc == AIG_OK && s->over)
		rc = AIG_ERR_TOO_BIG;
	if (rc != AIG_OK)
		aig_log_msg(&g->log, LOG_ERR, "langgraph: backend: %s",
			    err.msg[0] ? err.msg : "answer too large");
	free(groups);
	free(identity);
	return rc;
}

/* Asks the backend for thread l->id: l->found, l->owner. */
static int lookup(struct lg *l)
{
	struct sink s = {0};
	char path[sizeof("/threads/") + UUID_LEN];
	json_t *t = NULL, *owner;
	int rc;

	free(l->owner);
	l->owner = NULL;
	l->found = false;
	snprintf(path, sizeof(path), "/threads/%s", l->id);
	rc = backend_call(l, "GET", path, NULL, &s);
	if (rc == AIG_OK && s.status == 404)
		goto out;
	if (rc == AIG_OK && s.status != 200)
		rc = AIG_ERR_INTERNAL;
	if (rc == AIG_OK &&
	    (t = json_loadb(s.buf ? s.buf : "", s.len, 0, NULL)) == NULL)
		rc = AIG_ERR_SYNTAX;
	if (rc != AIG_OK)
		goto out;
	l->found = true;
	owner = json_object_get(json_object_get(t, "metadata"),
				l->p->owner_key);
	if (json_is_string(owner) &&
	    (l->owner = strdup(json_string_value(owner))) == NULL)
		rc = AIG_ERR_NOMEM;
out:
	json_decref(t);
	free(s.buf);
	return rc;
}

/* Creates thread l->id owned by the caller, unless it exists. */
static int create_owned(struct lg *l)
{
	struct sink s = {0};
	json_t *b = json_pack("{s:s, s:{s:s}, s:s}", "thread_id", l->id,
			      "metadata", l->p->owner_key, l->g->user,
			      "if_exists", "do_nothing");
	char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
	int rc = text ? backend_call(l, "POST", "/threads", text, &s)
		      : AIG_ERR_NOMEM;

	if (rc == AIG_OK && (s.status < 200 || s.status > 299))
		rc = AIG_ERR_INTERNAL;
	json_decref(b);
	free(text);
	free(s.buf);
	return rc;
}

/* ------------------------------------------------------------ answers */

/* A 404 with LangGraph Server's own text body, audited as a denial. */
static bool refuse_404(struct lg *l, const char *body, const char *reason)
{
	struct aig_gate *g = l->g;

	aig_request_discard_body(&g->req, g->in);
	fprintf(g->out,
		"Status: 404 Not Found\r\n"
		"Content-Type: text/plain;charset=UTF-8\r\n"
		"Cache-Control: no-store\r\n"
		"X-Request-Id: %s\r\n\r\n%s",
		g->req.id, body);
	fflush(g->out);
	g->responded = true;
	g->status = 404;
	g->bytes_out = strlen(body);
	return fail(g, AIG_OUT_FORBIDDEN, reason);
}

/* The one answer for a thread the caller may not see, the same whether it
 * is missing, has no owner or has another: the server's text for a
 * missing thread. */
static bool not_found(struct lg *l, const char *reason)
{
	char body[96];

	snprintf(body, sizeof(body), "Thread with ID %s not found", l->id);
	return refuse_404(l, body, reason);
}

static bool unavailable(struct lg *l, int rc)
{
	return fail(l->g,
		    rc == AIG_ERR_NOMEM ? AIG_OUT_NO_MEMORY
					: AIG_OUT_UNAVAILABLE,
		    "thread owner unknown: backend failed");
}

/* --------------------------------------------------------------- body */

/* The request body as JSON of type (JSON_OBJECT: an empty body is a new
 * one); NULL when it is not (the request ended, 400). */
static json_t *body_of_type(struct aig_gate *g, json_type type)
{
	json_t *v;

	if (g->req.body_len == 0 && type == JSON_OBJECT)
		v = json_object();
	else
		v = json_loadb(g->req.body ? g->req.body : "", g->req.body_len,
			       JSON_REJECT_DUPLICATES, NULL);
	if (v == NULL || json_typeof(v) != type) {
		json_decref(v);
		fail(g, AIG_OUT_INVALID_JSON,
		     type == JSON_OBJECT ? "body is not a JSON object"
					 : "body is not a JSON list");
		return NULL;
	}
	return v;
}

static json_t *body_object(struct aig_gate *g)
{
	return body_of_type(g, JSON_OBJECT);
}

/* Replaces the request body with o (consumed). */
static bool body_replace(struct aig_gate *g, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (text == NULL ||
	    (g->req.content_type == NULL &&
	     (g->req.content_type = strdup("application/json")) == NULL)) {
		free(text);
		return fail(g, AIG_OUT_NO_MEMORY, "out of memory");
	}
	free(g->req.body);
	g->req.body = text;
	g->req.body_len = strlen(text);
	return true;
}

/* o[key] as an object, made (replacing anything else) if need be. */
static json_t *member_object(json_t *o, const char *key)
{
	json_t *m = json_object_get(o, key);

	if (json_is_object(m))
		return m;
	m = json_object();
	return json_object_set_new(o, key, m) == 0 ? m : NULL;
}

/* Sets metadata[owner_key] of object o to owner (NULL: removes it);
 * false when out of memory. */
static bool set_owner(const struct lg *l, json_t *o, const char *owner)
{
	json_t *md = member_object(o, "metadata");

	if (md == NULL)
		return false;
	if (owner == NULL) {
		json_object_del(md, l->p->owner_key);
		return true;
	}
	return json_object_set_new(md, l->p->owner_key, json_string(owner)) ==
	       0;
}

/* Sets metadata[owner_key] of the body's object to owner (NULL: removes
 * it), the rest of the body as sent. */
static bool force_owner(struct lg *l, const char *owner)
{
	json_t *o = body_object(l->g);

	if (o == NULL)
		return false;
	if (!set_owner(l, o, owner)) {
		json_decref(o);
		return fail(l->g, AIG_OUT_NO_MEMORY, "out of memory");
	}
	return body_replace(l->g, o);
}

/* POST /runs/batch: the same for every run of the list. */
static bool force_owner_batch(struct lg *l)
{
	struct aig_gate *g = l->g;
	json_t *a = body_of_type(g, JSON_ARRAY), *run;
	size_t i;

	if (a == NULL)
		return false;
	json_array_foreach (a, i, run) {
		if (!json_is_object(run)) {
			json_decref(a);
			return fail(g, AIG_OUT_INVALID_JSON,
				    "a run of the batch is not a JSON object");
		}
		if (!set_owner(l, run, g->user)) {
			json_decref(a);
			return fail(g, AIG_OUT_NO_MEMORY, "out of memory");
		}
	}
	return body_replace(g, a);
}

/* ------------------------------------------------------------ threads */

static bool is_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != UUID_LEN)
		return false;
	for (i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];

		if (dash ? c != '-'
			 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static bool visible(const struct lg *l)
{
	return l->found &&
	       (l->admin || (l->owner && strcmp(l->owner, l->g->user) == 0));
}

static bool is_create_run(const struct aig_gate *g, const char *rest)
{
	json_t *o, *v;
	bool create;

	if (strcmp(g->req.method, "POST") != 0 ||
	    (strcmp(rest, "/runs") != 0 && strcmp(rest, "/runs/wait") != 0 &&
	     strcmp(rest, "/runs/stream") != 0) ||
	    g->req.body_len == 0)
		return false;
	o = json_loadb(g->req.body, g->req.body_len, 0, NULL);
	v = json_object_get(o, "if_not_exists");
	create = json_is_string(v) &&
		 strcmp(json_string_value(v), "create") == 0;
	json_decref(o);
	return create;
}

/* Writes a backend answer the gate read whole (a JSON body). */
static bool answer(struct lg *l, const struct sink *s)
{
	struct aig_gate *g = l->g;

	aig_request_discard_body(&g->req, g->in);
	fprintf(g->out,
		"Status: %d %s\r\n"
		"Content-Type: application/json\r\n"
		"Cache-Control: no-store\r\n"
		"X-Request-Id: %s\r\n\r\n",
		s->status, aig_http_reason(s->status), g->req.id);
	if (s->len > 0)
		fwrite(s->buf, 1, s->len, g->out);
	fflush(g->out);
	g->responded = true;
	g->status = s->status;
	g->bytes_out = s->len;
	g->outcome = AIG_OUT_FORWARDED;
	return false;
}

/* POST /threads/{id}/copy by an admin of another's (or an unowned)
 * thread: the copy keeps the source's metadata, so the gate makes the
 * copy, then records the caller as its owner, and answers with the
 * thread as it then is. */
static bool copy_as_caller(struct lg *l)
{
	struct sink s = {0}, p = {0};
	char path[sizeof("/threads//copy") + UUID_LEN], *text = NULL;
	json_t *t = NULL, *id, *patch = NULL;
	int rc;
	bool ret;

	snprintf(path, sizeof(path), "/threads/%s/copy", l->id);
	rc = backend_call(l, "POST", path, "{}", &s);
	if (rc == AIG_OK && (s.status < 200 || s.status > 299)) {
		ret = answer(l, &s); /* the backend's refusal stands */
		goto out;
	}
	if (rc == AIG_OK &&
	    ((t = json_loadb(s.buf ? s.buf : "", s.len, 0, NULL)) == NULL ||
	     !json_is_string(id = json_object_get(t, "thread_id")) ||
	     !is_uuid(json_string_value(id), strlen(json_string_value(id)))))
		rc = AIG_ERR_SYNTAX;
	if (rc == AIG_OK) {
		patch = json_pack("{s:{s:s}}", "metadata", l->p->owner_key,
				  l->g->user);
		text = patch ? json_dumps(patch, JSON_COMPACT) : NULL;
		snprintf(path, sizeof(path), "/threads/%s",
			 json_string_value(id));
		rc = text ? backend_call(l, "PATCH", path, text, &p)
			  : AIG_ERR_NOMEM;
	}
	if (rc == AIG_OK && p.status != 200)
		rc = AIG_ERR_INTERNAL;
	ret = rc == AIG_OK ? answer(l, &p) : unavailable(l, rc);
out:
	json_decref(t);
	json_decref(patch);
	free(text);
	free(s.buf);
	free(p.buf);
	return ret;
}

/* rest "/runs/{run}[/...]" of the caller's thread: LangGraph joins a
 * run's stream by the run's id alone (it checks the thread in the path,
 * not that the run is that thread's), so another user's run id would
 * read their run, a resumable one from its start. The gate asks GET
 * /threads/{id}/runs/{run} first: a run of another thread, or none, is
 * the server's 404 for a missing run. */
static bool run_of_thread(struct lg *l, const char *rest)
{
	const char *run = rest + 6, *slash;
	char path[sizeof("/threads//runs/") + 2 * UUID_LEN];
	struct sink s = {0};
	size_t n;
	int rc;
	bool ret = true;

	if (l->admin || strncmp(rest, "/runs/", 6) != 0)
		return true;
	slash = strchr(run, '/');
	n = slash ? (size_t)(slash - run) : strlen(run);
	if (!is_uuid(run, n))
		return true; /* /runs/stream, /runs/wait, /runs/crons: no run */
	snprintf(path, sizeof(path), "/threads/%s/runs/%.*s", l->id, (int)n,
		 run);
	rc = backend_call(l, "GET", path, NULL, &s);
	if (rc == AIG_OK && s.status == 404)
		ret = refuse_404(l, "Run not found", "not a run of the thread");
	else if (rc != AIG_OK || s.status != 200)
		ret = unavailable(l, rc != AIG_OK ? rc : AIG_ERR_INTERNAL);
	free(s.buf);
	return ret;
}

/* /threads/{id}[/...]: only for the owner or an admin. */
static bool thread_route(struct lg *l, const char *idp)
{
	struct aig_gate *g = l->g;
	const char *slash = strchr(idp, '/');
	size_t n = slash ? (size_t)(slash - idp) : strlen(idp);
	const char *rest = idp + n;
	int rc;

	snprintf(l->id, sizeof(l->id), "%.*s",
		 (int)(n < UUID_LEN ? n : UUID_LEN), idp);
	if (!is_uuid(idp, n))
		return not_found(l, "not a thread id");
	if ((rc = lookup(l)) != AIG_OK)
		return unavailable(l, rc);
	if (!l->found && is_create_run(g, rest)) {
		if ((rc = create_owned(l)) != AIG_OK ||
		    (rc = lookup(l)) != AIG_OK)
			return unavailable(l, rc);
	}
	if (!l->found)
		return not_found(l, "no such thread");
	if (!visible(l))
		return not_found(l, "not the thread's owner");
	if (!run_of_thread(l, rest))
		return false;
	if (strcmp(g->req.method, "PATCH") == 0 && rest[0] == '\0')
		return force_owner(l, l->owner);
	if (strcmp(g->req.method, "POST") == 0 && strcmp(rest, "/copy") == 0 &&
	    (l->owner == NULL || strcmp(l->owner, g->user) != 0))
		return copy_as_caller(l);
	return true;
}

/* POST /threads: the caller is the owner. A thread_id naming a thread the
 * caller may not see is refused as a conflict (if_exists "do_nothing"
 * would hand it over). */
static bool create_thread(struct lg *l)
{
	json_t *o = body_object(l->g), *id;
	int rc;

	if (o == NULL)
		return false;
	id = json_object_get(o, "thread_id");
	if (json_is_string(id) &&
	    is_uuid(json_string_value(id), strlen(json_string_value(id)))) {
		snprintf(l->id, sizeof(l->id), "%s", json_string_value(id));
		if ((rc = lookup(l)) != AIG_OK) {
			json_decref(o);
			return unavailable(l, rc);
		}
		if (l->found && !visible(l)) {
			json_decref(o);
			aig_response_error(l->g->out, l->g->req.id,
					   AIG_OUT_FORBIDDEN, "");
			l->g->responded = true;
			l->g->status = 403;
			return fail(l->g, AIG_OUT_FORBIDDEN,
				    "thread id of another owner");
		}
	}
	json_decref(o);
	return force_owner(l, l->g->user);
}

/* ------------------------------------------------------------- store */

static bool first_is_user(const struct lg *l, json_t *ns)
{
	json_t *first = json_array_get(ns, 0);

	return json_is_array(ns) && json_is_string(first) &&
	       strcmp(json_string_value(first), l->g->user) == 0;
}

static bool store_refuse(struct lg *l)
{
	return fail(l->g, AIG_OUT_FORBIDDEN,
		    "store namespace is not the caller's");
}

/* A body whose namespace member (key) must start with the caller; absent
 * or empty, it becomes [caller] when fill, else the body is refused. */
static bool store_body(struct lg *l, const char *key, bool fill)
{
	json_t *o = body_object(l->g), *ns;

	if (o == NULL)
		return false;
	ns = json_object_get(o, key);
	if (fill && (ns == NULL || json_is_null(ns) ||
		     (json_is_array(ns) && json_array_size(ns) == 0))) {
		if (json_object_set_new(o, key, json_pack("[s]", l->g->user)) !=
		    0) {
			json_decref(o);
			return fail(l->g, AIG_OUT_NO_MEMORY, "out of memory");
		}
		return body_replace(l->g, o);
	}
	if (!first_is_user(l, ns)) {
		json_decref(o);
		return store_refuse(l);
	}
	json_decref(o);
	return true; /* forwarded as sent */
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes n bytes of a query component (%XX, '+' a space) into out (room
 * for n + 1); false on a bad escape or a NUL. */
static bool query_decode(const char *s, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			out[o++] = s[i] == '+' ? ' ' : s[i];
			continue;
		}
		if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 ||
		    (lo = hexval(s[i + 2])) < 0 || (hi | lo) == 0)
			return false;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return true;
}

/* GET /store/items?namespace=a.b&key=k: exactly one namespace parameter,
 * its first label (before a '.') the caller. */
static bool store_get(struct lg *l)
{
	const char *q = l->g->req.query, *p = q;
	size_t ulen = strlen(l->g->user);
	int count = 0;
	bool ok = false;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '&'), *eq;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *buf = malloc(n + 1), *val;

		if (buf == NULL)
			return fail(l->g, AIG_OUT_NO_MEMORY, "out of memory");
		eq = memchr(p, '=', n);
		if (!query_decode(p, eq ? (size_t)(eq - p) : n, buf)) {
			free(buf);
			return store_refuse(l);
		}
		if (strcmp(buf, "namespace") == 0) {
			count++;
			val = buf;
			ok = eq != NULL &&
			     query_decode(eq + 1, n - (size_t)(eq + 1 - p),
					  val) &&
			     strncmp(val, l->g->user, ulen) == 0 &&
			     (val[ulen] == '\0' || val[ulen] == '.');
		}
		free(buf);
		p = end ? end + 1 : NULL;
	}
	return (count == 1 && ok) || store_refuse(l);
}

/* LangGraph refuses a namespace label holding a '.', and splits GET's
 * namespace parameter at every '.': a caller whose name holds one has
 * no label of their own, and the GET of "bob.smith" would read user
 * bob's ["bob", "smith"]. Such a caller is refused every store route. */
static bool store_route(struct lg *l)
{
	const char *m = l->g->req.method, *path = l->g->req.path;

	if (strchr(l->g->user, '.') != NULL)
		return fail(
			l->g, AIG_OUT_FORBIDDEN,
			"user name holds '.': no store namespace is its own");
	if (strcmp(path, "/store/items") == 0) {
		if (strcmp(m, "GET") == 0)
			return store_get(l);
		if (strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0)
			return store_body(l, "namespace", false);
	} else if (strcmp(path, "/store/items/search") == 0 &&
		   strcmp(m, "POST") == 0) {
		return store_body(l, "namespace_prefix", true);
	} else if (strcmp(path, "/store/namespaces") == 0 &&
		   strcmp(m, "POST") == 0) {
		return store_body(l, "prefix", true);
	}
	return store_refuse(l); /* a store route the gate does not know */
}

/* ---------------------------------------------------------------- step */

/* The routes the gate knows (aigate-policy.json(5), LANGGRAPH). Under
 * /runs/ only the stateless runs pass for non-admins: a run joined by its
 * id alone (/runs/{run}/stream) or a cron (/runs/crons, which names its
 * thread in the body) would step around the thread's owner. A stateless
 * run's metadata becomes its thread's, and with "on_completion": "keep"
 * that thread stays: its owner is forced to the caller, as for POST
 * /threads, or anyone could leave threads in another user's list. */
static bool route(struct lg *l)
{
	const char *m = l->g->req.method, *path = l->g->req.path;

	if (strcmp(path, "/threads") == 0)
		return strcmp(m, "POST") != 0 || create_thread(l);
	if (strcmp(path, "/threads/search") == 0 ||
	    strcmp(path, "/threads/count") == 0)
		return strcmp(m, "POST") != 0 || l->admin ||
		       force_owner(l, l->g->user);
	if (strncmp(path, "/threads/", 9) == 0)
		return thread_route(l, path + 9);
	if (strcmp(m, "POST") == 0 &&
	    (strcmp(path, "/runs") == 0 || strcmp(path, "/runs/stream") == 0 ||
	     strcmp(path, "/runs/wait") == 0))
		return force_owner(l, l->g->user);
	if (strcmp(m, "POST") == 0 && strcmp(path, "/runs/batch") == 0)
		return force_owner_batch(l);
	if (strncmp(path, "/runs/", 6) == 0 && !l->admin &&
	    strcmp(path, "/runs/stream") != 0 &&
	    strcmp(path, "/runs/wait") != 0 && strcmp(path, "/runs/batch") != 0)
		return fail(l->g, AIG_OUT_FORBIDDEN,
			    "run or cron not reachable by its id alone");
	if (strcmp(path, "/store") == 0 || strncmp(path, "/store/", 7) == 0)
		return !l->p->store_per_user || l->admin || store_route(l);
	return true;
}

bool aig_step_langgraph(struct aig_gate *g)
{
	struct lg l = {0};
	bool go_on;

	l.p = aig_policy_langgraph(g->pol);
	if (l.p == NULL)
		return true;
	l.g = g;
	l.admin = aig_policy_langgraph_admin(
		l.p, (const char *const *)g->groups.v, g->groups.n);
	go_on = route(&l);
	free(l.owner);
	return go_on;
}
