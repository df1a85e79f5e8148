/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_common.h - the small common core of aigate: status codes, the error
 * struct, logging, checked file and secret reading, JSON error positions,
 * request ids and the aigate.json configuration.
 *
 * Conventions (see STYLE.md):
 *  - functions return an int status (AIG_OK or an AIG_ERR_*);
 *  - the last argument is an optional struct aig_error that keeps the first
 *    error written to it;
 *  - ownership is stated next to every function.
 */
#ifndef AIG_COMMON_H
#define AIG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct stat;

/* ------------------------------------------------------------- statuses */

enum aig_status {
	AIG_OK = 0,
	AIG_ERR_NOMEM,	     /* out of memory */
	AIG_ERR_IO,	     /* a file could not be opened or read */
	AIG_ERR_UNSAFE,	     /* a file's type, owner or mode is unsafe */
	AIG_ERR_TOO_BIG,     /* input larger than its limit */
	AIG_ERR_SYNTAX,	     /* malformed JSON */
	AIG_ERR_CONFIG,	     /* well-formed, but not a valid configuration */
	AIG_ERR_INVALID,     /* invalid argument or input */
	AIG_ERR_UNAVAILABLE, /* a server or service could not be reached */
	AIG_ERR_INTERNAL,    /* a library call failed unexpectedly */
	AIG_ERR__COMMON_MAX  /* one past the last common status */
};

/* Each part numbers its own statuses in a range of its own, so that a
 * number means one status wherever it travels (through err->status, into
 * a log line, into a test's expectation): common 0..99, ldap/ 100..199,
 * JWT 200..299, http/ 300..399. Each part's header checks at compile time
 * that its statuses stay inside its range. */
#define AIG_STATUS_RANGE 100
#define AIG_LDAP_STATUS_BASE 100
#define AIG_JWT_STATUS_BASE 200
#define AIG_HTTP_STATUS_BASE 300
_Static_assert(AIG_ERR__COMMON_MAX <= AIG_STATUS_RANGE &&
		       AIG_LDAP_STATUS_BASE >= AIG_STATUS_RANGE &&
		       AIG_JWT_STATUS_BASE >=
			       AIG_LDAP_STATUS_BASE + AIG_STATUS_RANGE &&
		       AIG_HTTP_STATUS_BASE >=
			       AIG_JWT_STATUS_BASE + AIG_STATUS_RANGE,
	       "the status ranges of the parts overlap");

/* A short English name for a common status; static string. */
const char *aig_status_name(int status);

/* ---------------------------------------------------------------- errors */

#define AIG_ERROR_MSG_MAX 512

/* An error report. Zero-initialise it (or aig_error_clear); the first
 * aig_error_set() wins, later ones are ignored so the root cause survives. */
struct aig_error {
	int status;
	char msg[AIG_ERROR_MSG_MAX];
};

void aig_error_clear(struct aig_error *err);

/* Records status and message in err (if err is not NULL and still clear).
 * Returns status, so callers can write `return aig_error_set(...)`. */
