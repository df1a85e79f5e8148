/* SPDX-License-Identifier: Apache-2.0 */
/* test_ldap.c - the pure parts of ldap/: AD sub-codes from real
 * diagnostics, RFC 4515 escaping, RFC 4514 values, SIDs, unicodePwd,
 * FILETIME, SRV parsing and ordering, login checks, the group cache. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "ldap_int.h"
#include "aig_test.h"

static void test_ad_codes(void)
{
	static const struct {
		const char *diag;
		unsigned code;
		int status;
	} t[] = {
		/* as Samba 4.17 and Windows Server send them */
		{"80090308: LdapErr: DSID-0C0903A9, comment: "
		 "AcceptSecurityContext "
		 "error, data 52e, v1db1",
		 0x52e, AIG_LDAP_ERR_BAD_CREDENTIALS},
		{"80090308: LdapErr: DSID-0C09042F, comment: "
		 "AcceptSecurityContext "
		 "error, data 525, v4563",
		 0x525, AIG_LDAP_ERR_NO_SUCH_USER},
		{"80090308: LdapErr: DSID-0C0903A9, comment: "
		 "AcceptSecurityContext "
		 "error, data 530, v1db1",
		 0x530, AIG_LDAP_ERR_LOGON_HOURS},
		{"80090308: LdapErr: DSID-0C0903A9, comment: "
		 "AcceptSecurityContext "
		 "error, data 531, v1db1",
		 0x531, AIG_LDAP_ERR_WORKSTATION},
		{"80090308: LdapErr: DSID-0C09044E, comment: "
		 "AcceptSecurityContext "
		 "error, data 532, v2580",
		 0x532, AIG_LDAP_ERR_PASSWORD_EXPIRED},
		{"80090308: LdapErr: DSID-0C0903A9, comment: "
		 "AcceptSecurityContext "
		 "error, data 533, v1db1",
		 0x533, AIG_LDAP_ERR_DISABLED},
		{"80090308: LdapErr: DSID-0C0903A9, comment: "
		 "AcceptSecurityContext "
		 "error, data 701, v1db1",
		 0x701, AIG_LDAP_ERR_ACCOUNT_EXPIRED},
		{"80090308: LdapErr: DSID-0C0903A9, comment: "
		 "AcceptSecurityContext "
		 "error, data 773, v1db1",
		 0x773, AIG_LDAP_ERR_MUST_CHANGE},
		{"80090308: LdapErr: DSID-0C0903A9, comment: "
		 "AcceptSecurityContext "
		 "error, data 775, v1db1",
		 0x775, AIG_LDAP_ERR_LOCKED_OUT},
		{"data 775", 0x775, AIG_LDAP_ERR_LOCKED_OUT},
		{"", 0, AIG_LDAP_ERR_BAD_CREDENTIALS},
		{"Invalid credentials", 0, AIG_LDAP_ERR_BAD_CREDENTIALS},
		{"metadata 775, x", 0, AIG_LDAP_ERR_BAD_CREDENTIALS},
		{"comment: error, data zz, v1", 0,
		 AIG_LDAP_ERR_BAD_CREDENTIALS},
		{"error, data 52e1234567, v1", 0, AIG_LDAP_ERR_BAD_CREDENTIALS},
		{"error, data 999, v1", 0x999, AIG_LDAP_ERR_BAD_CREDENTIALS},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned code = aig_ldap_ad_code_parse(t[i].diag);

		ok(code == t[i].code &&
			   aig_ldap_ad_code_status(code) == t[i].status,
		   "AD sub-code of \"%.40s...\": %x", t[i].diag, code);
	}
	ok(aig_ldap_ad_code_parse(NULL) == 0, "no diagnostic, no code");
	ok(strcmp(aig_ldap_status_name(AIG_LDAP_ERR_LOCKED_OUT),
		  "account locked out") == 0 &&
		   strcmp(aig_ldap_status_name(AIG_ERR_UNAVAILABLE),
			  "unavailable") == 0,
	   "status names, common ones included");
}

