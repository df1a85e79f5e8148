/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl.h - what the files of aigatectl share: the parsed command line, the
 * exit statuses of aigatectl(8), output helpers (tables for people, JSON for
 * scripts) and the subcommands. Not a library header: only aigatectl and
 * its unit test include it.
 */
#ifndef AIG_CTL_H
#define AIG_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "aig_common.h"

/* Exit statuses (aigatectl(8)). */
enum ctl_exit {
	CTL_EXIT_OK = 0,	  /* done, allowed */
	CTL_EXIT_REFUSED = 1,	  /* refused, not found, check failed */
	CTL_EXIT_USAGE = 2,	  /* bad command line */
	CTL_EXIT_UNAVAILABLE = 3, /* AD or the issuer could not be reached */
};

/* The command line, parsed once. Strings are borrowed from argv; cfg and
 * the log context are owned (ctl_free()). */
struct ctl {
	const char *prog; /* for messages: "aigatectl" */
	const char *cmd;  /* the subcommand */
	char **args;	  /* its positional arguments */
	int nargs;
	const char *config_path;	/* -c, else the default path */
	bool json;			/* --json */
	bool verbose;			/* -v: library log lines on stderr */
	const char *bind_dn;		/* --bind-dn */
	const char *password_file;	/* --password-file */
	const char *user_password_file; /* --user-password-file */
	bool recursive;			/* --recursive */
	const char *groups;		/* --groups, NULL when not given */
	const char *since;		/* --since */
	const char *initial_key; /* --initial-key (audit keygen|verify) */
	const char *public_key;	 /* --public-key (audit verify) */
	bool config_given;	 /* -c was given */
	const char *jwks_file;	 /* token verify --jwks */
	bool alb;		 /* token verify --alb */
	bool signature_only;	 /* token verify --signature-only */
	const char *web_user;	 /* check --web-user */
	const char *key_file;	 /* --key (quarantine show) */
	const char *older_than;	 /* --older-than (quarantine purge) */
	bool top_users;		 /* --top-users (audit summary) */
	bool all;		 /* --all (cache drop) */
	struct aig_config *cfg;	 /* loaded by ctl_load_config() */
	struct aig_log log;	 /* see ctl_log_fn() */
	char last_warning[AIG_ERROR_MSG_MAX]; /* the sink keeps the last */
	bool quiet_warnings; /* keep warnings, do not print them (the
			      * default, but for jwks show) */
};

/* ------------------------------------------------------------ messages */

/* Prints "aigatectl: CMD: message" on stderr, as one line, and returns
 * code. The message must already have user input escaped (ctl_esc()). */
