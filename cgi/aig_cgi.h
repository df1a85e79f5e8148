/*
 * aig_cgi.h - the gate's request handling (SPEC §5): reading a CGI request
 * from RFC 3875 variables, writing responses and errors, and Basic
 * authentication through PAM. JWT verification is in aig_jwt.h.
 */
#ifndef AIG_CGI_H
#define AIG_CGI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "aig_common.h"

struct aig_http_client;

/* Hard caps, whatever the configuration says. */
#define AIG_CGI_MAX_PATH 2048
#define AIG_CGI_MAX_QUERY 8192
#define AIG_CGI_MAX_BODY (16 * 1024 * 1024)
#define AIG_CGI_MAX_AUTH 16384

/* The outcome of a request step: an HTTP status and the SPEC's error code.
 * status 0 means "go on". message is a static string: never request data. */
struct aig_http_error {
	int status;
	const char *code;
	const char *message;
};

/* A request as read from the environment. The strings are copies owned by
 * the request (the environment is cleared after reading); free with
 * aig_request_free(). */
struct aig_request {
	char id[AIG_REQUEST_ID_LEN + 1];
	char *method;
	char *path;  /* PATH_INFO, checked; "/" when absent */
	char *query; /* QUERY_STRING, may be "" */
	char *content_type;
	long long content_length; /* -1 when absent */
	char *authorization;	  /* NULL when absent; wiped on free */
	char *remote_addr;
	bool https; /* HTTPS is "on" or "1" (any case) */
	char *body; /* after aig_request_read_body(); NUL-terminated */
	size_t body_len;
};

/* Checks a PATH_INFO per SPEC §5: must start with '/', no "..", "//",
 * "%2f", "%2e" (any case), NUL or control character, valid UTF-8, at most
 * AIG_CGI_MAX_PATH bytes. No ';' or "%3b" either: a path parameter
 * ("/admin;x/invoke") would let a path match a rule for one route while
 * a backend that strips parameters serves another. Returns true if
 * acceptable. */
bool aig_cgi_path_ok(const char *path, size_t len);

/* Reads the RFC 3875 variables from the environment into req, checking
 * PATH_INFO first, then the method, query and content length, and then
 * clears the whole environment so that nothing else (HTTP_PROXY, LDAP*,
 * LD_*) can reach the libraries loaded later. On a bad request, fills
 * herr and returns false; req is usable for the error response either
 * way (its id is set). */
bool aig_request_from_env(struct aig_request *req, struct aig_http_error *herr);

/* The same checks on vars ("NAME=value" strings, NULL-ended, borrowed):
 * a FastCGI request's parameters. The environment is not touched. */
bool aig_request_from_vars(struct aig_request *req, char *const *vars,
			   struct aig_http_error *herr);

/* Reads the body from in: exactly CONTENT_LENGTH bytes, refusing more than
 * max bytes (413) or a short body (400); a method that carries a body
 * without CONTENT_LENGTH gets 411. */
bool aig_request_read_body(struct aig_request *req, FILE *in, size_t max,
			   struct aig_http_error *herr);

/* Reads and discards a body that was not read (a request refused before
 * its body was needed), up to AIG_CGI_MAX_BODY bytes: a web server that
 * is still writing the body when the CGI exits may cut the response
 * short (Apache's mod_cgid does). */
void aig_request_discard_body(struct aig_request *req, FILE *in);

void aig_request_free(struct aig_request *req);

/* ------------------------------------------------------------ responses */

/* Writes a JSON error response {"error","message","request_id"} with the
 * status line and X-Request-Id. extra_headers (may be NULL) is a block of
 * "Name: value\r\n" lines built by the gate, never from request data. */
void aig_response_error(FILE *out, const char *request_id,
			const struct aig_http_error *herr,
			const char *extra_headers);

/* Writes a 200 response with a JSON body (jansson value, borrowed). */
void aig_response_json(FILE *out, const char *request_id, int status,
		       const json_t *body);

/* The reason phrase of an HTTP status; static string. */
const char *aig_http_reason(int status);

/* --------------------------------------------------------------- basic */

/* Splits "Basic <base64>" into a user and a password (strict base64,
 * user 1-256 bytes of valid UTF-8 without ':' and without control, line
 * separator or bidi characters (aig_utf8_clean()), password 1-1024 bytes
 * without NUL). *user and *password are new strings (caller frees; the password
 * with aig_secret_free()). Returns false on any malformation. */
bool aig_basic_decode(const char *header, char **user, char **password);

/* ----------------------------------------------------------- forwarding */