/* Every status the part can return, common ones included, has a name of
 * its own (not the catch-all "error", not another status's); numbers
 * outside the common range and the part's own have none. */
static void test_status_range(void)
{
	int v[AIG_STATUS_RANGE * 2], n = 0, i, j, bad = 0;

	for (i = AIG_OK; i < AIG_ERR__COMMON_MAX; i++)
		v[n++] = i;
	for (i = AIG_LDAP_ERR_TLS; i < AIG_LDAP_ERR__MAX; i++)
		v[n++] = i;
	for (i = 0; i < n; i++) {
		bad += strcmp(aig_ldap_status_name(v[i]), "error") == 0;
		for (j = 0; j < i; j++)
			bad += strcmp(aig_ldap_status_name(v[i]),
				      aig_ldap_status_name(v[j])) == 0;
	}
	ok(bad == 0 && AIG_LDAP_ERR_TLS == AIG_LDAP_STATUS_BASE,
	   "ldap: %d statuses from %d, each named once", n,
	   (int)AIG_LDAP_STATUS_BASE);
	ok(strcmp(aig_ldap_status_name(AIG_ERR__COMMON_MAX), "error") == 0 &&
		   strcmp(aig_ldap_status_name(AIG_LDAP_ERR__MAX), "error") ==
			   0 &&
		   strcmp(aig_ldap_status_name(AIG_JWT_STATUS_BASE), "error") ==
			   0,
	   "ldap: no name outside its ranges");
}

static void test_filter_escape(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} t[] = {
		{"alice", 5, "alice"},
		{"*", 1, "\\2a"},
		{"*)(sAMAccountName=*", 19, "\\2a\\29\\28sAMAccountName=\\2a"},
		{"x)(|(objectClass=*)", 19,
		 "x\\29\\28|\\28objectClass=\\2a\\29"},
		{"a\\b", 3, "a\\5cb"},
		{"a\0b", 3, "a\\00b"},
		{"CN=Smith\\, John (Contractor),CN=Users", 37,
		 "CN=Smith\\5c, John \\28Contractor\\29,CN=Users"},
		{"\xc3\xa9", 2, "\\c3\\a9"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *out = NULL;
		int rc = aig_ldap_filter_escape(t[i].in, t[i].len, &out, NULL);

		ok(rc == AIG_OK && strcmp(out, t[i].out) == 0,
		   "RFC 4515 escape %zu: %s", i, out ? out : "?");
		free(out);
	}
}

static void test_dn(void)
{
	char *v = NULL;

	ok(aig_ldap_dn_first_value("CN=Smith\\, John (Contractor),CN=Users,"
				   "DC=corp,DC=example,DC=com",
				   &v, NULL) == AIG_OK &&
		   strcmp(v, "Smith, John (Contractor)") == 0,
	   "RFC 4514: first RDN value unescaped: %s", v ? v : "?");
	free(v);
	v = NULL;
	ok(aig_ldap_dn_first_value("cn=a\\2Bb\\3Dc,ou=x", &v, NULL) == AIG_OK &&
		   strcmp(v, "a+b=c") == 0,
	   "RFC 4514: hex escapes: %s", v ? v : "?");
	free(v);
	v = NULL;
	ok(aig_ldap_dn_first_value("not a dn", &v, NULL) == AIG_ERR_INVALID &&
		   v == NULL,
	   "RFC 4514: not a DN refused");
	/* libldap gives an empty value as bv_val NULL, bv_len 0 */
	ok(aig_ldap_dn_first_value("CN=,CN=Users,DC=corp", &v, NULL) ==
			   AIG_OK &&
		   v != NULL && strcmp(v, "") == 0,
	   "RFC 4514: an empty first value is \"\"");
	free(v);
	v = NULL;
	ok(aig_ldap_dn_first_value("cn=", &v, NULL) == AIG_OK && v != NULL &&
		   *v == '\0',
	   "RFC 4514: an empty value as the whole DN");
	free(v);
}

