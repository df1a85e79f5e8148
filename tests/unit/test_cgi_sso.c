/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgi_sso.c - single sign-on pieces that need no KDC: what the
 * SPNEGO reader makes of tokens (Kerberos, NTLM, bare Kerberos, other
 * mechanisms, hostile DER), the replay record in LMDB, and the
 * configuration of auth.negotiate and auth.remote_user. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aig_test.h"
#include "sso.h"

static char dir[] = "/tmp/aig-test-sso-XXXXXX";

/* A DER element tag + len + content into out at *n (short or 2-byte
 * long form, or the long form with lenbytes when forced). */
static void put(unsigned char *out, size_t *n, unsigned tag,
		const unsigned char *c, size_t len, bool long_form)
{
	out[(*n)++] = (unsigned char)tag;
	if (len < 0x80 && !long_form) {
		out[(*n)++] = (unsigned char)len;
	} else {
		out[(*n)++] = 0x82;
		out[(*n)++] = (unsigned char)(len >> 8);
		out[(*n)++] = (unsigned char)len;
	}
	memmove(out + *n, c, len);
	*n += len;
}

static const unsigned char SPNEGO[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const unsigned char KRB5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
				     0x12, 0x01, 0x02, 0x02};
static const unsigned char NTLM[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
				     0x82, 0x37, 0x02, 0x02, 0x0a};
static const unsigned char CIPHER[24] = "authenticator-ciphertext";

/* A Kerberos mechanism token with an AP-REQ whose authenticator holds
 * CIPHER; long_form writes every length in the long form. */
static size_t krb5_token(unsigned char *out, bool long_form)
{
	unsigned char a[256], b[256], c[256];
	size_t na = 0, nb = 0, nc = 0;
	static const unsigned char pvno[] = {0x02, 0x01, 0x05};

	put(a, &na, 0x04, CIPHER, sizeof(CIPHER), long_form); /* cipher */
	put(b, &nb, 0xa2, a, na, long_form);
	na = 0;
	put(a, &na, 0x30, b, nb, long_form); /* EncryptedData */
	nb = 0;
	put(b, &nb, 0xa0, pvno, sizeof(pvno), long_form);
	put(b, &nb, 0xa4, a, na, long_form); /* authenticator */
	na = 0;
	put(a, &na, 0x30, b, nb, long_form);
	nb = 0;
	put(b, &nb, 0x6e, a, na, long_form); /* AP-REQ */
	put(c, &nc, 0x06, KRB5, sizeof(KRB5), long_form);
	c[nc++] = 0x01;
	c[nc++] = 0x00;
	memcpy(c + nc, b, nb);
	nc += nb;
	na = 0;
	put(out, &na, 0x60, c, nc, long_form);
	return na;
}

/* SPNEGO NegTokenInit offering first (then KRB5), with mech token tok. */
static size_t spnego(unsigned char *out, const unsigned char *first,
		     size_t first_len, const unsigned char *tok, size_t tok_len)
{
	unsigned char a[1024], b[1024], c[1024];
	size_t na = 0, nb = 0, nc = 0;

	put(a, &na, 0x06, first, first_len, false);
	put(a, &na, 0x06, KRB5, sizeof(KRB5), false);
	put(b, &nb, 0x30, a, na, false);
	na = 0;
	put(a, &na, 0xa0, b, nb, false); /* mechTypes */
	nb = 0;
	put(b, &nb, 0x04, tok, tok_len, false);
	put(a, &na, 0xa2, b, nb, false); /* mechToken */
	nb = 0;
	put(b, &nb, 0x30, a, na, false);
	na = 0;
	put(a, &na, 0xa0, b, nb, false); /* NegTokenInit */
	put(c, &nc, 0x06, SPNEGO, sizeof(SPNEGO), false);
	memcpy(c + nc, a, na);
	nc += na;
	na = 0;
	put(out, &na, 0x60, c, nc, false);
	return na;
}

