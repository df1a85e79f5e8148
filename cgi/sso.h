/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sso.h - single sign-on in the gate: HTTP Negotiate (Kerberos through
 * SPNEGO, RFC 4559) and REMOTE_USER from a web server that authenticated
 * the caller (aigate.json(5), auth.negotiate and auth.remote_user).
 */
#ifndef AIG_SSO_H
#define AIG_SSO_H

#include <stdbool.h>
#include <stddef.h>

#include "aig_common.h"

/* ------------------------------------------------------------- spnego.c */

enum aig_spnego_kind {
	AIG_SPNEGO_KERBEROS = 0, /* SPNEGO whose first mechanism is Kerberos,
				  * with its AP-REQ: the one kind accepted */
	AIG_SPNEGO_NTLM,	 /* NTLMSSP, bare or offered first in SPNEGO */
	AIG_SPNEGO_RAW_KERBEROS, /* a Kerberos token without SPNEGO */
	AIG_SPNEGO_OTHER_MECH,	 /* another mechanism */
	AIG_SPNEGO_MALFORMED,	 /* not a first-round SPNEGO token */
};

struct aig_spnego {
	/* SHA-256 of the authenticator's ciphertext (AIG_SPNEGO_KERBEROS):
	 * what the replay record keeps */
	unsigned char digest[32];
};

/* Reads the decoded Negotiate token (len bytes) far enough to say what it
 * is; nothing in it is trusted yet (GSSAPI checks it afterwards). */
enum aig_spnego_kind aig_spnego_inspect(const unsigned char *tok, size_t len,
					struct aig_spnego *out);

/* The audit reason for a refused kind; NULL for AIG_SPNEGO_KERBEROS.
 * Static string. */
const char *aig_spnego_refusal(enum aig_spnego_kind k);

/* ------------------------------------------------------------- replay.c */

/* How long an accepted authenticator is remembered: an authenticator is
 * accepted within the clock skew (Kerberos' default, 5 minutes) on either
 * side of its time, so it could come back for twice that. */
#define AIG_REPLAY_TTL_S 600

struct aig_replay;

/* Opens the record named by the configuration's state store: LMDB
 * (state_dir/negotiate-replay.mdb, shared by the processes of a host) or
 * the ratelimit.store Redis (shared by several hosts). cfg is borrowed.
 * *out is new: free with aig_replay_close(). */
int aig_replay_open(const struct aig_config *cfg, struct aig_replay **out,
		    struct aig_error *err);
void aig_replay_close(struct aig_replay *r);

/* Records digest for AIG_REPLAY_TTL_S seconds, atomically with the check
 * that it was not there: *seen true means a replay (nothing changed). Any
 * store failure is an error status (the caller refuses: fail closed). */
int aig_replay_record(struct aig_replay *r, const unsigned char digest[32],
		      bool *seen, struct aig_error *err);

#endif /* AIG_SSO_H */