/* aig_ldap_dn_under(): the login's entry must lie under ldap.base_dn. */
static void test_dn_under(void)
{
	const char *base = "CN=Users,DC=corp,DC=example,DC=com";

	ok(aig_ldap_dn_under("CN=bob,CN=Users,DC=corp,DC=example,DC=com",
			     base) &&
		   aig_ldap_dn_under("CN=bob,CN=Users,DC=corp,DC=example,"
				     "DC=com",
				     "cn=users, dc=CORP,dc=example,dc=com") &&
		   aig_ldap_dn_under(base, base) &&
		   aig_ldap_dn_under("CN=bob,OU=x,DC=corp", ""),
	   "dn under: a child, compared as DNs, the base itself, the root");
	ok(!aig_ldap_dn_under("CN=upnxb,OU=Robots,DC=corp,DC=example,DC=com",
			      base) &&
		   !aig_ldap_dn_under("DC=corp,DC=example,DC=com", base) &&
		   !aig_ldap_dn_under("CN=bob,CN=Users,DC=corp,DC=example,"
				      "DC=co",
				      base) &&
		   !aig_ldap_dn_under("CN=bob,CN=Users,DC=corp,DC=example,"
				      "DC=com,DC=evil",
				      base),
	   "dn under: a sibling, the parent, other suffixes are not");
	ok(!aig_ldap_dn_under("CN=x\\,CN=Users,DC=corp,DC=example,DC=com",
			      base) &&
		   !aig_ldap_dn_under("CN=x\\2CCN=Users,DC=corp,DC=example,"
				      "DC=com",
				      base) &&
		   !aig_ldap_dn_under("not a dn", base) &&
		   !aig_ldap_dn_under("CN=bob,CN=Users,DC=corp,DC=example,"
				      "DC=com",
				      "not a dn"),
	   "dn under: an escaped comma is no RDN boundary; unparsable "
	   "refused");
}

static void test_sid(void)
{
	/* S-1-5-21-3444385651-1240003782-3794251683-513 as Samba sent it */
	static const unsigned char du[] = {
		1,    5,    0,	  0,	0,    0,    0,	  5,	0x15, 0x00,
		0x00, 0x00, 0x73, 0x27, 0x4d, 0xcd, 0xc6, 0xf4, 0xe8, 0x49,
		0xa3, 0xaf, 0x27, 0xe2, 0x01, 0x02, 0x00, 0x00};
	static const unsigned char users[] = {1,  2, 0, 0, 0,	 0, 0, 5,
					      32, 0, 0, 0, 0x21, 2, 0, 0};
	static const unsigned char world[] = {1, 1, 0, 0, 0, 0,
					      0, 1, 0, 0, 0, 0};
	char s[AIG_SID_STR_MAX], esc[3 * 28 + 1];

	ok(aig_ldap_sid_to_str(du, sizeof(du), s, NULL) == AIG_OK &&
		   strcmp(s, "S-1-5-21-3444385651-1240003782-3794251683-513") ==
			   0,
	   "SID: %s", s);
	ok(aig_ldap_sid_to_str(users, sizeof(users), s, NULL) == AIG_OK &&
		   strcmp(s, "S-1-5-32-545") == 0,
	   "SID: %s", s);
	ok(aig_ldap_sid_to_str(world, sizeof(world), s, NULL) == AIG_OK &&
		   strcmp(s, "S-1-1-0") == 0,
	   "SID: %s", s);
	ok(aig_ldap_sid_to_str(du, sizeof(du) - 1, s, NULL) == AIG_ERR_INVALID,
	   "SID: truncated refused");
	ok(aig_ldap_sid_to_str(du, 7, s, NULL) == AIG_ERR_INVALID,
	   "SID: too short refused");
	aig_ldap_bin_escape(users, sizeof(users), esc);
	ok(strcmp(esc, "\\01\\02\\00\\00\\00\\00\\00\\05\\20\\00\\00\\00\\21"
		       "\\02\\00\\00") == 0,
	   "SID as a filter value: %s", esc);
}