int aig_error_set(struct aig_error *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --------------------------------------------------------------- logging */

/* A log sink. The PAM module gives one that calls pam_syslog(); the CGI
 * one for syslog(LOG_AUTHPRIV); tools one for stderr. No global state. */
typedef void aig_log_fn(void *ctx, int priority, const char *msg);

struct aig_log {
	aig_log_fn *fn;	  /* NULL: messages are dropped */
	void *ctx;	  /* borrowed, passed to fn */
	int max_priority; /* messages above it (e.g. LOG_DEBUG) are dropped */
};

/* Formats and sends one message. log may be NULL. The format must not
 * contain user input unescaped: pass it through aig_log_quote() (or
 * aig_log_escape() where the format quotes it). */
void aig_log_msg(const struct aig_log *log, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Ready-made sinks: ctx is ignored. */
aig_log_fn aig_log_stderr_fn;
aig_log_fn aig_log_syslog_fn; /* syslog(LOG_AUTHPRIV | priority, ...) */

/* The one escaping of outside data for log lines. Copies src (srclen
 * bytes, may hold NULs) into dst (NUL-terminated, dstlen > 0): printable
 * ASCII and valid UTF-8 as they are, except that a C0 control, DEL,
 * backslash, '"' and every byte that is not part of valid UTF-8 become
 * \xNN, and the other code points of aig_utf8_is_control() (C1, U+2028,
 * U+2029, bidi controls) become \uNNNN (four lower-case hex digits). The
 * result is valid UTF-8, holds no control character and no '"', and tells
 * every two inputs apart (a backslash in it always starts \x or \u);
 * when it does not fit it is cut at a whole unit and ends in "...".
 * Returns dst. */
char *aig_log_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

/* aig_log_escape() of the NUL-terminated src, for a message that quotes
 * it itself; NULL is written (none). Returns dst. */
char *aig_log_escape_str(char *dst, size_t dstlen, const char *src);

/* The form of a value from outside in a log line: aig_log_escape() of the
 * NUL-terminated src between double quotes, as in user="bob", so that
 * nothing in it can read as another key=value field; NULL is written -
 * (no quotes). dstlen >= 3 to hold anything. Returns dst. */
char *aig_log_quote(char *dst, size_t dstlen, const char *src);

/* -------------------------------------------------------- files, secrets */

#define AIG_CONFIG_MAX_BYTES (1024 * 1024)

/* Whether two stat(2) results are one file, unchanged between them: same
 * device and inode, size, mtime and ctime (a change of owner, mode or
 * content moves the ctime). For files read once and kept. */
bool aig_file_unchanged(const struct stat *a, const struct stat *b);

/* What aig_file_trusted_st() asks of a file that decides anything (the
 * configuration, a secret, a cache, a module to load). */
struct aig_file_trust {
	mode_t type; /* S_IFREG or S_IFDIR */
	uid_t owner; /* the one owner accepted besides root, e.g. geteuid() */
	bool secret; /* also refuse a file readable by group or others */
};

/* Whether st (from fstat() of what was opened, so that nothing can be
 * swapped in between) is trusted: of type t->type, not writable by group
 * or others, not readable by them if t->secret, and owned by root or
 * t->owner. AIG_OK, or AIG_ERR_UNSAFE with a message naming what (a path,
 * for messages only). */
int aig_file_trusted_st(const struct stat *st, const struct aig_file_trust *t,
			const char *what, struct aig_error *err);

/* Loads dir/name with dlopen(3) (flags as dlopen's), if the directory
 * and the file (a regular file, not a symbolic link) belong to root or to
 * owner and nobody else may write them; the checks are made on what was
 * opened, and that is what is loaded (module.c says how). *handle is the
 * dlopen(3) handle. AIG_ERR_UNSAFE when a check fails, AIG_ERR_UNAVAILABLE
 * when the file cannot be opened or loaded. */
int aig_module_load(const char *dir, const char *name, uid_t owner, int flags,
		    void **handle, struct aig_error *err);

/* Reads a whole configuration-like file: refuses a symlink, anything but a
 * regular file, a file writable by group or others, a file owned by anyone
 * but root or the effective user, or one larger than max_bytes.
 * On success *buf is NUL-terminated (caller frees with free()) and *len is
 * its length without the NUL. */
int aig_file_read_checked(const char *path, size_t max_bytes, char **buf,
			  size_t *len, struct aig_error *err);

/* Reads a secret (a password file): same checks, and also refuses a file
 * readable by group or others, an empty secret and one holding a NUL. One
 * trailing newline is removed. Release it with aig_secret_free(), which
 * wipes it; intermediate buffers are wiped too. */
int aig_secret_read(const char *path, char **secret, struct aig_error *err);

/* Reads a binary secret (a key) with aig_secret_read()'s checks, as it is:
 * any bytes, at most max_bytes. *buf is new (*len bytes, then a NUL):
 * release it with aig_wipe_free(*buf, *len). */
int aig_secret_read_raw(const char *path, size_t max_bytes, unsigned char **buf,
			size_t *len, struct aig_error *err);

/* Wipes and frees a secret from aig_secret_read(). NULL is fine. */
void aig_secret_free(char *secret);

/* Wipes len bytes at p (explicit_bzero), then frees p. NULL is fine. */
void aig_wipe_free(void *p, size_t len);

/* ---------------------------------------------------------- JSON loading */

/* Parses text (len bytes) with jansson: duplicate keys rejected, a single
 * top-level object or array, invalid UTF-8 and NUL refused. On failure the
 * error names file:line:column. Returns a new reference (caller
 * json_decref()s) or NULL. */
json_t *aig_json_parse(const char *file, const char *text, size_t len,
		       struct aig_error *err);

/* Finds where the value at JSON Pointer `pointer` starts in the (already
 * valid) JSON text. With `key` true and the pointer naming an object
 * member, gives the member's key instead. Positions are 1-based; column
 * counts characters (UTF-8 sequences), as jansson's do. Returns true if found,
 * else the position of the deepest container reached. */
bool aig_json_locate(const char *text, size_t len, const char *pointer,
		     bool key, unsigned *line, unsigned *column);

/* ------------------------------------------------- strict JSON reading */

/* The one reader of aigate.json and policy.json (jsonread.c). Values are
 * fetched by type and range; every error is AIG_ERR_CONFIG with the
 * message
 *   file:line:column: <prefix>"dotted.key": what
 * where the position is that of the offending value (or of the key for
 * an unknown key, or of the object that lacks a required key) and the
 * dotted key is the JSON Pointer with '/' shown as '.'. Pointers are
 * built with aig_jr_join(), which escapes '~' as "~0" and '/' as "~1"
 * (RFC 6901), so a key holding either is found and printed as such.
 * Nothing here allocates: strings, objects and arrays handed out are
 * borrowed from the json_t tree, for as long as the caller holds it. */
struct aig_jr {
	const char *name; /* the file name, for messages (borrowed) */
	const char *text; /* the JSON text, for positions (borrowed) */
	size_t len;
	struct aig_error *err;
	char prefix[96]; /* written before the key in messages; "" for none */
};

#define AIG_JR_PTR_MAX 320 /* the pointer buffers the getters use */

/* Flags of the getters. AIG_JR_TERSE: strings get one message for every
 * fault, "must be a non-empty string" (aigate.json's lists). */
#define AIG_JR_REQUIRED 0x1    /* absent is an error */
#define AIG_JR_NULL_ABSENT 0x2 /* null counts as absent */
#define AIG_JR_NO_CONTROL 0x4  /* strings: refuse C0 controls and DEL */
#define AIG_JR_TERSE 0x8

/* Sets err (first error wins) about the value at JSON Pointer ptr (its
 * key, if key) and returns AIG_ERR_CONFIG. */
int aig_jr_fail(const struct aig_jr *r, const char *ptr, bool key,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* out = ptr "/" key with the key escaped per RFC 6901; truncated to
 * outlen - 1 bytes. */
void aig_jr_join(char *out, size_t outlen, const char *ptr, const char *key);

/* out = ptr "/" i. */
void aig_jr_join_index(char *out, size_t outlen, const char *ptr, size_t i);

/* Refuses the first member of obj (at ptr) not named in allowed
 * (NULL-terminated): "unknown key", at the key. */
int aig_jr_check_keys(const struct aig_jr *r, json_t *obj, const char *ptr,
		      const char *const *allowed);

/* The value v at ptr as a string of 1 to max bytes (flags: NO_CONTROL,
 * TERSE). *out is borrowed from v; NULL on error. */
int aig_jr_string(const struct aig_jr *r, json_t *v, const char *ptr,
		  size_t max, unsigned flags, const char **out);

/* The getters read member key of obj, which sits at ptr; obj may be NULL
 * (all members absent). A member that is absent (flags REQUIRED,
 * NULL_ABSENT) leaves *out NULL for objects, strings and arrays, and
 * unchanged for integers and booleans. */
int aig_jr_get_object(const struct aig_jr *r, json_t *obj, const char *ptr,
		      const char *key, unsigned flags, json_t **out);
int aig_jr_get_string(const struct aig_jr *r, json_t *obj, const char *ptr,
		      const char *key, unsigned flags, size_t max,
		      const char **out);
/* An integer in [min, max]. */
int aig_jr_get_int(const struct aig_jr *r, json_t *obj, const char *ptr,
		   const char *key, unsigned flags, json_int_t min,
		   json_int_t max, json_int_t *out);
int aig_jr_get_bool(const struct aig_jr *r, json_t *obj, const char *ptr,
		    const char *key, unsigned flags, bool *out);
/* An array of minn to maxn strings, each checked by aig_jr_string() with
 * maxlen and flags; *out is the array. */
int aig_jr_get_strings(const struct aig_jr *r, json_t *obj, const char *ptr,
		       const char *key, unsigned flags, size_t minn,
		       size_t maxn, size_t maxlen, json_t **out);

/* ----------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 if the
 * bytes there are not valid UTF-8 (overlong, surrogate, > U+10FFFF). */
size_t aig_utf8_seq_len(const unsigned char *s, size_t n);

/* Same, and the code point it encodes into *cp (left alone on 0). */
size_t aig_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* True for a code point that may not appear as itself in a log line or a
 * user name: C0 controls, DEL, C1 controls (U+0080 to U+009F, NEL among
 * them), U+2028 and U+2029, and the bidi controls (U+061C, U+200E,
 * U+200F, U+202A to U+202E, U+2066 to U+2069). */
bool aig_utf8_is_control(uint32_t cp);

/* True if the len bytes at s are valid UTF-8 holding no code point for
 * which aig_utf8_is_control() is true (so no NUL either). The one check
 * for names that come from outside: Basic user names, token claims. */
bool aig_utf8_clean(const char *s, size_t len);

/* True if the len bytes at s are valid UTF-8 (NUL bytes count as valid). */
bool aig_utf8_valid(const char *s, size_t len);

/* ---------------------------------------------------------------- base64 */

/* Strict RFC 4648 decoding of len characters: url false is base64 (§4)
 * padded to a multiple of four; url true is base64url (§5) without
 * padding. Refuses any other character (whitespace included), misplaced
 * or missing padding, and non-zero unused bits. out holds cap bytes;
 * aig_base64_decoded_len(len) is enough. *outlen gets the bytes written. */
bool aig_base64_decode(const char *in, size_t len, bool url, unsigned char *out,
		       size_t cap, size_t *outlen);

/* The bytes that len characters without padding decode to. */
size_t aig_base64_decoded_len(size_t len);

/* ------------------------------------------------------ numbers as text */

/* The n bytes at bytes as 2 * n lower-case hex digits, then a NUL: out
 * holds 2 * n + 1 bytes. */
void aig_hex_lower(char *out, const void *bytes, size_t n);

#define AIG_DECIMAL_MAX 20 /* "-9223372036854775808" */

/* v in decimal at out, with a '-' when negative and no NUL; returns the
 * number of bytes written (at most AIG_DECIMAL_MAX). */
size_t aig_decimal(char out[AIG_DECIMAL_MAX], long long v);

/* ---------------------------------------------------------- request ids */

#define AIG_REQUEST_ID_LEN 32 /* 128 bits as lower-case hex */

/* Fills out with 32 hex digits and a NUL from getrandom(). */
int aig_request_id(char out[AIG_REQUEST_ID_LEN + 1], struct aig_error *err);

/* Constant-time comparison of two byte strings of the same length. */
bool aig_ct_equal(const void *a, const void *b, size_t len);

/* --------------------------------------------------------- configuration */

enum aig_groups_method {
	AIG_GROUPS_TOKENGROUPS = 0,
	AIG_GROUPS_IN_CHAIN,
	AIG_GROUPS_MEMBEROF,
};

enum aig_sasl_mech {
	AIG_SASL_NONE = 0, /* simple bind */
	AIG_SASL_GSSAPI,
	AIG_SASL_EXTERNAL,
};

enum aig_auth_method {
	AIG_AUTH_BEARER = 1,
	AIG_AUTH_BASIC = 2,
	/* 3: kept free */
	AIG_AUTH_ALB = 4, /* x-amzn-oidc-data from an AWS ALB (aig_alb.h) */
	AIG_AUTH_NEGOTIATE = 5,	  /* HTTP Negotiate (Kerberos through SPNEGO) */
	AIG_AUTH_REMOTE_USER = 6, /* REMOTE_USER set by the web server */
};
#define AIG_AUTH_METHODS_MAX 6

/* A list of owned strings. */
struct aig_strv {
	char **v;
	size_t n;
};

/* aigate.json, as aigate.json(5) describes. Every string is owned by the struct
 * and freed by aig_config_free(); absent optional strings are NULL. */
struct aig_config {
	char *path; /* the file it was read from */

	struct {
		struct aig_strv uri;
		char *dns_srv;
		char *domain;
		char *base_dn;
		char *ca_file; /* NULL: the system store */
		bool starttls;
		int timeout_ms;
		char *login_attribute;
		enum aig_groups_method groups;
		bool has_service_bind;
		struct {
			char *dn;
			char *password_file;
			enum aig_sasl_mech sasl_mech;
			char *keytab;
			/* EXTERNAL: the TLS client certificate and key
			 * (PEM), a key of aigate.json(5) */
			char *cert_file;
			char *key_file;
		} service_bind;
	} ldap;

	struct {
		bool present;
		char *issuer;
		struct aig_strv audience;
		char *jwks_uri;
		char *jwks_file;
		char *ca_file; /* CA bundle for jwks_uri and discovery; NULL:
				* the system store (aigate.json(5)) */
		struct aig_strv algorithms;
		int leeway_s;
		char *user_claim;
		char *groups_claim;
		bool groups_from_ldap;
		char *token_use; /* "id", "access", or NULL: not checked */
		struct aig_strv client_ids; /* client_id, when aud is absent */
	} jwt;

	/* auth.alb (config_alb.c): present when "alb" is in auth.methods */
	struct {
		bool present;
		char *arn;		    /* the signer, exactly */
		char *region;		    /* default: the ARN's */
		struct aig_strv client_ids; /* n == 0: client not checked */
		char *key_url;		    /* https, without the kid */
		char *ca_file;		    /* NULL: the system store */
		char *user_claim;
		char *groups_claim;
		bool groups_from_ldap;
	} alb;

	struct {
		enum aig_auth_method
			methods[AIG_AUTH_METHODS_MAX]; /* in order */
		size_t n_methods;
		char *pam_service;
		/* NULL: /etc/pam.d; else the directory libpam reads the
		 * service from (pam_start_confdir(3)), nothing else */
		char *pam_confdir;
		char *realm;
		/* failed Basic logins allowed a minute; 0: not limited */
		struct {
			unsigned per_ip_per_minute;   /* default 10 */
			unsigned per_user_per_minute; /* default 5 */
		} failure_limit;
		/* credentials only over HTTPS (the CGI variable HTTPS) */
		bool require_https;
		/* FastCGI: seconds a verified Basic login is answered from
		 * the process's memory; 0: off */
		int basic_cache_s;
		/* auth.negotiate (config_sso.c): keytab, NULL unless negotiate
		 * is listed; service_principal NULL: any HTTP/ key; realms
		 * never empty once negotiate is listed */
		struct {
			char *keytab;
			char *service_principal;
			struct aig_strv realms;
			/* FastCGI: seconds an account AD found usable is
			 * trusted without asking again (negotiate and
			 * remote_user); 0: asked every request */
			int account_check_s;
		} negotiate;
		/* auth.remote_user: the AUTH_TYPE values trusted, the realms
		 * whose "@REALM" suffix is taken off REMOTE_USER */
		struct {
			struct aig_strv auth_types;
			struct aig_strv realms;
		} remote_user;
	} auth;

	struct {
		char *url;
		int timeout_ms;
		char *sandbox_url; /* for prompts routed to the sandbox; or NULL
				    */
		/* backend.identity: X-Aigate-Identity, a JWS the gate signs
		 * (aigate.json(5)); key_file NULL: not sent */
		struct {
			char *key_file; /* EC P-256 private key, PEM */
			char *audience;
			int ttl_s; /* 1..60 */
		} identity;
	} backend;

	/* where quarantined prompts are kept, encrypted (CMS) to the
	 * reviewers' certificate; dir NULL when not configured */
	struct {
		char *dir;
		char *recipient_cert;
		unsigned max_mb; /* default 512 */
	} quarantine;

	char *policy_file;
	char *state_dir;
	char *state_key_file; /* authenticates the caches under state_dir */

	struct {
		char *store; /* "lmdb" or "redis://host:port/db" */
	} ratelimit;

	struct {
		char *file;
		bool syslog;
		struct { /* aigatectl audit seal|verify|keygen */
			char *digest_file; /* the chained, signed records */
			char *mac_state;   /* epoch and evolving MAC key */
			char *signing_key; /* Ed25519 private key, PEM */
		} seal;
	} audit;
};

/* The path used when none is given: $sysconfdir/aigate/aigate.json. */
const char *aig_config_default_path(void);

/* The state_key_file used when none is given:
 * $sysconfdir/aigate/state.key. */
const char *aig_config_default_state_key(void);

/* Loads and validates aigate.json. On success *cfg is a new config (caller
 * frees with aig_config_free()). Errors name the key and file:line:column. */
int aig_config_load(const char *path, struct aig_config **cfg,
		    struct aig_error *err);

/* Same, from text already in memory (for tests and fuzzing); `name` is
 * used in error messages. No file checks. */
int aig_config_parse(const char *name, const char *text, size_t len,
		     struct aig_config **cfg, struct aig_error *err);

void aig_config_free(struct aig_config *cfg);

/* config_sso.c: auth.negotiate and auth.remote_user, read after the rest
 * (their defaults come from ldap.domain); auth is the "auth" member of the
 * top object or NULL. */
int aig_config_parse_sso(const struct aig_jr *c, json_t *auth,
			 struct aig_config *cfg);
void aig_config_free_sso(struct aig_config *cfg);

/* True if the configuration lists method m in auth.methods. */
bool aig_config_has_method(const struct aig_config *cfg,
			   enum aig_auth_method m);

/* ---------------------------------------------------------------- groups */

/* Frees the strings of sv and empties it. NULL is fine. */
void aig_strv_free(struct aig_strv *sv);

/* The names in g as one string "g1,g2,...", with '%', ',' and control
 * characters in a name written as %XX (AIGATE_GROUPS, X-Aigate-Groups).
 * Returns a new string (caller frees) or NULL when out of memory. */
char *aig_groups_join(const struct aig_strv *g);

/* The reverse: fills out with new strings (free with aig_strv_free()).
 * An empty string is no groups; an empty name, a bad or %00 escape is
 * AIG_ERR_INVALID. */
int aig_groups_split(const char *s, struct aig_strv *out,
		     struct aig_error *err);

/* ------------------------------------------------------------ state key */

/* The caches under state_dir (the JWK Set, the LDAP group cache) are
 * written by the gate's user, and so by anything else that runs as that
 * user. Each file or entry carries an HMAC-SHA256 under the key in
 * state_key_file over its content and what it belongs to (which cache,
 * which source or login, when it was stored); one whose MAC does not
 * verify is a miss. Without the key the caches are not used at all. */

#define AIG_STATE_KEY_MIN 32   /* bytes of key at least */
#define AIG_STATE_KEY_MAX 1024 /* and at most */
#define AIG_STATE_MAC_LEN 32   /* HMAC-SHA256 */

struct aig_state_key;

/* One piece of what a MAC covers (borrowed). */
struct aig_mac_part {
	const void *data;
	size_t len;
};

/* Reads the key from path with aig_secret_read_raw()'s checks (a regular
 * file, not a symlink, mode 0600 or 0400, owned by root or this user):
 * its bytes as they are, AIG_STATE_KEY_MIN to AIG_STATE_KEY_MAX of them.
 * *key is new: aig_state_key_free() wipes and frees it. */
int aig_state_key_load(const char *path, struct aig_state_key **key,
		       struct aig_error *err);

/* A key of AIG_STATE_KEY_MIN random bytes (getrandom(2)) that lives only
 * in this process, for state that is never written anywhere. */
int aig_state_key_random(struct aig_state_key **key, struct aig_error *err);

void aig_state_key_free(struct aig_state_key *key);

/* HMAC-SHA256 under key over the n parts, each preceded by its length (8
 * bytes, big-endian), so that no two lists of parts give the same input.
 * The first part should name the kind of state ("aigate jwks-cache v1"). */
int aig_state_mac(const struct aig_state_key *key,
		  const struct aig_mac_part *parts, size_t n,
		  unsigned char mac[AIG_STATE_MAC_LEN], struct aig_error *err);

/* True if mac (AIG_STATE_MAC_LEN bytes) is the MAC of the parts; compared
 * in constant time (aig_ct_equal()). */
bool aig_state_mac_ok(const struct aig_state_key *key,
		      const struct aig_mac_part *parts, size_t n,
		      const unsigned char *mac);

/* The same with the MAC as 2 * AIG_STATE_MAC_LEN lowercase hex digits
 * (hex: that many bytes, then a NUL), for text files. */
int aig_state_mac_hex(const struct aig_state_key *key,
		      const struct aig_mac_part *parts, size_t n,
		      char hex[2 * AIG_STATE_MAC_LEN + 1],
		      struct aig_error *err);
bool aig_state_mac_hex_ok(const struct aig_state_key *key,
			  const struct aig_mac_part *parts, size_t n,
			  const char *hex, size_t hexlen);

/* ------------------------------------------------------ writing JSON text */

/* A JSON text written straight into a buffer, for a record made once and
 * written out (the audit line): the same text as jansson's json_dumps()
 * with JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6), but no
 * tree of objects is built. It starts in the caller's buffer fixed and
 * moves to the heap when that is full; aig_jw_free() releases what it
 * took. buf holds len bytes and a NUL. On running out of memory it sets
 * failed and writes nothing more: check failed before using the text.
 * A string that is not valid UTF-8 is written with U+FFFD for each byte
 * that is not (jansson would refuse the whole string). */
struct aig_jw {
	char *buf;   /* the text: fixed, or owned (malloc) once it grew */
	char *fixed; /* the caller's buffer */
	size_t len, cap;
	bool comma;  /* a value was written at this level: ',' before next */
	bool failed; /* out of memory (or no buffer): the text is cut */
};

void aig_jw_init(struct aig_jw *w, char *fixed, size_t cap);
void aig_jw_free(struct aig_jw *w);
/* key is the member's name inside an object, NULL inside an array or at
 * the top. bracket is '{' or '[' to open and '}' or ']' to close. */
void aig_jw_open(struct aig_jw *w, const char *key, char bracket);
void aig_jw_close(struct aig_jw *w, char bracket);
/* A string, or null when s is NULL. */
void aig_jw_str(struct aig_jw *w, const char *key, const char *s);
void aig_jw_int(struct aig_jw *w, const char *key, long long v);
void aig_jw_bool(struct aig_jw *w, const char *key, bool v);
/* A real as "%.6g" (null for NaN and the infinities). */
void aig_jw_real(struct aig_jw *w, const char *key, double v);

/* ----------------------------------------------------------------- audit */

/* The current time as RFC 3339 UTC with milliseconds,
 * "2026-11-25T18:33:30.123Z", into out (at least 32 bytes). */
void aig_time_rfc3339(char *out, size_t outlen);

/* The same for a given time (seconds since the epoch, milliseconds). It
 * does not call gmtime_r(3), which reads /etc/localtime first. */
void aig_time_rfc3339_at(int64_t sec, long ms, char *out, size_t outlen);

/* Appends record (borrowed) as one compact JSON line to path with a single
 * write(2) on an O_APPEND descriptor, so that lines from concurrent
 * writers never interleave. The file is created with mode 0640. */
int aig_audit_append(const char *path, const json_t *record,
		     struct aig_error *err);

/* The same in two steps, for a caller that must know it can audit before
 * it does anything (aigate.cgi opens the file first and fails closed): open
 * path for appending (*fd: caller closes), then write one record to it
 * (path only names it in errors). */
int aig_audit_open(const char *path, int *fd, struct aig_error *err);
int aig_audit_write(int fd, const char *path, const json_t *record,
		    struct aig_error *err);
/* The same for a record already written as text (line, len bytes; one
 * JSON object without its newline, which this adds). The buffer must have
 * one byte of room after line[len - 1]: it is used for the newline. */
int aig_audit_write_text(int fd, const char *path, char *line, size_t len,
			 struct aig_error *err);
int aig_audit_append_text(const char *path, char *line, size_t len,
			  struct aig_error *err);

#endif /* AIG_COMMON_H */