static void test_spnego(void)
{
	unsigned char k[512], k2[512], t[1024], want[32];
	unsigned mdlen = 0;
	size_t nk, nk2, nt, i;
	struct aig_spnego sp, sp2;
	enum aig_spnego_kind kind;
	bool all_malformed = true;

	EVP_Digest(CIPHER, sizeof(CIPHER), want, &mdlen, EVP_sha256(), NULL);
	nk = krb5_token(k, false);
	nt = spnego(t, KRB5, sizeof(KRB5), k, nk);
	ok(aig_spnego_inspect(t, nt, &sp) == AIG_SPNEGO_KERBEROS,
	   "SPNEGO with Kerberos first and its AP-REQ: accepted for GSSAPI");
	ok(memcmp(sp.digest, want, 32) == 0,
	   "... the digest is the authenticator ciphertext's SHA-256");
	nk2 = krb5_token(k2, true);
	nt = spnego(t, KRB5, sizeof(KRB5), k2, nk2);
	ok(aig_spnego_inspect(t, nt, &sp2) == AIG_SPNEGO_KERBEROS &&
		   memcmp(sp2.digest, want, 32) == 0,
	   "the same authenticator in other DER (long-form lengths): the "
	   "same digest, so a rewrapped replay is still one");
	ok(aig_spnego_inspect(k, nk, &sp) == AIG_SPNEGO_RAW_KERBEROS,
	   "a bare Kerberos token (no SPNEGO) is told apart");
	ok(aig_spnego_inspect((const unsigned char *)"NTLMSSP\0\1\0\0\0", 12,
			      &sp) == AIG_SPNEGO_NTLM,
	   "a bare NTLMSSP token is NTLM");
	nt = spnego(t, NTLM, sizeof(NTLM), k, nk);
	ok(aig_spnego_inspect(t, nt, &sp) == AIG_SPNEGO_NTLM,
	   "SPNEGO offering NTLM first is NTLM");
	nt = spnego(t, KRB5, sizeof(KRB5),
		    (const unsigned char *)"NTLMSSP\0\1\0\0\0", 12);
	ok(aig_spnego_inspect(t, nt, &sp) == AIG_SPNEGO_NTLM,
	   "SPNEGO naming Kerberos but carrying NTLMSSP is NTLM");
	nt = spnego(t, SPNEGO, sizeof(SPNEGO), k, nk);
	ok(aig_spnego_inspect(t, nt, &sp) == AIG_SPNEGO_OTHER_MECH,
	   "SPNEGO offering another mechanism first is refused");
	nt = spnego(t, KRB5, sizeof(KRB5), k, nk);
	ok(strcmp(aig_spnego_refusal(AIG_SPNEGO_NTLM), "NTLM refused") == 0,
	   "the audit reason for NTLM is \"NTLM refused\"");
	for (i = 0; i < nt; i++) {
		kind = aig_spnego_inspect(t, i, &sp);
		all_malformed = all_malformed && kind == AIG_SPNEGO_MALFORMED;
	}
	ok(all_malformed, "every truncation of a good token is malformed");
	t[1] = 0x84; /* a length of 4 bytes that runs past the end */
	ok(aig_spnego_inspect(t, nt, &sp) == AIG_SPNEGO_MALFORMED,
	   "a length past the end is malformed");
	ok(aig_spnego_inspect((const unsigned char *)"", 0, &sp) ==
		   AIG_SPNEGO_MALFORMED,
	   "an empty token is malformed");
}

/* Every byte of a good token set to each of a few values: the reader
 * never reads outside the token (valgrind watches) and never takes a
 * changed token's kind for anything but what it says. */
static void test_spnego_mutations(void)
{
	static const unsigned char vals[] = {0x00, 0x01, 0x7f, 0x80,
					     0x81, 0x82, 0x84, 0xff};
	unsigned char k[512], t[1024], m[1024];
	size_t nk = krb5_token(k, false), nt, i, j, counted = 0;
	struct aig_spnego sp;
	enum aig_spnego_kind kind;

	nt = spnego(t, KRB5, sizeof(KRB5), k, nk);
	for (i = 0; i < nt; i++)
		for (j = 0; j < sizeof(vals); j++) {
			memcpy(m, t, nt);
			m[i] = vals[j];
			kind = aig_spnego_inspect(m, nt, &sp);
			counted += kind <= AIG_SPNEGO_MALFORMED;
		}
	ok(counted == nt * sizeof(vals),
	   "%zu one-byte changes of a token read without fault", counted);
}

