/* SPDX-License-Identifier: Apache-2.0 */
/* test_alb.c - AWS ALB tokens (aig_alb.h): the padded base64url, the
 * UUID kid, the PEM keys, the header and claim checks, and the keys by
 * kid fetched over HTTPS from a real local server (tests/unit/
 * jwks_server.py with a CA made here) and cached under state_dir:
 * padding stripped is a bad signature, RS256 and none are refused, a
 * kid with '/' or ".." never reaches a URL, an endpoint down or serving
 * garbage is 503, a cached key serves while it is down, a planted cache
 * file is ignored, a root-owned seeded one is used; and Cognito tokens
 * in the bearer path (jwt.token_use, jwt.client_ids, cognito:groups). */
#include "config.h"

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "aig_alb.h"
#include "aig_test.h"
#include "aig_test_pki.h"
#include "jwt_mint.h"

extern char **environ;

#define NOW 1700000000LL
#define ARN                                                                    \
	"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/"    \
	"app/gate/50dc6c495c0c9188"
#define KID "1f2e3d4c-5b6a-4789-8abc-def012345678"
#define KID2 "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

static char tmpdir[] = "/tmp/aig-test-alb-XXXXXX";
static char ca_pem[4096], root[300], srvlog[300], key_file[300];
static int port;
static pid_t server = -1;
static EVP_PKEY *key, *other;

/* ------------------------------------------------------------ fixture */

static void setup(void)
{
	struct mint_pki pki;
	unsigned char bytes[32];
	char *pem;

	aig_test_tmpdir(tmpdir);
	mint_pki_make(tmpdir, &pki);
	snprintf(ca_pem, sizeof(ca_pem), "%s", pki.ca_pem);
	mint_server(tmpdir, "server", pki.ca_key, pki.ca,
		    "IP:127.0.0.1,DNS:localhost", -3600, 86400);
	mint_pki_free(&pki);
	snprintf(key_file, sizeof(key_file), "%s/state.key", tmpdir);
	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		abort();
	aig_test_write(key_file, bytes, sizeof(bytes), 0600);
	snprintf(root, sizeof(root), "%s/www", tmpdir);
	snprintf(srvlog, sizeof(srvlog), "%s/server.log", tmpdir);
	mkdir(root, 0755);
	key = mint_ec("P-256");
	other = mint_ec("P-256");
	pem = mint_pem(key);
	aig_test_write_in(root, KID, pem, 0644);
	free(pem);
}

static bool start_server(void)
{
	const char *top = getenv("top_srcdir");
	char script[400], cert[300], k[300], portf[300], name[] = "python3";
	char *argv[] = {name, script, cert, k, root, portf, srvlog, NULL};
	FILE *f;
	int i;

	snprintf(script, sizeof(script), "%s/tests/unit/jwks_server.py",
		 top ? top : ".");
	snprintf(cert, sizeof(cert), "%s/server.pem", tmpdir);
	snprintf(k, sizeof(k), "%s/server.key", tmpdir);
	snprintf(portf, sizeof(portf), "%s/port", tmpdir);
	unlink(portf);
	if (posix_spawnp(&server, "python3", NULL, NULL, argv, environ) != 0)
		return false;
	for (i = 0; i < 200; i++) {
		f = fopen(portf, "r");
		if (f != NULL && fscanf(f, "%d", &port) == 1) {
			fclose(f);
			return true;
		}
		if (f != NULL)
			fclose(f);
		usleep(50000);
	}
	return false;
}

static void stop_server(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		server = -1;
	}
}

static int hits(void)
{
	FILE *f = fopen(srvlog, "r");
	char line[512];
	int n = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		n++;
	if (f != NULL)
		fclose(f);
	return n;
}

