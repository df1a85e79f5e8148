/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgi_identity.c - X-Aigate-Identity: a token the gate signs verifies
 * with the JWKS it publishes (the repository's own strict JWS verifier),
 * says who and for whom, lives at most its ttl; bad key files refused. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aig_identity.h"
#include "aig_jwt.h"
#include "aig_test.h"

static char dir[] = "/tmp/aig-identity.XXXXXX";

/* A new key made by openssl genpkey; the path is in a buffer that the
 * next call reuses. */
static const char *keyfile(const char *name, const char *genpkey_args)
{
	static char path[256], cmd[768];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd),
		 "openssl genpkey %s -out %s 2>/dev/null && chmod 0600 %s",
		 genpkey_args, path, path);
	if (system(cmd) != 0)
		aig_test_bail("openssl genpkey failed");
	return path;
}

static void test_roundtrip(void)
{
	const char *groups[] = {"AI_Users", "Data, \"Scientists\""};
	struct aig_identity_claims c = {"langgraph", "bob",	 groups, 2,
					"basic",     "0123abcd", 30};
	struct aig_identity_key *k = NULL;
	struct aig_jwks *jwks = NULL;
	struct aig_error err = {0};
	char *tok = NULL, *payload = NULL;
	size_t plen = 0;
	json_t *p = NULL;
	const char *path = keyfile("p256.pem", "-algorithm EC -pkeyopt "
					       "ec_paramgen_curve:P-256");
	long long now = (long long)time(NULL);

	ok(aig_identity_get(&k, path, &err) == AIG_OK, "a P-256 key loads: %s",
	   err.msg);
	ok(k && aig_jwks_parse(aig_identity_jwks(k),
			       strlen(aig_identity_jwks(k)), &jwks,
			       &err) == AIG_OK,
	   "its JWKS parses");
	ok(k && strstr(aig_identity_jwks(k), "\"d\"") == NULL,
	   "the JWKS holds no private member");
	ok(k && aig_identity_token(k, &c, &tok, &err) == AIG_OK,
	   "a token is signed");
	ok(tok && jwks &&
		   aig_jwt_verify_jws(jwks, AIG_JWT_ALG_BIT(AIG_JWT_ES256), tok,
				      strlen(tok), &payload, &plen,
				      &err) == AIG_OK,
	   "it verifies with the published key (ES256): %s", err.msg);
	p = payload ? json_loads(payload, 0, NULL) : NULL;
	ok(p &&
		   strcmp(json_string_value(json_object_get(p, "sub")),
			  "bob") == 0 &&
		   strcmp(json_string_value(json_object_get(p, "aud")),
			  "langgraph") == 0 &&
		   strcmp(json_string_value(json_object_get(p, "auth")),
			  "basic") == 0 &&
		   strcmp(json_string_value(json_object_get(p, "request_id")),
			  "0123abcd") == 0 &&
		   strcmp(json_string_value(json_array_get(
				  json_object_get(p, "groups"), 1)),
			  groups[1]) == 0,
	   "sub, aud, auth, request_id and groups as given: %s",
	   payload ? payload : "");
	ok(p &&
		   json_integer_value(json_object_get(p, "exp")) -
				   json_integer_value(
					   json_object_get(p, "iat")) ==
			   30 &&
		   json_integer_value(json_object_get(p, "iat")) >= now - 2,
	   "exp is iat + ttl_s");
	if (tok) /* one flipped bit in the payload */
		tok[strchr(tok, '.') - tok + 2] ^= 1;
	ok(tok && jwks &&
		   aig_jwt_verify_jws(jwks, AIG_JWT_ALG_BIT(AIG_JWT_ES256), tok,
				      strlen(tok), NULL, NULL, NULL) != AIG_OK,
	   "a changed token does not verify");
	ok(aig_identity_get(&k, path, &err) == AIG_OK,
	   "the same unchanged file: the key is kept");
	json_decref(p);
	free(payload);
	free(tok);
	aig_jwks_free(jwks);
	aig_identity_free(k);
}

static void refused(const char *what, const char *path)
{
	struct aig_identity_key *k = NULL;
	struct aig_error err = {0};

	ok(aig_identity_get(&k, path, &err) != AIG_OK && k == NULL,
	   "refused: %s (%s)", what, err.msg);
}

static void test_refused(void)
{
	const char *rsa;
	const char *p384 = keyfile("p384.pem", "-algorithm EC -pkeyopt "
					       "ec_paramgen_curve:P-384");
	char path[256];

	refused("a P-384 key", p384);
	rsa = keyfile("rsa.pem",
		      "-algorithm RSA -pkeyopt rsa_keygen_bits:2048");
	refused("an RSA key", rsa);
	refused("a missing file", "/nonexistent/identity.key");
	snprintf(path, sizeof(path), "%s/p256.pem", dir);
	chmod(path, 0666);
	refused("a world-writable key file", path);
	snprintf(path, sizeof(path), "%s/junk.pem", dir);
	aig_test_write(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n", 33, 0600);
	refused("a file that is no key", path);
}

int main(void)
{
	aig_test_tmpdir(dir);
	test_roundtrip();
	test_refused();
	return tap_done();
}