struct aig_forward {
	/* in (borrowed) */
	const char *backend_url;
	int timeout_ms;
	const char *method;
	const char *path; /* checked PATH_INFO, decoded */
	const char *query;
	const char *content_type;
	const char *body;
	size_t body_len;
	const char *user;
	const char *groups; /* comma-separated */
	const char *request_id;
	FILE *out; /* where the response goes: stdout, or a FastCGI stream */
	/* Set (by a signal handler) when the web server wants the CGI to
	 * stop, as lighttpd and Apache do when the client goes away: the
	 * transfer is then abandoned within about a second. May be NULL. */
	const volatile sig_atomic_t *stop;
	/* The HTTP client, kept by a FastCGI process so that an https://
	 * backend's TLS context is made once; NULL: one for this request. */
	struct aig_http_client *client;
	/* out */
	int status;	   /* the backend's status, or the gate's error */
	bool headers_sent; /* a response has started on out */
	bool client_gone;  /* writing to out failed */
	size_t bytes_out;  /* body bytes passed to the client */
	double backend_ms; /* time spent on the backend hop */
	struct aig_http_error herr; /* when status is the gate's own */
	struct aig_error err;	    /* why the hop failed, for the log */
};

/* Forwards a request to backend_url + path (+ "?" query): same method and
 * body, X-Aigate-User, X-Aigate-Groups and X-Request-Id added, nothing
 * else from the client. Streams the backend's status, Content-Type and
 * body to out as they arrive (no buffering), so server-sent events
 * pass through. No proxy from the environment, http/https only, no
 * redirects. Returns true if a response was written to out; false
 * with f->herr set (502 refused or broken backend, 504 timeout) if
 * nothing was written yet. */
bool aig_forward(struct aig_forward *f);

/* Percent-encodes a decoded path for a URL: unreserved characters, '/'
 * and RFC 3986 sub-delims ":@" stay, everything else becomes %XX. *out is
 * new (caller frees). */
bool aig_url_encode_path(const char *path, char **out);

/* ------------------------------------------------------------ rate limit */

struct aig_ratelimit;

/* Opens the shared token-bucket store named by cfg->ratelimit.store:
 * "lmdb" (state_dir/ratelimit.mdb) or "redis://host:port/db". cfg is
 * borrowed. *out is new: free with aig_ratelimit_close(). A bucket that
 * has refilled to full is the same as none, so neither store keeps it:
 * Redis keys expire, and a full LMDB map drops them and tries again. */
int aig_ratelimit_open(const struct aig_config *cfg, struct aig_ratelimit **out,
		       struct aig_error *err);

void aig_ratelimit_close(struct aig_ratelimit *rl);

/* Takes one token from the bucket of (rule, user): per_minute tokens a
 * minute, at most burst. *allowed says whether one was there; if not,
 * *retry_after_s is the whole seconds until one will be (>= 1). Any store
 * failure returns an error status: the caller refuses (fail closed). */
int aig_ratelimit_take(struct aig_ratelimit *rl, const char *rule,
		       const char *user, unsigned per_minute, unsigned burst,
		       bool *allowed, unsigned *retry_after_s,
		       struct aig_error *err);

/* Puts back one token taken from the bucket of (rule, user) (never above
 * burst): for a charge that turned out not to be due, such as a failed-login
 * budget taken before a login that then succeeded. */
int aig_ratelimit_give_back(struct aig_ratelimit *rl, const char *rule,
			    const char *user, unsigned per_minute,
			    unsigned burst, struct aig_error *err);

/* --------------------------------------------------------------- metrics */

/* What one request adds to the metrics. */
struct aig_metrics_sample {
	bool allowed;
	int status;
	double latency_ms;
	bool rate_limited;
	bool backend_error;
};

/* The counters in state_dir/metrics.mdb, shared by every gate process;
 * kept open by a FastCGI process. Opaque; free with aig_metrics_close(). */
struct aig_metrics;

int aig_metrics_open(const char *state_dir, struct aig_metrics **m,
		     struct aig_error *err);
void aig_metrics_close(struct aig_metrics *m);

/* Adds a request to the counters: in memory, written by
 * aig_metrics_flush() once AIG_METRICS_BATCH requests or
 * AIG_METRICS_BATCH_S seconds are pending, and by aig_metrics_close(). */
#define AIG_METRICS_BATCH 64
#define AIG_METRICS_BATCH_S 1
int aig_metrics_add(struct aig_metrics *m, const struct aig_metrics_sample *s,
		    struct aig_error *err);

/* Writes the pending counts (one LMDB write transaction). */
int aig_metrics_flush(struct aig_metrics *m, struct aig_error *err);

/* The counters as Prometheus text; *text is new (caller frees). */
int aig_metrics_text(struct aig_metrics *m, char **text, struct aig_error *err);

#endif /* AIG_CGI_H */