/* auth.alb with its own state_dir; extra goes into the alb object. */
static struct aig_config *config(const char *state, const char *extra)
{
	char dir[300];

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, state);
	mkdir(dir, 0700);
	return aig_test_config(
		"{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], "
		"\"domain\": \"corp.example.com\", "
		"\"base_dn\": \"DC=corp,DC=example,DC=com\"},"
		"\"auth\": {\"methods\": [\"alb\"], \"alb\": {\"arn\": \"" ARN
		"\", \"key_url\": \"https://127.0.0.1:%d/\", "
		"\"ca_file\": \"%s\", \"client_ids\": [\"app-client-1\"] %s}},"
		"\"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		"\"policy_file\": \"/etc/aigate/policy.json\","
		"\"state_dir\": \"%s\", \"state_key_file\": \"%s\"}",
		port, ca_pem, extra, dir, key_file);
}

static char *header(const char *alg, const char *kid, const char *signer,
		    const char *client, long long exp)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "{\"typ\":\"JWT\",\"kid\":\"%s\",\"alg\":\"%s\","
		 "\"iss\":\"https://idp.example.com\",\"client\":\"%s\","
		 "\"signer\":\"%s\",\"exp\":%lld}",
		 kid, alg, client, signer, exp);
	return strdup(buf);
}

static char *payload(long long exp)
{
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "{\"sub\":\"1234\",\"email\":\"bob@corp.example.com\","
		 "\"groups\":[\"AI_Users\"],\"exp\":%lld,"
		 "\"iss\":\"https://idp.example.com\"}",
		 exp);
	return strdup(buf);
}

/* An ALB token; signer/client/exp NULL or 0 for the good ones. */
static char *alb(EVP_PKEY *k, const char *kid, const char *signer,
		 const char *client, long long exp, bool pad)
{
	char *h =
		header("ES256", kid, signer ? signer : ARN,
		       client ? client : "app-client-1", exp ? exp : NOW + 120);
	char *p = payload(exp ? exp : NOW + 120), *t;

	t = mint_alb_token(k, "ES256", h, p, pad);
	free(h);
	free(p);
	return t;
}

static int verify(struct aig_alb_verifier *v, const char *t,
		  struct aig_jwt_identity **id, struct aig_error *err)
{
	memset(err, 0, sizeof(*err));
	return aig_alb_verify(v, t, strlen(t), (time_t)NOW, id, err);
}

/* ------------------------------------------------------------- pieces */

/* A PEM "PUBLIC KEY" block around der, with eol ending each line. */
static char *pem_of(const unsigned char *der, size_t len, const char *eol)
{
	static char out[1024];
	unsigned char b64[512];
	int n = EVP_EncodeBlock(b64, der, (int)len);

	snprintf(out, sizeof(out),
		 "-----BEGIN PUBLIC KEY-----%s%.64s%s%s%s"
		 "-----END PUBLIC KEY-----%s",
		 eol, b64, eol, n > 64 ? (char *)b64 + 64 : "",
		 n > 64 ? eol : "", eol);
	return out;
}

/* The key's PEM re-encoded and altered: line ends, a point off the
 * curve, a bit string one byte longer, a bad base64 character. */
static void test_pem_forms(const char *pem)
{
	unsigned char der[128];
	const char *b = strchr(pem, '\n') + 1, *e = strstr(pem, "-----END");
	char b64[256], *p;
	size_t n = 0, i = 0;
	struct aig_jwks_key *k = NULL;
	struct aig_error err = {0};

	for (; b < e; b++)
		if (*b != '\n')
			b64[i++] = *b;
	b64[i] = '\0';
	if (!aig_base64_decode(b64, i, false, der, sizeof(der) - 1, &n) ||
	    n != 91)
		abort();
	ok(aig_alb_key_from_pem(pem_of(der, n, "\r\n"),
				strlen(pem_of(der, n, "\r\n")), KID, &k,
				&err) == AIG_OK,
	   "a P-256 PEM with CRLF line ends is a key");
	aig_jwks_key_free(k);
	k = NULL;
	der[90] ^= 1;
	p = pem_of(der, n, "\n");
	ok(aig_alb_key_from_pem(p, strlen(p), KID, &k, &err) ==
			   AIG_ERR_INVALID &&
		   k == NULL,
	   "a P-256 PEM whose point is off the curve is refused (%s)", err.msg);
	der[90] ^= 1;
	der[n] = 0;
	der[1]++;
	der[24]++;
	p = pem_of(der, n + 1, "\n");
	ok(aig_alb_key_from_pem(p, strlen(p), KID, &k, &err) == AIG_ERR_INVALID,
	   "a P-256 PEM with a byte more in its bit string is refused");
	der[1]--;
	der[24]--;
	p = pem_of(der, n, "\n");
	p[40] = '!';
	ok(aig_alb_key_from_pem(p, strlen(p), KID, &k, &err) == AIG_ERR_INVALID,
	   "a PEM with a character outside base64 is refused");
}