static struct aig_config *config(const char *methods)
{
	return aig_test_config(
		"{\"ldap\": {\"uri\": [\"ldaps://x\"], \"domain\": "
		"\"corp.example.com\", \"base_dn\": \"DC=d\", "
		"\"service_bind\": "
		"{\"dn\": \"CN=s\", \"password_file\": \"/s\"}}, \"auth\": "
		"{\"methods\": %s, \"negotiate\": "
		"{\"keytab\": \"/k\"}}, \"backend\": {\"url\": "
		"\"http://127.0.0.1:1\"}, \"policy_file\": \"/p.json\", "
		"\"state_dir\": \"%s\"}",
		methods, dir);
}

static void test_config_account_check(const char *sb);

static void test_replay(void)
{
	struct aig_config *cfg = config("[\"basic\"]");
	struct aig_replay *r = NULL, *r2 = NULL;
	struct aig_error err = {0};
	unsigned char d[32] = {1, 2, 3}, e[32] = {4, 5, 6};
	bool seen = true;

	ok(aig_replay_open(cfg, &r, &err) == AIG_OK, "open the record (%s)",
	   err.msg);
	ok(aig_replay_open(cfg, &r2, &err) == AIG_OK,
	   "... and again, as another process would");
	ok(aig_replay_record(r, d, &seen, &err) == AIG_OK && !seen,
	   "a first authenticator is new");
	ok(aig_replay_record(r2, d, &seen, &err) == AIG_OK && seen,
	   "... and a replay through the other handle is seen");
	ok(aig_replay_record(r, e, &seen, &err) == AIG_OK && !seen,
	   "another authenticator is new");
	aig_replay_close(r);
	aig_replay_close(r2);
	aig_config_free(cfg);
}

static int parse(const char *auth, const char *ldap_extra,
		 struct aig_config **cfg, struct aig_error *err)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"ldap\": {\"uri\": [\"ldaps://x\"], \"domain\": "
		 "\"corp.example.com\", \"base_dn\": \"DC=d\"%s}, \"auth\": "
		 "%s, \"backend\": {\"url\": \"http://127.0.0.1:1\"}, "
		 "\"policy_file\": \"/p.json\"}",
		 ldap_extra, auth);
	return aig_config_parse("t.json", text, strlen(text), cfg, err);
}

static void test_config(void)
{
	static const char sb[] = ", \"service_bind\": {\"dn\": \"CN=s\", "
				 "\"password_file\": \"/s\"}";
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};

#ifndef HAVE_GSSAPI
	ok(parse("{\"methods\": [\"negotiate\"], \"negotiate\": {\"keytab\": "
		 "\"/k\"}}",
		 sb, &cfg, &err) == AIG_ERR_CONFIG &&
		   strstr(err.msg, "--without-gssapi") != NULL,
	   "built without GSSAPI, negotiate is a configuration error (%s)",
	   err.msg);
	return;
