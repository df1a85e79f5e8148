/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_cgi.h - the gate's request handling (aigate.cgi(8)): reading a CGI
 * request from RFC 3875 variables, writing responses and errors, and Basic
 * authentication through PAM. JWT verification is in aig_jwt.h.
 */
#ifndef AIG_CGI_H
#define AIG_CGI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aig_common.h"
#include "aig_output.h"

struct aig_http_client;

/* Hard caps, whatever the configuration says. */
#define AIG_CGI_MAX_PATH 2048
#define AIG_CGI_MAX_QUERY 8192
#define AIG_CGI_MAX_BODY (16 * 1024 * 1024)
#define AIG_CGI_MAX_AUTH 16384
/* The header lines the gate adds to an answer for the authentication
 * (WWW-Authenticate: Negotiate <token>), and the token they carry. */
#define AIG_AUTH_REPLY_TOKEN_MAX 2048
#define AIG_AUTH_REPLY_MAX (AIG_AUTH_REPLY_TOKEN_MAX / 3 * 4 + 64)

/* How a request ended, as the gate answers it. Each outcome is mapped once,
 * in outcome.c, to its HTTP status, error code, message and extra header;
 * the error response, the audit record and the metrics all read it from
 * there. A step that ends a request sets the outcome (and the audit
 * record's free-text reason); nothing else decides a status. */
enum aig_outcome {
	AIG_OUT_PENDING = 0,	  /* not ended yet: answered as UNAVAILABLE */
	AIG_OUT_OK,		  /* answered by the gate itself (200) */
	AIG_OUT_FORWARDED,	  /* the backend's answer, passed through */
	AIG_OUT_BAD_PATH,	  /* 400: PATH_INFO refused */
	AIG_OUT_BAD_REQUEST,	  /* 400: query, length, header, short body */
	AIG_OUT_METHOD,		  /* 405, with Allow */
	AIG_OUT_LENGTH_REQUIRED,  /* 411 */
	AIG_OUT_TOO_LARGE,	  /* 413 */
	AIG_OUT_NO_CREDENTIALS,	  /* 401, with WWW-Authenticate */
	AIG_OUT_BAD_CREDENTIALS,  /* 401, with WWW-Authenticate */
	AIG_OUT_HTTPS_REQUIRED,	  /* 403: credentials over plain HTTP */
	AIG_OUT_FORBIDDEN,	  /* 403: policy, account, model or tool */
	AIG_OUT_RATE_LIMITED,	  /* 429, with Retry-After: a rule's limit */
	AIG_OUT_LOGIN_THROTTLED,  /* 429, with Retry-After: failed logins */
	AIG_OUT_UNSUPPORTED_TYPE, /* 415: a body that is not JSON */
	AIG_OUT_INVALID_JSON,	  /* 400: not UTF-8 JSON, nested too deeply */
	AIG_OUT_INVALID_INPUT,	  /* 400: refused by a prompt pattern */
	AIG_OUT_UNAVAILABLE,	  /* 503: configuration, store, directory */
	AIG_OUT_NO_MEMORY,	  /* 503: the request could not be copied */
	AIG_OUT_FCGI_NO_MEMORY,	  /* 503: a FastCGI request's streams */
	AIG_OUT_BAD_GATEWAY,	  /* 502: the backend hop failed */
	AIG_OUT_BACKEND_UNREACHABLE, /* 502: no connection */
	AIG_OUT_BACKEND_TLS,	     /* 502: certificate or handshake */
	AIG_OUT_BACKEND_CONNECTION,  /* 502: the connection failed */
	AIG_OUT_BACKEND_INVALID,     /* 502: an answer that is no HTTP */
	AIG_OUT_GATEWAY_TIMEOUT,     /* 504: backend.timeout_ms passed */
	AIG_OUT_OUTPUT_REFUSED,	     /* 502: the answer broke output rules */
	AIG_OUT_QUARANTINED,	     /* 202: the prompt kept for review */
	AIG_OUT_COUNT
};

/* The extra header an outcome's error response carries. */
enum aig_outcome_header {
	AIG_OUT_HEADER_NONE = 0,
	AIG_OUT_HEADER_AUTHENTICATE, /* WWW-Authenticate, per auth.methods */
	AIG_OUT_HEADER_RETRY_AFTER,  /* Retry-After: the bucket's wait */
	AIG_OUT_HEADER_ALLOW,	     /* Allow: the methods the gate knows */
};