static void test_pieces(void)
{
	unsigned char out[64];
	size_t n = 0;
	struct aig_jwks_key *k = NULL;
	struct aig_error err = {0};
	char *pem = mint_pem(key), *rsapem;
	EVP_PKEY *rsa = mint_rsa(2048), *p384 = mint_ec("P-384");

	ok(aig_alb_kid_ok(KID, strlen(KID)), "a UUID kid is accepted");
	ok(!aig_alb_kid_ok("../../etc/passwd", 16), "a kid with .. is refused");
	ok(!aig_alb_kid_ok("1f2e3d4c-5b6a-4789-8abc-def01234/678", 36),
	   "a kid with / is refused");
	ok(!aig_alb_kid_ok("1f2e3d4c-5b6a-4789-8abc-def0123456789", 37),
	   "a kid one digit too long is refused");
	ok(!aig_alb_kid_ok("1f2e3d4c-5b6a-4789-8abc-def01234567\n", 36),
	   "a kid with a newline is refused");
	ok(aig_alb_b64url_decode("YQ==", 4, out, sizeof(out), &n) && n == 1,
	   "padded base64url decodes");
	ok(aig_alb_b64url_decode("YQ", 2, out, sizeof(out), &n) && n == 1,
	   "... and unpadded");
	ok(!aig_alb_b64url_decode("YQ=", 3, out, sizeof(out), &n),
	   "partial padding is refused");
	ok(!aig_alb_b64url_decode("YWJj=", 5, out, sizeof(out), &n),
	   "padding where none belongs is refused");
	ok(!aig_alb_b64url_decode("Y===", 4, out, sizeof(out), &n),
	   "three pad characters are refused");
	ok(!aig_alb_b64url_decode("YQ=a", 4, out, sizeof(out), &n),
	   "padding inside a segment is refused");
	ok(aig_alb_key_from_pem(pem, strlen(pem), KID, &k, &err) == AIG_OK,
	   "a P-256 PEM is a key");
	aig_jwks_key_free(k);
	rsapem = mint_pem(rsa);
	ok(aig_alb_key_from_pem(rsapem, strlen(rsapem), KID, &k, &err) ==
		   AIG_ERR_INVALID,
	   "an RSA PEM is refused");
	free(rsapem);
	rsapem = mint_pem(p384);
	ok(aig_alb_key_from_pem(rsapem, strlen(rsapem), KID, &k, &err) ==
		   AIG_ERR_INVALID,
	   "a P-384 PEM is refused");
	free(rsapem);
	ok(aig_alb_key_from_pem("garbage\n", 8, KID, &k, &err) ==
		   AIG_ERR_INVALID,
	   "garbage is not a key");
	ok(aig_alb_key_from_pem("<html>-----BEGIN PUBLIC KEY-----\n", 33, KID,
				&k, &err) == AIG_ERR_INVALID,
	   "a truncated PEM is not a key");
	test_pem_forms(pem);
	free(pem);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p384);
}

/* Hostile forms refused before any key is looked up (the server is not
 * asked: no hits). */