static void test_unicode_pwd(void)
{
	static const unsigned char want[] = {'"',  0,	 'a',  0,    0xe9, 0,
					     0x3d, 0xd8, 0x00, 0xde, '"',  0};
	unsigned char *out = NULL;
	size_t len = 0;

	/* "aé😀": ASCII, Latin-1, and a surrogate pair */
	ok(aig_ldap_unicode_pwd("a\xc3\xa9\xf0\x9f\x98\x80", &out, &len,
				NULL) == AIG_OK &&
		   len == sizeof(want) && memcmp(out, want, len) == 0,
	   "unicodePwd: quoted UTF-16LE (%zu bytes)", len);
	aig_wipe_free(out, len);
	ok(aig_ldap_unicode_pwd("\xff", &out, &len, NULL) == AIG_ERR_INVALID &&
		   out == NULL,
	   "unicodePwd: invalid UTF-8 refused");
}

/* One case of aig_ldap_account_state(): the four attributes as strings
 * (NULL: not given), the status expected. */
static char *dup_or_null(const char *v)
{
	return v ? strdup(v) : NULL;
}

static void account_case(const char *uac, const char *computed,
			 const char *expires, const char *last_set, int want,
			 const char *what)
{
	struct aig_ldap_user u = {0};
	time_t now = 1765000000; /* 2025-12-06 05:46 UTC */
	int rc;

	u.uac = dup_or_null(uac);
	u.uac_computed = dup_or_null(computed);
	u.account_expires = dup_or_null(expires);
	u.pwd_last_set = dup_or_null(last_set);
	rc = aig_ldap_account_state(&u, now, NULL);
	ok(rc == want, "account state: %s (%s)", what,
	   aig_ldap_status_name(rc));
	free(u.uac);
	free(u.uac_computed);
	free(u.account_expires);
	free(u.pwd_last_set);
}

static void test_account_state(void)
{
	/* 2025-12-06 and 2026-12-06, 00:00 UTC, as FILETIMEs */
	const char *past = "134094528000000000", *future = "134409888000000000";

	account_case(NULL, NULL, NULL, NULL, AIG_OK,
		     "plain LDAP: nothing given, nothing refused");
	account_case("512", "0", "9223372036854775807", "134000000000000000",
		     AIG_OK, "a normal AD account");
	account_case("512", "0", "0", "134000000000000000", AIG_OK,
		     "accountExpires 0 is never");
	account_case("512", "0", future, NULL, AIG_OK,
		     "accountExpires in the future");
	account_case("514", "0", NULL, NULL, AIG_LDAP_ERR_DISABLED,
		     "userAccountControl 0x2: disabled (533)");
	account_case("512", "0", past, NULL, AIG_LDAP_ERR_ACCOUNT_EXPIRED,
		     "accountExpires past: expired (701)");
	account_case("512", "16", NULL, NULL, AIG_LDAP_ERR_LOCKED_OUT,
		     "computed 0x10: locked out (775)");
	account_case("512", "8388608", NULL, "0", AIG_LDAP_ERR_MUST_CHANGE,
		     "pwdLastSet 0: must change (773)");
	account_case("512", "8388608", NULL, "134000000000000000",
		     AIG_LDAP_ERR_PASSWORD_EXPIRED,
		     "computed 0x800000: password expired (532)");
	account_case("66048", "0", NULL, "0", AIG_OK,
		     "pwdLastSet 0 with a password that never expires");
	account_case("514", "16", past, "0", AIG_LDAP_ERR_DISABLED,
		     "disabled first of all");
	account_case("-2147483646", NULL, NULL, NULL, AIG_LDAP_ERR_DISABLED,
		     "a negative (signed 32-bit) value is read as its bits");
	account_case("512x", NULL, NULL, NULL, AIG_LDAP_ERR_SERVER,
		     "userAccountControl not a number: refused");
	account_case("", NULL, NULL, NULL, AIG_LDAP_ERR_SERVER,
		     "userAccountControl empty: refused");
	account_case("99999999999", NULL, NULL, NULL, AIG_LDAP_ERR_SERVER,
		     "userAccountControl beyond 32 bits: refused");
	account_case("512", "0", "-1", NULL, AIG_LDAP_ERR_SERVER,
		     "accountExpires not a FILETIME: refused");
	account_case("512", "0", "1", NULL, AIG_LDAP_ERR_ACCOUNT_EXPIRED,
		     "accountExpires before 1970: expired");
	ok(aig_ldap_account_state(NULL, 0, NULL) == AIG_ERR_INVALID,
	   "account state: no entry");
}