/* What an outcome counts as, in the audit record and the metrics. */
#define AIG_OUT_ALLOWED 0x1u	   /* audited "allow" */
#define AIG_OUT_RATE_LIMIT 0x2u	   /* in aigate_rate_limited_total */
#define AIG_OUT_BACKEND_ERROR 0x4u /* in aigate_backend_errors_total */

struct aig_outcome_info {
	int status;	     /* 0 for FORWARDED: the backend's */
	const char *code;    /* the error body's "error"; NULL: no error */
	const char *message; /* static, never request data; NULL: no error */
	enum aig_outcome_header header;
	unsigned flags; /* AIG_OUT_ALLOWED, ... */
};

/* The table row of o (static); an out-of-range o is UNAVAILABLE's. */
const struct aig_outcome_info *aig_outcome_info(enum aig_outcome o);

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
	char *alb_data; /* HTTP_X_AMZN_OIDC_DATA (auth.alb), as authorization */
	char *last_event_id; /* Last-Event-ID (an SSE reconnect), or NULL */
	char *remote_addr;
	char *remote_user; /* REMOTE_USER (the web server's), NULL if unset */
	char *auth_type;   /* AUTH_TYPE, NULL if unset */
	bool https;	   /* HTTPS is "on" or "1" (any case) */
	char *body;	   /* after aig_request_read_body(); NUL-terminated */
	size_t body_len;
};

/* Checks a PATH_INFO as aigate.cgi(8) describes: must start with '/', no "..",
 * "//",
 * "%2f", "%2e" (any case), NUL or control character, valid UTF-8, at most
 * AIG_CGI_MAX_PATH bytes. No ';' or "%3b" either: a path parameter
 * ("/admin;x/invoke") would let a path match a rule for one route while
 * a backend that strips parameters serves another. Returns true if
 * acceptable. */
bool aig_cgi_path_ok(const char *path, size_t len);

/* Reads the RFC 3875 variables from the environment into req, checking
 * PATH_INFO first, then the method, query and content length, and then
 * clears the whole environment so that nothing else (HTTP_PROXY, LDAP*,
 * LD_*) can reach the libraries loaded later. On a bad request, sets *out
 * and returns false; req is usable for the error response either way (its
 * id is set). */
bool aig_request_from_env(struct aig_request *req, enum aig_outcome *out);

/* The same checks on vars ("NAME=value" strings, NULL-ended, borrowed):
 * a FastCGI request's parameters. The environment is not touched. */
bool aig_request_from_vars(struct aig_request *req, char *const *vars,
			   enum aig_outcome *out);

/* Reads the body from in: exactly CONTENT_LENGTH bytes, refusing more than
 * max bytes (AIG_OUT_TOO_LARGE) or a short body (AIG_OUT_BAD_REQUEST); a
 * method that carries a body without CONTENT_LENGTH gets
 * AIG_OUT_LENGTH_REQUIRED. On false, *out says which. */
bool aig_request_read_body(struct aig_request *req, FILE *in, size_t max,
			   enum aig_outcome *out);

/* Reads and discards a body that was not read (a request refused before
 * its body was needed), up to AIG_CGI_MAX_BODY bytes: a web server that
 * is still writing the body when the CGI exits may cut the response
 * short (Apache's mod_cgid does). */
void aig_request_discard_body(struct aig_request *req, FILE *in);

void aig_request_free(struct aig_request *req);

/* ------------------------------------------------------------ responses */

/* Writes the JSON error response {"error","message","request_id"} of
 * outcome o (aig_outcome_info()) with the status line and X-Request-Id.
 * extra_headers (may be NULL) is a block of "Name: value\r\n" lines built
 * by the gate, never from request data. */
void aig_response_error(FILE *out, const char *request_id, enum aig_outcome o,
			const char *extra_headers);

/* Writes a 200 response with a JSON body (jansson value, borrowed). */
void aig_response_json(FILE *out, const char *request_id, int status,
		       const json_t *body);