static void test_hostile(void)
{
	struct aig_config *cfg = config("state-hostile", "");
	struct aig_alb_verifier *v = NULL;
	struct aig_jwt_identity *id = NULL;
	struct aig_error err = {0};
	char *h, *p = payload(NOW + 120), *t;
	static const char *const forms[] = {
		"",
		".",
		"..",
		"...",
		"a.b",
		"a.b.c.d",
		"=.=.=",
		"e30.e30.",
		"e30=.e30.AA",
		"!!!!.e30.AA",
		"eyJhbGciOiJFUzI1NiJ9.e30.AA",
	};
	int before = hits();
	size_t i;

	aig_alb_verifier_new(cfg, NULL, &v, &err);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		ok(verify(v, forms[i], &id, &err) == AIG_JWT_ERR_MALFORMED,
		   "hostile form \"%s\" is malformed (%s)", forms[i], err.msg);
	h = header("RS256", KID, ARN, "app-client-1", NOW + 120);
	t = mint_alb_token(key, "ES256", h, p, true);
	ok(verify(v, t, &id, &err) == AIG_JWT_ERR_ALG,
	   "RS256 in the header is alg_not_allowed (%s)", err.msg);
	free(h);
	free(t);
	h = header("none", KID, ARN, "app-client-1", NOW + 120);
	t = mint_alb_token(key, "ES256", h, p, true);
	ok(verify(v, t, &id, &err) == AIG_JWT_ERR_ALG, "none is refused too");
	free(h);
	free(t);
	t = alb(key, "../../../etc/passwd", NULL, NULL, 0, true);
	ok(verify(v, t, &id, &err) == AIG_JWT_ERR_MALFORMED,
	   "a kid with .. is malformed (%s)", err.msg);
	free(t);
	t = alb(key, "1f2e3d4c-5b6a-4789-8abc-def01234/678", NULL, NULL, 0,
		true);
	ok(verify(v, t, &id, &err) == AIG_JWT_ERR_MALFORMED,
	   "a kid with / is malformed");
	free(t);
	t = alb(key, KID, ARN "x", NULL, 0, true);
	ok(verify(v, t, &id, &err) == AIG_JWT_ERR_SIGNER,
	   "the signer of another ALB is wrong_signer (%s)", err.msg);
	free(t);
	t = alb(key, KID, NULL, "other-client", 0, true);
	ok(verify(v, t, &id, &err) == AIG_JWT_ERR_CLIENT,
	   "a client not allowed is client_not_allowed");
	free(t);
	t = alb(key, KID, NULL, NULL, NOW - 3600, true);
	ok(verify(v, t, &id, &err) == AIG_JWT_ERR_EXPIRED,
	   "an expired token is expired");
	free(t);
	ok(hits() == before, "none of these asked the key endpoint");
	ok(id == NULL, "and none gave an identity");
	aig_alb_verifier_free(v);
	aig_config_free(cfg);
	free(p);
}

/* ------------------------------------------------------------ the keys */

static void test_keys(void)
{
	struct aig_config *cfg = config("state-keys", "");
	struct aig_alb_verifier *v = NULL;
	struct aig_jwt_identity *id = NULL;
	struct aig_error err = {0};
	char *t = alb(key, KID, NULL, NULL, 0, true), *s, path[400];
	int before = hits();

	ok(memchr(t, '=', (size_t)(strrchr(t, '.') - t)) != NULL,
	   "the minted token keeps its padding in the signed part");
	aig_alb_verifier_new(cfg, NULL, &v, &err);
	ok(verify(v, t, &id, &err) == AIG_OK, "a valid ALB token (%s)",
	   err.msg);
	ok(id != NULL && strcmp(id->user, "bob@corp.example.com") == 0 &&
		   id->groups.n == 1 &&
		   strcmp(id->groups.v[0], "AI_Users") == 0,
	   "... gives its user and groups");
	aig_jwt_identity_free(id);
	id = NULL;
	ok(hits() == before + 1, "... after one fetch of its key");
	ok(verify(v, t, &id, &err) == AIG_OK && hits() == before + 1,
	   "the key is not fetched again");
	aig_jwt_identity_free(id);
	id = NULL;
	s = mint_strip_padding(t);
	ok(verify(v, s, &id, &err) == AIG_JWT_ERR_SIGNATURE,
	   "padding stripped: bad_signature (%s)", err.msg);
	free(s);
	free(t);
	t = alb(other, KID, NULL, NULL, 0, true);
	ok(verify(v, t, &id, &err) == AIG_JWT_ERR_SIGNATURE,
	   "signed by another key: bad_signature");
	free(t);
	aig_alb_verifier_free(v);
	snprintf(path, sizeof(path), "%s/state-keys/alb-key-" KID ".pem",
		 tmpdir);
	ok(access(path, F_OK) == 0, "the fetched key is cached in state_dir");

	/* a new process while the endpoint is down: the cache serves */
	stop_server();
	t = alb(key, KID, NULL, NULL, 0, true);
	aig_alb_verifier_new(cfg, NULL, &v, &err);
	ok(verify(v, t, &id, &err) == AIG_OK,
	   "endpoint down, key cached: allowed (%s)", err.msg);
	aig_jwt_identity_free(id);
	id = NULL;
	aig_alb_verifier_free(v);
	aig_config_free(cfg);
	cfg = config("state-empty", "");
	aig_alb_verifier_new(cfg, NULL, &v, &err);
	ok(verify(v, t, &id, &err) == AIG_ERR_UNAVAILABLE,
	   "endpoint down, nothing cached: unavailable (%s)", err.msg);
	ok(!aig_jwt_status_is_invalid_token(AIG_ERR_UNAVAILABLE),
	   "... which is a 503, not a 401");
	aig_alb_verifier_free(v);
	aig_config_free(cfg);
	free(t);
	if (!start_server())
		aig_test_bail("the HTTPS server did not restart");
}