static void test_filetime(void)
{
	enum aig_pw_expiry k;
	time_t t;

	ok(aig_ldap_filetime_parse("9223372036854775807", &k, &t, NULL) ==
			   AIG_OK &&
		   k == AIG_PW_NEVER,
	   "FILETIME: 0x7FFFFFFFFFFFFFFF is never");
	ok(aig_ldap_filetime_parse("0", &k, &t, NULL) == AIG_OK &&
		   k == AIG_PW_MUST_CHANGE,
	   "FILETIME: 0 is must change");
	ok(aig_ldap_filetime_parse("116444736000000000", &k, &t, NULL) ==
			   AIG_OK &&
		   k == AIG_PW_EXPIRES && t == 0,
	   "FILETIME: the Unix epoch");
	ok(aig_ldap_filetime_parse("133000000000000000", &k, &t, NULL) ==
			   AIG_OK &&
		   t == 1655526400,
	   "FILETIME: 133000000000000000 is %ld", (long)t);
	ok(aig_ldap_filetime_parse("-1", &k, &t, NULL) == AIG_ERR_INVALID &&
		   aig_ldap_filetime_parse("12x", &k, &t, NULL) ==
			   AIG_ERR_INVALID &&
		   aig_ldap_filetime_parse("99999999999999999999", &k, &t,
					   NULL) == AIG_ERR_INVALID,
	   "FILETIME: garbage refused");
}

static void test_login(void)
{
	char big[300];

	memset(big, 'a', sizeof(big));
	ok(aig_ldap_login_check("alice", 5, NULL) == AIG_OK, "login: alice");
	ok(aig_ldap_login_check("j\xc3\xb6rg", 5, NULL) == AIG_OK,
	   "login: UTF-8");
	ok(aig_ldap_login_check("", 0, NULL) == AIG_ERR_INVALID,
	   "login: empty");
	ok(aig_ldap_login_check("al\0ce", 5, NULL) == AIG_ERR_INVALID,
	   "login: embedded NUL");
	ok(aig_ldap_login_check("al\nce", 5, NULL) == AIG_ERR_INVALID,
	   "login: newline");
	ok(aig_ldap_login_check("\xff\xfe", 2, NULL) == AIG_ERR_INVALID,
	   "login: invalid UTF-8");
	ok(aig_ldap_login_check("\xc0\xaf", 2, NULL) == AIG_ERR_INVALID,
	   "login: overlong UTF-8");
	ok(aig_ldap_login_check(big, sizeof(big), NULL) == AIG_ERR_INVALID,
	   "login: 300 bytes");
	ok(aig_ldap_password_refused("") && aig_ldap_password_refused(NULL) &&
		   aig_ldap_password_refused("\b\n\r\177INCORRECT") &&
		   !aig_ldap_password_refused("Passw0rd!"),
	   "passwords refused locally: empty, OpenSSH's decoy");
}

