/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seal.h - what the files of `aigatectl audit seal|verify|keygen` share:
 * the evolving MAC key and its state file, the Ed25519 signature, the
 * digest record and its canonical message, and reading audit files (plain
 * or gzip) line by line. The format is aigate-audit-seal(8), DIGEST FORMAT.
 * Not a library header: only aigatectl includes it.
 */
#ifndef AIG_CTL_SEAL_H
#define AIG_CTL_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "aig_common.h"

#define SEAL_KEY_LEN 32
#define SEAL_HEX256 65 /* 64 hex digits and a NUL */
#define SEAL_HEX64 17  /* 16 hex digits and a NUL */
#define SEAL_SIG_HEX 129
#define SEAL_NAME_MAX 256

/* ------------------------------------------------------------------ keys */

/* The evolving MAC key of one epoch. Wipe with seal_state_wipe(). */
struct seal_state {
	uint64_t epoch;
	unsigned char key[SEAL_KEY_LEN];
};

void seal_state_wipe(struct seal_state *st);

/* Reads a state file (or an initial key file: the same format at epoch
 * 0). Refuses a symbolic link, a file readable or writable by group or
 * others and one owned by anyone but root or the effective user. */
int seal_state_load(const char *path, struct seal_state *st,
		    struct aig_error *err);

/* Writes st to path. With exclusive, a new file (mode 0600) that must not
 * exist yet; else over the existing state in place (the old key's bytes
 * overwritten on disk), which must be a trusted secret file. */
int seal_state_store(const char *path, const struct seal_state *st,
		     bool exclusive, struct aig_error *err);

/* One step forward: k(e+1) = HKDF-SHA256(k(e), salt, info(e+1)); the old
 * key is overwritten, intermediate copies wiped. */
int seal_state_evolve(struct seal_state *st, struct aig_error *err);

/* The record MAC: HMAC-SHA256 under a key derived from the epoch key and
 * bound to the epoch number, as lowercase hex. */
int seal_mac_hex(const struct seal_state *st, const char *msg, size_t len,
		 char hex[SEAL_HEX256], struct aig_error *err);

/* Ed25519 keys. Private: a secret PEM file (checked as a secret). Public:
 * a PEM file, or NULL when pem is not one. Free with EVP_PKEY_free(). */
EVP_PKEY *seal_private_key_load(const char *path, struct aig_error *err);
EVP_PKEY *seal_public_key_load(const char *path, struct aig_error *err);

int seal_sign_hex(EVP_PKEY *key, const char *msg, size_t len,
		  char hex[SEAL_SIG_HEX], struct aig_error *err);
bool seal_sig_ok(EVP_PKEY *key, const char *msg, size_t len, const char *hex);

/* Constant-time comparison of two NUL-terminated hex strings. */
bool seal_hex_eq(const char *a, const char *b);

/* SHA-256 of n bytes as hex. */
void seal_sha256_hex(const void *p, size_t n, char hex[SEAL_HEX256]);

/* A fast 64-bit hash of one line: for diagnosis only (which lines were
 * reordered, deleted, inserted), never for integrity. */
uint64_t seal_line_hash(const void *p, size_t n);

/* ---------------------------------------------------------------- record */

struct seal_rec {
	uint64_t seq;		  /* position in the digest, from 0 */
	uint64_t epoch;		  /* the MAC key's epoch */
	char time[40];		  /* RFC 3339, UTC */
	char file[SEAL_NAME_MAX]; /* base name when sealed */
	uint64_t inode;		  /* inode when sealed */
	char first[SEAL_HEX256];  /* SHA-256 of the file's first line */
	uint64_t start, end;	  /* byte range [start, end) */
	uint64_t line, lines;	  /* first line number (from 1), count */
	char sha256[SEAL_HEX256]; /* SHA-256 of the range */
	char head[SEAL_HEX64];	  /* line hash of the range's first line */
	char tail[SEAL_HEX64];	  /* ... of its last line */
	char lsum[SEAL_HEX64];	  /* sum of its line hashes mod 2^64 */
	char prev[SEAL_HEX256];	  /* SHA-256 of the previous record line */
	char mac[SEAL_HEX256];	  /* see seal_mac_hex() */
	char sig[SEAL_SIG_HEX];	  /* Ed25519 over message and mac */
};

/* The canonical message the MAC covers (every field but mac and sig);
 * the signature covers it followed by "mac=HEX\n". New string, NULL when
 * out of memory. */
char *seal_rec_message(const struct seal_rec *r, bool with_mac);

/* The record as one JSON line without the newline. New string. */
char *seal_rec_format(const struct seal_rec *r);

/* Parses one digest line strictly: every field present, of its type and
 * form, nothing else. */
bool seal_rec_parse(const char *line, size_t len, struct seal_rec *r);

/* ---------------------------------------------------------- audit files */

/* The audit files: the current one and its rotations (base name followed
 * by "." or "-"), in dir. Sorted oldest rotation first (by mtime). */
int seal_list_files(const char *audit_file, struct aig_strv *paths,
		    struct aig_error *err);

#endif /* AIG_CTL_SEAL_H */