static void test_garbage_and_planted(void)
{
	struct aig_config *cfg = config("state-garbage", "");
	struct aig_alb_verifier *v = NULL;
	struct aig_jwt_identity *id = NULL;
	struct aig_error err = {0};
	char *t = alb(key, KID2, NULL, NULL, 0, true), path[400], *pem;
	int before;

	aig_test_write_in(root, KID2, "<html>not a key</html>\n", 0644);
	aig_alb_verifier_new(cfg, NULL, &v, &err);
	ok(verify(v, t, &id, &err) == AIG_ERR_UNAVAILABLE,
	   "the endpoint serving garbage: unavailable (%s)", err.msg);
	before = hits();
	ok(verify(v, t, &id, &err) == AIG_ERR_UNAVAILABLE && hits() == before,
	   "... and not asked again at once");
	aig_alb_verifier_free(v);
	aig_config_free(cfg);

	/* a cache file planted by the gate's user (not root), no MAC */
	cfg = config("state-planted", "");
	snprintf(path, sizeof(path), "%s/state-planted/alb-key-" KID2 ".pem",
		 tmpdir);
	pem = mint_pem(other);
	aig_test_write(path, pem, strlen(pem), 0644);
	if (chown(path, 65534, 65534) != 0)
		aig_test_bail("chown");
	free(t);
	t = alb(other, KID2, NULL, NULL, 0, true);
	aig_alb_verifier_new(cfg, NULL, &v, &err);
	ok(verify(v, t, &id, &err) == AIG_ERR_UNAVAILABLE,
	   "a planted key file not owned by root is ignored (%s)", err.msg);
	aig_alb_verifier_free(v);
	/* the same, seeded by root: used without any fetch */
	if (chown(path, 0, 0) != 0)
		aig_test_bail("chown");
	before = hits();
	aig_alb_verifier_new(cfg, NULL, &v, &err);
	ok(verify(v, t, &id, &err) == AIG_OK && hits() == before,
	   "a key seeded by root is used without a fetch (%s)", err.msg);
	aig_jwt_identity_free(id);
	aig_alb_verifier_free(v);
	aig_config_free(cfg);
	free(pem);
	free(t);
}

/* ------------------------------------------------------------ Cognito */

static struct aig_config *cognito(const char *extra)
{
	return aig_test_config(
		"{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], "
		"\"domain\": \"corp.example.com\", "
		"\"base_dn\": \"DC=corp,DC=example,DC=com\"},"
		"\"jwt\": {\"issuer\": \"https://cognito-idp.test/pool\", "
		"\"jwks_file\": \"/nonexistent\", \"user_claim\": "
		"\"username\", "
		"\"groups_claim\": \"cognito:groups\" %s},"
		"\"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		"\"policy_file\": \"/etc/aigate/policy.json\"}",
		extra);
}