/* A DNS answer for _ldap._tcp.corp.example.com with n SRV records. */
static size_t dns_answer(unsigned char *p, const struct aig_ldap_srv *r,
			 size_t n)
{
	static const unsigned char hdr[] = {0x12, 0x34, 0x81, 0x80, 0, 1,
					    0,	  0,	0,    0,    0, 0};
	static const char qname[] = "\x05_ldap\x04_tcp\x04"
				    "corp\x07"
				    "example\x03"
				    "com";
	size_t o = 0, i, ql = sizeof(qname); /* with the final 0 */

	memcpy(p, hdr, sizeof(hdr));
	p[7] = (unsigned char)n;
	o = sizeof(hdr);
	memcpy(p + o, qname, ql);
	o += ql;
	p[o++] = 0, p[o++] = 33, p[o++] = 0, p[o++] = 1; /* SRV, IN */
	for (i = 0; i < n; i++) {
		size_t hl = strlen(r[i].host), rd = 6 + hl + 2;

		p[o++] = 0xc0, p[o++] = 12; /* name: pointer to the qname */
		p[o++] = 0, p[o++] = 33, p[o++] = 0, p[o++] = 1;
		p[o++] = 0, p[o++] = 0, p[o++] = 1, p[o++] = 0; /* ttl */
		p[o++] = (unsigned char)(rd >> 8), p[o++] = (unsigned char)rd;
		p[o++] = 0, p[o++] = (unsigned char)r[i].priority;
		p[o++] = 0, p[o++] = (unsigned char)r[i].weight;
		p[o++] = (unsigned char)(r[i].port >> 8);
		p[o++] = (unsigned char)r[i].port;
		p[o++] = (unsigned char)hl;
		memcpy(p + o, r[i].host, hl);
		o += hl;
		p[o++] = 0;
	}
	return o;
}

static uint32_t fixed_rnd(void *ctx)
{
	unsigned *seq = ctx;

	return seq[0]++ % 2 ? 0 : 1000;
}

static void test_srv(void)
{
	static const struct aig_ldap_srv in[] = {
		{"dc3", 389, 20, 0},   {"dc1", 389, 10, 0},
		{"dc2", 636, 10, 100}, {"dc4", 389, 20, 50},
		{"dc5", 389, 5, 0},
	};
	unsigned char buf[1024];
	struct aig_ldap_srv *v = NULL;
	size_t n = 0, len = dns_answer(buf, in, 5), i;
	unsigned seq = 0;

	ok(aig_ldap_srv_parse(buf, len, &v, &n, NULL) == AIG_OK && n == 5 &&
		   strcmp(v[0].host, "dc3") == 0 && v[0].port == 389 &&
		   v[2].port == 636 && v[2].weight == 100,
	   "SRV: parsed %zu records", n);
	aig_ldap_srv_order(v, n, fixed_rnd, &seq);
	ok(n == 5 && strcmp(v[0].host, "dc5") == 0 && v[1].priority == 10 &&
		   v[2].priority == 10 && v[3].priority == 20 &&
		   v[4].priority == 20,
	   "SRV: ordered by priority: %s %s %s %s %s", v[0].host, v[1].host,
	   v[2].host, v[3].host, v[4].host);
	/* RFC 2782: a weight-0 record is listed first among its peers, and a
	 * large draw picks the heavy one. */
	ok(strcmp(v[1].host, "dc2") == 0 && strcmp(v[2].host, "dc1") == 0,
	   "SRV: priority 10, draw 1000 of 100 picks the weighted dc2 first");
	free(v);
	/* over many random draws, weight 0 vs 100 is almost always second */
	{
		unsigned first_heavy = 0;

		for (i = 0; i < 200; i++) {
			struct aig_ldap_srv w[2] = {{"light", 1, 1, 1},
						    {"heavy", 1, 1, 99}};

			seq = (unsigned)i;
			aig_ldap_srv_order(w, 2, fixed_rnd, &seq);
			first_heavy += strcmp(w[0].host, "heavy") == 0;
		}
		ok(first_heavy >= 100, "SRV: weights bias the order (%u/200)",
		   first_heavy);
	}
	ok(aig_ldap_srv_parse(buf, 20, &v, &n, NULL) == AIG_ERR_INVALID,
	   "SRV: truncated answer refused");
}