int ctl_fail(const struct ctl *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Escapes s for a message (aig_log_escape) into buf; returns buf. */
const char *ctl_esc(char *buf, size_t len, const char *s);

/* The log sink the libraries get: warnings are kept in c->last_warning
 * and printed unless c->quiet_warnings; other lines only with -v. */
void ctl_log_fn(void *ctx, int priority, const char *msg);

/* Loads c->config_path into c->cfg. On failure prints the loader's message
 * (file:line:col) and returns CTL_EXIT_REFUSED; else CTL_EXIT_OK. */
int ctl_load_config(struct ctl *c);

void ctl_free(struct ctl *c);

/* -------------------------------------------------------------- output */

/* A copy of s safe to print on a terminal: control characters (C0, DEL,
 * C1) and invalid UTF-8 become \xNN; other text, backslashes included, is
 * kept. Caller frees; NULL when out of memory. */
char *ctl_term_safe(const char *s, size_t len);

/* A JSON string for s (borrowed); invalid UTF-8 is escaped first so that
 * the output stays valid JSON. New reference, NULL when out of memory. */
json_t *ctl_jstr(const char *s);

/* Prints j (borrowed) on stdout, indented, with a final newline. Returns
 * false if it could not be written. */
bool ctl_json_print(const json_t *j);

/* A table of text, printed with aligned columns. Cells are copied and
 * made terminal-safe. */
struct ctl_table;

struct ctl_table *ctl_table_new(size_t ncols, const char *const *headers);
/* Adds a row of ncols cells (NULL prints as "-"). */
bool ctl_table_add(struct ctl_table *t, const char *const *cells);
void ctl_table_print(const struct ctl_table *t, FILE *f);
void ctl_table_free(struct ctl_table *t);

/* Prints "label  value" with labels padded to width; value made safe. */
void ctl_field(const char *label, const char *value);

/* ------------------------------------------------------------ secrets */

/* Asks for a password on /dev/tty with echo off (termios), restoring the
 * terminal on every path, a signal included (which is then re-raised).
 * prompt is printed as is. On AIG_OK *out is new: release it with
 * aig_secret_free(). AIG_ERR_IO when there is no terminal. */
int ctl_read_password_tty(const char *prompt, char **out,
			  struct aig_error *err);

/* -------------------------------------------------------- audit summary */

/* Parses an RFC 3339 time ("2026-11-25T18:33:30.123Z", "...+01:00",
 * 't'/'z' and ' ' accepted as RFC 3339 allows) into milliseconds since
 * the epoch. Returns false if s is not one. */
bool ctl_rfc3339_parse(const char *s, long long *ms);

/* --since: an RFC 3339 time, or a duration back from now_ms: a number
 * followed by s, m, h, d or w ("90s", "30m", "1h", "7d"). */
bool ctl_since_parse(const char *s, long long now_ms, long long *ms);

/* Counts of an audit file, as a JSON object (see aigatectl(8)). */
struct ctl_audit;

/* since_ms: records older are skipped (0: none). NULL when out of memory.
 * Free with ctl_audit_free(). */
struct ctl_audit *ctl_audit_new(long long since_ms);
/* Adds one line (len bytes, no newline needed) of the audit file. */
void ctl_audit_line(struct ctl_audit *a, const char *line, size_t len);
/* The summary: a new reference; top_users is limited to top_n. */
json_t *ctl_audit_result(const struct ctl_audit *a, size_t top_n);
void ctl_audit_free(struct ctl_audit *a);

/* --------------------------------------------------------- subcommands */

/* Each returns an exit status (enum ctl_exit); c->cfg is loaded. */
int ctl_cmd_check(struct ctl *c);
int ctl_cmd_test_auth(struct ctl *c);
int ctl_cmd_groups(struct ctl *c);
int ctl_cmd_members(struct ctl *c);
int ctl_cmd_add_member(struct ctl *c);
int ctl_cmd_remove_member(struct ctl *c);
int ctl_cmd_explain(struct ctl *c);
int ctl_cmd_jwks(struct ctl *c);
int ctl_cmd_audit(struct ctl *c);
/* audit seal|verify|keygen (seal.c, seal_verify.c); else ctl_cmd_audit. */
int ctl_cmd_audit_seal(struct ctl *c);
int ctl_cmd_audit_verify(struct ctl *c);

/* check_deep.c: the domain controllers, the service bind, the keys,
 * state_dir and audit writable by --web-user, Redis; one item each in
 * items. False when one a request needs is broken. */
bool ctl_check_deep(struct ctl *c, const struct aig_config *cfg, json_t *items);

/* token.c; loads the configuration itself (not with --jwks). */
int ctl_cmd_token(struct ctl *c);
int ctl_cmd_quarantine(struct ctl *c); /* quarantine.c */
int ctl_cmd_cache(struct ctl *c);

/* Run as root with a state_dir owned by another user: become that user
 * (and its group, no supplementary groups), as the state key and caches
 * are that user's. Else nothing. An exit status. */
int ctl_become_state_owner(const struct ctl *c);
int ctl_cmd_negotiate(struct ctl *c);

/* negotiate.c: user without its "@REALM" when REALM is one of
 * auth.negotiate.realms (written as they are: Kerberos realms are upper
 * case, a UPN's domain is not), copied into buf (len bytes); else user. */
const char *ctl_principal_user(const struct ctl *c, const char *user, char *buf,
			       size_t len);

/* The user's groups from the directory, for explain: binds as
 * ctl_admin_bind() does. On CTL_EXIT_OK *groups is filled (free with
 * aig_strv_free()); otherwise the message is printed. */
int ctl_user_groups(struct ctl *c, const char *user, struct aig_strv *groups);

#endif /* AIG_CTL_H */