static int claims(const struct aig_config *cfg, const char *p,
		  struct aig_jwt_identity **id)
{
	struct aig_error err = {0};

	return aig_jwt_check_claims(cfg, p, strlen(p), (time_t)NOW, id, &err);
}

#define ACCESS                                                                 \
	"{\"iss\":\"https://cognito-idp.test/pool\",\"exp\":1700000600,"       \
	"\"token_use\":\"access\",\"client_id\":\"%s\","                       \
	"\"username\":\"bob\",\"cognito:groups\":[\"AI_Users\"]}"
#define IDTOKEN                                                                \
	"{\"iss\":\"https://cognito-idp.test/pool\",\"exp\":1700000600,"       \
	"\"token_use\":\"id\",\"aud\":\"app-client-1\","                       \
	"\"username\":\"bob\",\"cognito:groups\":[\"AI_Admins\"]}"

static void test_cognito(void)
{
	struct aig_config *aud = cognito(", \"audience\": [\"app-client-1\"]");
	struct aig_config *ids =
		cognito(", \"client_ids\": [\"app-client-1\"], "
			"\"token_use\": \"access\"");
	struct aig_config *both = cognito(", \"audience\": [\"app-client-1\"], "
					  "\"client_ids\": [\"app-client-1\"]");
	struct aig_jwt_identity *id = NULL;
	char p[512];

	snprintf(p, sizeof(p), ACCESS, "app-client-1");
	ok(claims(aud, p, &id) == AIG_JWT_ERR_AUDIENCE,
	   "an access token (no aud) without jwt.client_ids is refused");
	ok(claims(ids, p, &id) == AIG_OK,
	   "... and allowed with its client_id in jwt.client_ids");
	ok(id != NULL && id->groups.n == 1 &&
		   strcmp(id->groups.v[0], "AI_Users") == 0,
	   "cognito:groups is honoured as the groups claim");
	aig_jwt_identity_free(id);
	id = NULL;
	snprintf(p, sizeof(p), ACCESS, "other-client");
	ok(claims(ids, p, &id) == AIG_JWT_ERR_AUDIENCE,
	   "an access token of another app client is refused");
	snprintf(p, sizeof(p), "%s",
		 "{\"iss\":\"https://cognito-idp.test/pool\",\"exp\":"
		 "1700000600,\"token_use\":\"access\",\"username\":\"bob\"}");
	ok(claims(ids, p, &id) == AIG_JWT_ERR_AUDIENCE,
	   "no aud and no client_id is refused");
	ok(claims(ids, IDTOKEN, &id) == AIG_JWT_ERR_AUDIENCE,
	   "an ID token whose aud is not in jwt.audience is refused");
	ok(claims(both, IDTOKEN, &id) == AIG_OK,
	   "an ID token with its aud in jwt.audience passes without "
	   "token_use");
	aig_jwt_identity_free(id);
	id = NULL;
	aig_config_free(both);
	both = cognito(", \"audience\": [\"app-client-1\"], "
		       "\"token_use\": \"access\"");
	ok(claims(both, IDTOKEN, &id) == AIG_JWT_ERR_TOKEN_USE,
	   "an ID token where token_use is \"access\" is wrong_token_use");
	ok(strcmp(aig_jwt_status_name(AIG_JWT_ERR_TOKEN_USE),
		  "wrong_token_use") == 0,
	   "... named wrong_token_use");
	aig_config_free(aud);
	aig_config_free(ids);
	aig_config_free(both);
}

/* ------------------------------------------------------ configuration */

static int parse(const char *auth, struct aig_config **cfg,
		 struct aig_error *err)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], "
		 "\"domain\": \"corp.example.com\", "
		 "\"base_dn\": \"DC=corp,DC=example,DC=com\"},"
		 "\"auth\": %s,"
		 "\"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		 "\"policy_file\": \"/etc/aigate/policy.json\"}",
		 auth);
	memset(err, 0, sizeof(*err));
	return aig_config_parse("t.json", text, strlen(text), cfg, err);
}