/* A state key of 32 bytes, all `fill`, in dir/name (mode 0600). */
static struct aig_state_key *test_key(const char *dir, const char *name,
				      unsigned char fill)
{
	struct aig_state_key *k = NULL;
	unsigned char bytes[32];
	char path[160];

	memset(bytes, fill, sizeof(bytes));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	aig_test_write(path, bytes, sizeof(bytes), 0600);
	if (aig_state_key_load(path, &k, NULL) != AIG_OK)
		ok(0, "load %s", path);
	unlink(path);
	return k;
}

/* Reads or writes the value of key in dir's cache as an intruder would,
 * with LMDB itself. val NULL: read into out (at most *len bytes). */
static int raw_entry(const char *dir, const char *key, void *val, void *out,
		     size_t *len)
{
	char path[160], kb[64];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = {strlen(key), kb}, v = {*len, val};
	int rc;

	snprintf(kb, sizeof(kb), "%s", key);
	snprintf(path, sizeof(path), "%s/ldap-groups.mdb", dir);
	rc = mdb_env_create(&env);
	if (rc == 0)
		rc = mdb_env_open(env, path, MDB_NOSUBDIR, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, NULL, 0, &dbi);
	if (rc == 0 && val != NULL)
		rc = mdb_put(txn, dbi, &k, &v, 0);
	if (rc == 0 && val == NULL && (rc = mdb_get(txn, dbi, &k, &v)) == 0) {
		if (v.mv_size > *len)
			rc = ENOMEM;
		else
			memcpy(out, v.mv_data, v.mv_size);
		*len = v.mv_size;
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

/* Entries the state key did not make are misses: planted, in the old
 * format, moved from another login, or made under another key. */
static void test_cache_forged(const char *dir, struct aig_state_key *key)
{
	char *names[] = {(char[]){"AI_Admins"}, NULL};
	struct aig_strv admins = {names, 1}, got = {NULL, 0};
	struct aig_state_key *other = test_key(dir, "other.key", 0x42);
	struct aig_ldap_cache *c = NULL;
	unsigned char v[256] = {0};
	uint64_t now = (uint64_t)time(NULL);
	size_t len, i;
	bool found = true;

	for (i = 0; i < 8; i++)
		v[i] = (unsigned char)(now >> (8 * i));
	/* the old format: time, then names */
	memcpy(v + 8, "AI_Admins", 10);
	len = 18;
	ok(raw_entry(dir, "mallory", v, NULL, &len) == 0, "forged: planted");
	ok(aig_ldap_cache_open(dir, key, 60, &c, NULL) == AIG_OK,
	   "forged: open");
	ok(aig_ldap_cache_get(c, "mallory", &found, &got, NULL) ==
			   AIG_ERR_UNSAFE &&
		   !found && got.n == 0,
	   "forged: an entry without a MAC is ignored");
	/* time, a MAC of zeros, names */
	memset(v + 8, 0, 32);
	memcpy(v + 40, "AI_Admins", 10);
	len = 50;
	raw_entry(dir, "mallory", v, NULL, &len);
	ok(aig_ldap_cache_get(c, "mallory", &found, &got, NULL) ==
			   AIG_ERR_UNSAFE &&
		   !found,
	   "forged: an entry with a wrong MAC is ignored");
	ok(aig_ldap_cache_put(c, "mallory", &admins, NULL) == AIG_OK &&
		   aig_ldap_cache_get(c, "mallory", &found, &got, NULL) ==
			   AIG_OK &&
		   found,
	   "forged: a put replaces it");
	aig_ldap_strv_free(&got);
	/* alice's real entry, copied to bob */
	ok(aig_ldap_cache_put(c, "alice", &admins, NULL) == AIG_OK,
	   "moved: alice put");
	aig_ldap_cache_close(c);
	c = NULL;
	len = sizeof(v);
	ok(raw_entry(dir, "alice", NULL, v, &len) == 0 &&
		   raw_entry(dir, "bob", v, NULL, &len) == 0,
	   "moved: alice's entry copied to bob");
	aig_ldap_cache_open(dir, key, 60, &c, NULL);
	ok(aig_ldap_cache_get(c, "bob", &found, &got, NULL) == AIG_ERR_UNSAFE &&
		   !found,
	   "moved: refused for bob");
	ok(aig_ldap_cache_get(c, "Alice", &found, &got, NULL) == AIG_OK &&
		   found,
	   "moved: still good for alice");
	aig_ldap_strv_free(&got);
	aig_ldap_cache_close(c);
	c = NULL;
	aig_ldap_cache_open(dir, other, 60, &c, NULL);
	ok(aig_ldap_cache_get(c, "alice", &found, &got, NULL) ==
			   AIG_ERR_UNSAFE &&
		   !found,
	   "another key: refused");
	aig_ldap_cache_close(c);
	c = NULL;
	ok(aig_ldap_cache_open(dir, NULL, 60, &c, NULL) == AIG_ERR_CONFIG &&
		   c == NULL,
	   "no key: the cache does not open");
	aig_state_key_free(other);
}

/* The state_dir lock: a second taker (another open file description, as
 * another process or thread has) waits, then gives up with a clear error
 * after about 500 ms; once the first is released it is taken at once. */
static void test_statedir_lock(void)
{
	static char dir[] = "/tmp/aigate-ldap-lock.XXXXXX";
	static const char *const files[] = {"x.mdb"};
	struct aig_error err = {0};
	struct timespec t0, t1;
	int first = -1, second = -1;
	long ms;

	aig_test_tmpdir(dir);
	ok(aig_ldap_statedir_lock(dir, files, 1, &first, NULL) == AIG_OK,
	   "statedir: locked");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(aig_ldap_statedir_lock(dir, files, 1, &second, &err) == AIG_ERR_IO &&
		   second == -1 && strstr(err.msg, "locked for over") != NULL,
	   "statedir: a second taker gives up: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ok(ms >= 450, "statedir: ... after waiting its 500 ms (%ld ms)", ms);
	close(first);
	ok(aig_ldap_statedir_lock(dir, files, 1, &second, NULL) == AIG_OK,
	   "statedir: taken once released");
	close(second);
}

static void test_cache(void)
{
	static char dir[] = "/tmp/aigate-ldap-cache.XXXXXX";
	struct aig_ldap_cache *c = NULL;
	struct aig_state_key *key;
	char *names[] = {(char[]){"AI_Users"}, (char[]){"Domain Users"}, NULL};
	struct aig_strv g = {names, 2}, got = {NULL, 0};
	bool found = false;

	aig_test_tmpdir(dir);
	key = test_key(dir, "state.key", 0x17);
	ok(aig_ldap_cache_open(dir, key, 60, &c, NULL) == AIG_OK,
	   "cache: open");
	ok(aig_ldap_cache_get(c, "bob", &found, &got, NULL) == AIG_OK && !found,
	   "cache: miss");
	ok(aig_ldap_cache_put(c, "Bob", &g, NULL) == AIG_OK, "cache: put");
	ok(aig_ldap_cache_get(c, "BOB", &found, &got, NULL) == AIG_OK &&
		   found && got.n == 2 && strcmp(got.v[1], "Domain Users") == 0,
	   "cache: hit, case ignored");
	aig_ldap_strv_free(&got);
	aig_ldap_cache_close(c);
	c = NULL;
	ok(aig_ldap_cache_open(dir, key, 0, &c, NULL) == AIG_OK,
	   "cache: reopen");
	sleep(1);
	ok(aig_ldap_cache_get(c, "bob", &found, &got, NULL) == AIG_OK && !found,
	   "cache: expired after the TTL");
	ok(aig_ldap_cache_get(c, "b\nb", &found, &got, NULL) == AIG_ERR_INVALID,
	   "cache: bad login refused");
	aig_ldap_cache_close(c);
	test_cache_forged(dir, key);
	aig_state_key_free(key);
}

int main(void)
{
	test_ad_codes();
	test_status_range();
	test_filter_escape();
	test_dn();
	test_dn_under();
	test_sid();
	test_unicode_pwd();
	test_filetime();
	test_account_state();
	test_login();
	test_srv();
	test_statedir_lock();
	test_cache();
	return tap_done();
}