/* The same with header lines extra ("Name: value\r\n"..., or NULL). */
void aig_response_json_headers(FILE *out, const char *request_id, int status,
			       const json_t *body, const char *extra);

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
	const char *last_event_id; /* passed on when not NULL */
	const char *identity;	   /* X-Aigate-Identity, when not NULL */
	/* header lines for the answer ("Name: value\r\n"...), at most
	 * AIG_AUTH_REPLY_MAX bytes, or NULL */
	const char *extra_headers;
	FILE *out; /* where the response goes: stdout, or a FastCGI stream */
	/* Set (by a signal handler) when the web server wants the CGI to
	 * stop, as lighttpd and Apache do when the client goes away: the
	 * transfer is then abandoned within about a second. May be NULL. */
	const volatile sig_atomic_t *stop;
	/* The HTTP client, kept by a FastCGI process so that an https://
	 * backend's TLS context is made once; NULL: one for this request. */
	struct aig_http_client *client;
	bool sandbox; /* to the sandbox: adds X-Aigate-Sandbox: 1 */
	/* The output rules on the answer (aig_output.h); NULL: none. */
	const struct aig_output_rules *output;
	/* out */
	int status;		  /* the backend's status, or 0 */
	bool headers_sent;	  /* a response has started on out */
	bool client_gone;	  /* writing to out failed */
	size_t bytes_out;	  /* body bytes passed to the client */
	double backend_ms;	  /* time spent on the backend hop */
	enum aig_outcome outcome; /* FORWARDED, or why nothing was */
	struct aig_error err;	  /* why the hop failed, for the log */
	struct aig_output_report output_report; /* what the rules did */
	bool output_checked; /* the rules looked at the answer */
};

/* Forwards a request to backend_url + path (+ "?" query): same method and
 * body, X-Aigate-User, X-Aigate-Groups and X-Request-Id added, nothing
 * else from the client but Content-Type and Last-Event-ID (a client
 * taking up a stream again). Streams the backend's status, Content-Type
 * and body to out as they arrive (no buffering), so server-sent events
 * pass through. No proxy from the environment, http/https only, no
 * redirects. Returns true if a response was written to out (f->outcome
 * AIG_OUT_FORWARDED); false if nothing was written yet, with f->outcome
 * one of the 502 outcomes (refused or broken backend) or
 * AIG_OUT_GATEWAY_TIMEOUT, or AIG_OUT_PENDING when the client went away. */
bool aig_forward(struct aig_forward *f);

/* Percent-encodes a decoded path for a URL: unreserved characters, '/'
 * and RFC 3986 sub-delims ":@" stay, everything else becomes %XX. *out is
 * new (caller frees). */
bool aig_url_encode_path(const char *path, char **out);

/* ------------------------------------------------------------ rate limit */

struct aig_ratelimit;

/* Opens the shared token-bucket store named by cfg->ratelimit.store:
 * "lmdb" (the host's own, state_dir/ratelimit.buckets; the name is the
 * earlier versions' LMDB store's) or "redis://host:port/db". cfg is
 * borrowed. *out is new: free with aig_ratelimit_close(). A bucket that
 * has refilled to full is the same as none, so neither store keeps it:
 * Redis keys expire, and the host's store gives its place to another. */
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
#define AIG_METRICS_EXTRA_MAX 8
#define AIG_METRICS_KEY_MAX 160
struct aig_metrics_sample {
	bool allowed;
	int status;
	double latency_ms;
	bool rate_limited;
	bool backend_error;
	/* Other counters it adds n to: a series name with its labels, built
	 * from bounded values only (outcome codes, rule names, pattern
	 * indexes: never a user or a path), see metrics_gate.c. */
	struct {
		char key[AIG_METRICS_KEY_MAX];
		uint64_t n;
	} extra[AIG_METRICS_EXTRA_MAX];
	size_t n_extra;
};

/* The counters in state_dir/metrics.counters, one file every gate process
 * of the host maps and adds to (metrics.c describes its format). A
 * FastCGI process keeps it mapped. Opaque; free with aig_metrics_close(). */
struct aig_metrics;

/* How many series the file holds, and the hash that places a key. */
#define AIG_METRICS_SLOTS 2048
uint32_t aig_metrics_key_hash(const char *key);

int aig_metrics_open(const char *state_dir, struct aig_metrics **m,
		     struct aig_error *err);
void aig_metrics_close(struct aig_metrics *m);

/* Adds a request to the counters, seen at once by every process. Fails
 * only when the file has no slot left for a new series. */
int aig_metrics_add(struct aig_metrics *m, const struct aig_metrics_sample *s,
		    struct aig_error *err);

/* The counters as Prometheus text; *text is new (caller frees). */
int aig_metrics_text(struct aig_metrics *m, char **text, struct aig_error *err);

#endif /* AIG_CGI_H */