static void test_config(void)
{
	static const struct {
		const char *auth, *why;
	} bad[] = {
		{"{\"methods\": [\"alb\"]}", "alb without an alb object"},
		{"{\"methods\": [\"alb\"], \"alb\": {}}", "no arn"},
		{"{\"methods\": [\"alb\"], \"alb\": {\"arn\": \"x\"}}",
		 "an arn that is not an ELB ARN"},
		{"{\"methods\": [\"alb\"], \"alb\": {\"arn\": \"" ARN
		 "\", \"region\": \"us-east-1.evil.example/\"}}",
		 "a region that is not a region name"},
		{"{\"methods\": [\"alb\"], \"alb\": {\"arn\": \"" ARN
		 "\", \"key_url\": \"http://keys.example\"}}",
		 "a key_url that is not https"},
		{"{\"methods\": [\"alb\"], \"alb\": {\"arn\": \"" ARN
		 "\", \"groups_from_ldap\": true}}",
		 "groups_from_ldap without service_bind"},
		{"{\"methods\": [\"alb\"], \"alb\": {\"arn\": \"" ARN
		 "\", \"colour\": 1}}",
		 "an unknown key"},
		{"{\"methods\": [\"alb\", \"alb\"], \"alb\": {\"arn\": \"" ARN
		 "\"}}",
		 "alb listed twice"},
	};
	struct aig_config *cfg = NULL;
	struct aig_error err;
	size_t i;

	ok(parse("{\"methods\": [\"alb\", \"basic\"], \"alb\": {\"arn\": "
		 "\"" ARN "\"}}",
		 &cfg, &err) == AIG_OK &&
		   aig_config_has_method(cfg, AIG_AUTH_ALB) &&
		   strcmp(cfg->alb.region, "us-east-1") == 0 &&
		   strcmp(cfg->alb.key_url, "https://public-keys.auth.elb."
					    "us-east-1.amazonaws.com") == 0 &&
		   strcmp(cfg->alb.user_claim, "email") == 0,
	   "auth.alb: the region and key_url follow from the ARN (%s)",
	   err.msg);
	aig_config_free(cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = NULL;
		ok(parse(bad[i].auth, &cfg, &err) != AIG_OK && cfg == NULL,
		   "auth.alb refused: %s (%s)", bad[i].why, err.msg);
	}
}

/* Random bytes and mangled tokens: refused, never a crash (valgrind). */
static void test_random(void)
{
	struct aig_config *cfg = config("state-random", "");
	struct aig_alb_verifier *v = NULL;
	struct aig_jwt_identity *id = NULL;
	struct aig_error err = {0};
	char *t = alb(key, KID, NULL, NULL, 0, true), buf[2048];
	size_t i, n = strlen(t), bad = 0;
	unsigned char r[4];

	aig_alb_verifier_new(cfg, NULL, &v, &err);
	for (i = 0; i < 300; i++) {
		memcpy(buf, t, n + 1);
		if (RAND_bytes(r, sizeof(r)) != 1)
			abort();
		buf[(r[0] | r[1] << 8) % n] = (char)(r[2] ? r[2] : '.');
		if (r[3] & 1)
			buf[(r[1] | r[3] << 8) % n] = '\0';
		if (verify(v, buf, &id, &err) == AIG_OK && strcmp(buf, t) != 0)
			bad++;
		aig_jwt_identity_free(id);
		id = NULL;
	}
	ok(bad == 0, "300 mangled tokens: none accepted");
	aig_alb_verifier_free(v);
	aig_config_free(cfg);
	free(t);
}

int main(void)
{
	setup();
	if (!start_server())
		aig_test_bail("the HTTPS server did not start");
	test_pieces();
	test_hostile();
	test_keys();
	test_garbage_and_planted();
	test_cognito();
	test_config();
	test_random();
	stop_server();
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	return tap_done();
}