#endif
	cfg = config("[\"negotiate\", \"basic\"]");
	ok(cfg->auth.n_methods == 2 &&
		   cfg->auth.methods[0] == AIG_AUTH_NEGOTIATE &&
		   cfg->auth.methods[1] == AIG_AUTH_BASIC,
	   "methods negotiate, basic in that order");
	ok(cfg->auth.negotiate.realms.n == 1 &&
		   strcmp(cfg->auth.negotiate.realms.v[0],
			  "CORP.EXAMPLE.COM") == 0,
	   "realms default to the AD domain's realm");
	aig_config_free(cfg);
	cfg = NULL;
	ok(parse("{\"methods\": [\"negotiate\"]}", sb, &cfg, &err) ==
			   AIG_ERR_CONFIG &&
		   strstr(err.msg, "keytab") != NULL,
	   "negotiate without a keytab is an error (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	ok(parse("{\"methods\": [\"negotiate\"], \"negotiate\": {\"keytab\": "
		 "\"/k\"}}",
		 "", &cfg, &err) == AIG_ERR_CONFIG &&
		   strstr(err.msg, "service_bind") != NULL,
	   "negotiate without ldap.service_bind is an error (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	ok(parse("{\"methods\": [\"negotiate\"], \"negotiate\": {\"keytab\": "
		 "\"k\"}}",
		 sb, &cfg, &err) == AIG_ERR_CONFIG,
	   "a relative keytab path is an error (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	ok(parse("{\"methods\": [\"remote_user\"]}", sb, &cfg, &err) ==
			   AIG_ERR_CONFIG &&
		   strstr(err.msg, "auth_types") != NULL,
	   "remote_user without auth_types is an error (%s)", err.msg);
	memset(&err, 0, sizeof(err));
	ok(parse("{\"methods\": [\"remote_user\"], \"remote_user\": "
		 "{\"auth_types\": [\"Negotiate\"], \"realms\": [\"A.B\"]}}",
		 sb, &cfg, &err) == AIG_OK &&
		   cfg->auth.remote_user.realms.n == 1,
	   "remote_user with auth_types and realms (%s)", err.msg);
	aig_config_free(cfg);
	cfg = NULL;
	memset(&err, 0, sizeof(err));
	ok(parse("{\"methods\": [\"basic\"], \"negotiate\": {\"keytab\": "
		 "\"/k\", \"typo\": 1}}",
		 sb, &cfg, &err) == AIG_ERR_CONFIG,
	   "an unknown key in auth.negotiate is an error (%s)", err.msg);
	test_config_account_check(sb);
}

/* auth.negotiate.account_check_s: 30 by default (also without a
 * negotiate object, for remote_user), 0 to 300. */
static void test_config_account_check(const char *sb)
{
	static const char *const bad[] = {"301",    "-1",   "true",
					  "\"30\"", "30.5", NULL};
	struct aig_config *cfg = config("[\"negotiate\"]");
	struct aig_error err = {0};
	char text[200];
	size_t i;

	ok(cfg->auth.negotiate.account_check_s == 30,
	   "account_check_s is 30 by default");
	aig_config_free(cfg);
	cfg = NULL;
	ok(parse("{\"methods\": [\"remote_user\"], \"remote_user\": "
		 "{\"auth_types\": [\"Negotiate\"]}}",
		 sb, &cfg, &err) == AIG_OK &&
		   cfg->auth.negotiate.account_check_s == 30,
	   "... and for remote_user without a negotiate object (%s)", err.msg);
	aig_config_free(cfg);
	cfg = NULL;
	ok(parse("{\"methods\": [\"remote_user\"], \"remote_user\": "
		 "{\"auth_types\": [\"Negotiate\"]}, \"negotiate\": "
		 "{\"account_check_s\": 0}}",
		 sb, &cfg, &err) == AIG_OK &&
		   cfg->auth.negotiate.account_check_s == 0,
	   "0 with only account_check_s in negotiate (%s)", err.msg);
	aig_config_free(cfg);
	cfg = NULL;
	ok(parse("{\"methods\": [\"negotiate\"], \"negotiate\": "
		 "{\"keytab\": \"/k\", \"account_check_s\": 300}}",
		 sb, &cfg, &err) == AIG_OK &&
		   cfg->auth.negotiate.account_check_s == 300,
	   "300 (%s)", err.msg);
	aig_config_free(cfg);
	for (i = 0; bad[i] != NULL; i++) {
		cfg = NULL;
		memset(&err, 0, sizeof(err));
		snprintf(text, sizeof(text),
			 "{\"methods\": [\"negotiate\"], \"negotiate\": "
			 "{\"keytab\": \"/k\", \"account_check_s\": %s}}",
			 bad[i]);
		ok(parse(text, sb, &cfg, &err) == AIG_ERR_CONFIG &&
			   strstr(err.msg, "account_check_s") != NULL,
		   "account_check_s %s is an error (%s)", bad[i], err.msg);
	}
}

int main(void)
{
	aig_test_tmpdir(dir);
	test_spnego();
	test_spnego_mutations();
	test_replay();
	test_config();
	return tap_done();
}
