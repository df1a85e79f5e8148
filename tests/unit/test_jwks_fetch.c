/* SPDX-License-Identifier: Apache-2.0 */
/* test_jwks_fetch.c - the JWK Set over HTTPS and its cache under state_dir,
 * against a real HTTPS server (tests/unit/jwks_server.py on 127.0.0.1)
 * with a CA made here: a fetch that works, a wrong CA, an oversized set,
 * a redirect, OIDC discovery, the stale cache serving while the issuer is
 * down, the once-a-minute refetch on an unknown kid, processes that need
 * a fetch at the same moment making one request between them; a cache or
 * stamp file planted in state_dir without the state key's MAC ignored,
 * and no cache at all without the key. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "aig_jwt.h"
#include "aig_test_pki.h"
#include "jwt_mint.h"
#include "aig_test.h"

extern char **environ;

#define NOW 1700000000LL
#define ISS_PATH "/oidc"

static char tmpdir[] = "/tmp/aig-test-jwks-XXXXXX";
static char ca_pem[300], wrong_ca_pem[300], root[300], srvlog[300];
static int port;
static pid_t server = -1;
static EVP_PKEY *k1, *k2;
static char key_file[300]; /* the configuration's state_key_file */

/* ------------------------------------------------------------- the CA */

/* A CA, a server certificate for 127.0.0.1 from it, and another CA. */
static void make_pki(void)
{
	struct mint_pki pki;

	mint_pki_make(tmpdir, &pki);
	snprintf(ca_pem, sizeof(ca_pem), "%s", pki.ca_pem);
	snprintf(wrong_ca_pem, sizeof(wrong_ca_pem), "%s", pki.other_ca_pem);
	mint_server(tmpdir, "server", pki.ca_key, pki.ca,
		    "IP:127.0.0.1,DNS:localhost", -3600, 86400);
	mint_pki_free(&pki);
}

/* 32 random bytes, mode 0600: what `openssl rand` makes. */
static void make_state_key(void)
{
	unsigned char bytes[32];

	snprintf(key_file, sizeof(key_file), "%s/state.key", tmpdir);
	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		abort();
	aig_test_write(key_file, bytes, sizeof(bytes), 0600);
}

/* ---------------------------------------------------------- the server */

static void put(const char *name, const char *text)
{
	aig_test_write_in(root, name, text, 0644);
}

static void drop(const char *name)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	unlink(path);
}

static bool start_server(void)
{
	const char *py = access("/usr/bin/python3", X_OK) == 0
				 ? "/usr/bin/python3"
				 : "python3";
	const char *top = getenv("top_srcdir");
	char script[400], cert[300], key[300], portf[300], name[] = "python3";
	char *argv[8];
	int i;
	FILE *f;

	snprintf(script, sizeof(script), "%s/tests/unit/jwks_server.py",
		 top ? top : ".");
	snprintf(cert, sizeof(cert), "%s/server.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/server.key", tmpdir);
	snprintf(portf, sizeof(portf), "%s/port", tmpdir);
	argv[0] = name;
	argv[1] = script;
	argv[2] = cert;
	argv[3] = key;
	argv[4] = root;
	argv[5] = portf;
	argv[6] = srvlog;
	argv[7] = NULL;
	if (posix_spawnp(&server, py, NULL, NULL, argv, environ) != 0)
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

/* How many requests for path the server has seen. */
static int hits(const char *path)
{
	FILE *f = fopen(srvlog, "r");
	char line[512];
	int n = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		n += strcmp(line, path) == 0;
	}
	if (f != NULL)
		fclose(f);
	return n;
}

/* ------------------------------------------------------------- helpers */

/* Collects warnings, to see that a stale set was served knowingly. */
struct sink {
	char text[4096];
};

static void sink_fn(void *ctx, int priority, const char *msg)
{
	struct sink *s = ctx;
	size_t n = strlen(s->text);

	(void)priority;
	snprintf(s->text + n, sizeof(s->text) - n, "%s\n", msg);
}

/* A configuration for issuer <base>/oidc with jwks_uri <base><path>, or
 * discovery when path is NULL; its own state_dir. */
static struct aig_config *make_config(const char *path, const char *state)
{
	char uri[256] = "", dir[300];

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, state);
	mkdir(dir, 0700);
	if (path != NULL)
		snprintf(uri, sizeof(uri),
			 "\"jwks_uri\": \"https://127.0.0.1:%d%s\",", port,
			 path);
	return aig_test_config(
		"{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], "
		"\"domain\": \"corp.example.com\", "
		"\"base_dn\": \"DC=corp,DC=example,DC=com\"},"
		"\"jwt\": {\"issuer\": \"https://127.0.0.1:%d" ISS_PATH "\", "
		"\"audience\": [\"aigate\"], %s "
		"\"algorithms\": [\"RS256\", \"ES256\"]},"
		"\"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		"\"policy_file\": \"/etc/aigate/policy.json\","
		"\"state_dir\": \"%s\", \"state_key_file\": \"%s\"}",
		port, uri, dir, key_file);
}

struct gate {
	struct aig_config *cfg;
	struct aig_jwt_verifier *v;
	struct aig_log log;
	struct sink warnings;
};

/* A verifier as one CGI process would have it. */
static void gate_open(struct gate *g, const char *path, const char *state,
		      const char *ca)
{
	struct aig_jwks_options opts = {ca, &g->log};
	struct aig_error err = {0};

	memset(g, 0, sizeof(*g));
	g->log.fn = sink_fn;
	g->log.ctx = &g->warnings;
	g->log.max_priority = 7;
	g->cfg = make_config(path, state);
	if (aig_jwt_verifier_new(g->cfg, &opts, &g->v, &err) != AIG_OK)
		abort();
}

static void gate_close(struct gate *g)
{
	aig_jwt_verifier_free(g->v);
	aig_config_free(g->cfg);
}

static char *token(EVP_PKEY *key, const char *kid)
{
	char header[128], payload[256];

	snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\"}",
		 EVP_PKEY_is_a(key, "RSA") ? "RS256" : "ES256", kid);
	snprintf(payload, sizeof(payload),
		 "{\"iss\":\"https://127.0.0.1:%d" ISS_PATH "\","
		 "\"aud\":\"aigate\",\"exp\":%lld,\"email\":\"bob@x\"}",
		 port, NOW + 100000);
	return mint_token(key, EVP_PKEY_is_a(key, "RSA") ? "RS256" : "ES256",
			  header, payload);
}

/* Verifies a token by key/kid at now; returns the status, message in m. */
static int check(struct gate *g, EVP_PKEY *key, const char *kid, long long now,
		 char *m)
{
	struct aig_error err = {0};
	struct aig_jwt_identity *id = NULL;
	char *t = token(key, kid);
	int rc = aig_jwt_verify(g->v, t, strlen(t), (time_t)now, &id, &err);

	snprintf(m, AIG_ERROR_MSG_MAX, "%s", err.msg);
	aig_jwt_identity_free(id);
	free(t);
	return rc;
}

static void serve_keys(const char *name, bool with_k2)
{
	json_t *keys[2];
	char *text;

	keys[0] = mint_jwk(k1, "k1", NULL);
	keys[1] = mint_jwk(k2, "k2", NULL);
	text = mint_jwks_text(keys, with_k2 ? 2 : 1);
	if (!with_k2)
		json_decref(keys[1]);
	put(name, text);
	free(text);
}

/* The path of the state file state/jwks-*suffix into line; false if
 * there is none. */
static bool state_file(const char *state, const char *suffix, char *line,
		       size_t len)
{
	char cmd[600];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s/%s/jwks-*%s 2>/dev/null", tmpdir,
		 state, suffix);
	p = popen(cmd, "r");
	if (p == NULL || fgets(line, (int)len, p) == NULL) {
		if (p != NULL)
			pclose(p);
		return false;
	}
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return true;
}

static mode_t mode_of(const char *state, const char *suffix)
{
	char line[400];
	struct stat st;

	if (!state_file(state, suffix, line, sizeof(line)))
		return 0;
	return stat(line, &st) == 0 ? st.st_mode & 07777 : 0;
}

/* --------------------------------------------------------------- tests */

static void test_fetch_and_refetch(void)
{
	struct gate a, b;
	char m[AIG_ERROR_MSG_MAX];
	int rc;

	serve_keys("jwks.json", false);
	setenv("https_proxy", "http://127.0.0.1:9", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
	gate_open(&a, "/jwks.json", "s1", ca_pem);
	rc = check(&a, k1, "k1", NOW, m);
	ok(rc == AIG_OK && hits("/jwks.json") == 1,
	   "fetched over HTTPS with the test CA, proxy variables ignored "
	   "(%s)",
	   m);
	ok(mode_of("s1", ".json") == 0644 && mode_of("s1", ".stamp") == 0644,
	   "cache and stamp written under state_dir, mode 0644");
	gate_close(&a);

	gate_open(&b, "/jwks.json", "s1", ca_pem);
	rc = check(&b, k1, "k1", NOW + 5, m);
	ok(rc == AIG_OK && hits("/jwks.json") == 1,
	   "another process reads the cache, no fetch (%s)", m);
	serve_keys("jwks.json", true); /* the issuer rotates k2 in */
	rc = check(&b, k2, "k2", NOW + 10, m);
	ok(rc == AIG_JWT_ERR_UNKNOWN_KID && hits("/jwks.json") == 1,
	   "unknown kid 10 s after a fetch: no refetch (%s)", m);
	rc = check(&b, k2, "k2", NOW + 59, m);
	ok(rc == AIG_JWT_ERR_UNKNOWN_KID && hits("/jwks.json") == 1,
	   "unknown kid 59 s after a fetch: still no refetch (%s)", m);
	rc = check(&b, k2, "k2", NOW + 61, m);
	ok(rc == AIG_OK && hits("/jwks.json") == 2,
	   "unknown kid 61 s after: one refetch, the new key verifies (%s)", m);
	rc = check(&b, k2, "nobody", NOW + 70, m);
	rc += check(&b, k2, "nobody2", NOW + 80, m);
	ok(rc == 2 * AIG_JWT_ERR_UNKNOWN_KID && hits("/jwks.json") == 2,
	   "two more unknown kids within the minute: no fetch");
	gate_close(&b);

	gate_open(&a, "/jwks.json", "s1", ca_pem);
	rc = check(&a, k2, "k2", NOW + 90, m);
	ok(rc == AIG_OK && hits("/jwks.json") == 2,
	   "a new process sees the refetched set in the cache (%s)", m);
	gate_close(&a);
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
}

/* What code running as the gate's user could plant in state_dir: a
 * well-formed cache of the right source, fresh, the right owner and
 * mode, holding its own RSA key under the issuer's kid, and a stamp
 * that forbids a refetch. */
static void plant(const char *state, const char *path, EVP_PKEY *evil,
		  long long fetched, const char *mac_line, bool stamp_too)
{
	char uri[256], file[400], stamp[64];
	json_t *keys[1] = {mint_jwk(evil, "k1", NULL)};
	char *set = mint_jwks_text(keys, 1), *text;
	json_t *doc;

	snprintf(uri, sizeof(uri), "https://127.0.0.1:%d%s", port, path);
	doc = json_pack("{s:s, s:I, s:s, s:o}", "source", uri, "fetched",
			(json_int_t)fetched, "jwks_uri", uri, "jwks",
			json_loads(set, 0, NULL));
	text = json_dumps(doc, JSON_COMPACT);
	if (!state_file(state, ".json", file, sizeof(file)))
		abort();
	if (mac_line != NULL) {
		char *t = NULL;

		if (asprintf(&t, "%s\n%s\n", text, mac_line) < 0)
			abort();
		free(text);
		text = t;
	}
	aig_test_write(file, text, strlen(text), 0644);
	if (stamp_too && !state_file(state, ".stamp", file, sizeof(file)))
		abort();
	snprintf(stamp, sizeof(stamp), "%lld\n%s", fetched,
		 mac_line != NULL ? mac_line : "");
	if (stamp_too)
		aig_test_write(file, stamp, strlen(stamp), 0644);
	json_decref(doc);
	free(text);
	free(set);
}

static void test_planted(void)
{
	static const char zeros[] = "0000000000000000000000000000000000000000"
				    "000000000000000000000000";
	EVP_PKEY *evil = mint_rsa(2048);
	char m[AIG_ERROR_MSG_MAX];
	struct gate g;
	int rc, before;

	serve_keys("jwks.json", false);
	gate_open(&g, "/jwks.json", "p1", ca_pem);
	check(&g, k1, "k1", NOW, m); /* the real cache and stamp */
	gate_close(&g);

	before = hits("/jwks.json");
	plant("p1", "/jwks.json", evil, NOW + 10, NULL, true);
	gate_open(&g, "/jwks.json", "p1", ca_pem);
	rc = check(&g, evil, "k1", NOW + 20, m);
	ok(rc != AIG_OK && rc != AIG_ERR_UNAVAILABLE,
	   "a planted cache file with its own RSA key: its token is refused "
	   "(%s)",
	   m);
	ok(check(&g, k1, "k1", NOW + 21, m) == AIG_OK,
	   "... a real token passes (%s)", m);
	ok(hits("/jwks.json") == before + 1,
	   "... the planted stamp ignored too: the set fetched again");
	ok(strstr(g.warnings.text, "no valid MAC") != NULL,
	   "... and the bad file logged");
	gate_close(&g);
	gate_open(&g, "/jwks.json", "p1", ca_pem);
	ok(check(&g, k1, "k1", NOW + 30, m) == AIG_OK &&
		   hits("/jwks.json") == before + 1,
	   "... the fetch replaced it: the next process uses the cache (%s)",
	   m);
	gate_close(&g);

	plant("p1", "/jwks.json", evil, NOW + 40, zeros, true);
	gate_open(&g, "/jwks.json", "p1", ca_pem);
	rc = check(&g, evil, "k1", NOW + 50, m);
	ok(rc != AIG_OK && rc != AIG_ERR_UNAVAILABLE &&
		   check(&g, k1, "k1", NOW + 51, m) == AIG_OK,
	   "a planted cache with a made-up MAC line: refused, the real "
	   "token passes (%s)",
	   m);
	gate_close(&g);

	before = hits("/jwks.json");
	plant("p1", "/jwks.json", evil, NOW + 60, NULL, false);
	gate_open(&g, "/jwks.json", "p1", ca_pem);
	rc = check(&g, evil, "k1", NOW + 61, m);
	ok(rc != AIG_OK && rc != AIG_ERR_UNAVAILABLE &&
		   check(&g, k1, "k1", NOW + 62, m) == AIG_OK &&
		   hits("/jwks.json") == before + 1,
	   "a planted cache beside a real stamp 10 s old: refused, and "
	   "replaced by a fetch at once (%s)",
	   m);
	gate_close(&g);

	before = hits("/jwks.json");
	gate_open(&g, "/jwks.json", "p1", ca_pem);
	check(&g, k1, "k1", NOW + 63, m); /* a set from the cache */
	plant("p1", "/jwks.json", evil, NOW + 64, NULL, false);
	rc = check(&g, k2, "k9", NOW + 65, m);
	ok(rc == AIG_JWT_ERR_UNKNOWN_KID && hits("/jwks.json") == before,
	   "a process with a set: a planted file does not lift the "
	   "once-a-minute limit on unknown kids (%s)",
	   m);
	gate_close(&g);
	EVP_PKEY_free(evil);
}

/* Without the state key nothing is read from state_dir or written. */
static void test_no_key(void)
{
	char saved[sizeof(key_file)], m[AIG_ERROR_MSG_MAX];
	struct gate g;
	int before = hits("/jwks.json");

	memcpy(saved, key_file, sizeof(saved));
	snprintf(key_file, sizeof(key_file), "%s/no-such.key", tmpdir);
	serve_keys("jwks.json", false);
	gate_open(&g, "/jwks.json", "n1", ca_pem);
	ok(check(&g, k1, "k1", NOW, m) == AIG_OK &&
		   hits("/jwks.json") == before + 1,
	   "no state key: the set is fetched (%s)", m);
	ok(strstr(g.warnings.text, "no state key") != NULL &&
		   mode_of("n1", ".json") == 0 && mode_of("n1", ".stamp") == 0,
	   "... a warning, and no cache or stamp written");
	ok(check(&g, k2, "k2", NOW + 10, m) == AIG_JWT_ERR_UNKNOWN_KID &&
		   hits("/jwks.json") == before + 1,
	   "... the process itself still fetches at most once a minute");
	gate_close(&g);
	gate_open(&g, "/jwks.json", "s1", ca_pem);
	ok(check(&g, k1, "k1", NOW + 20, m) == AIG_OK &&
		   hits("/jwks.json") == before + 2,
	   "... and a good cache in state_dir is not read either (%s)", m);
	gate_close(&g);
	memcpy(key_file, saved, sizeof(saved));
}

static void test_refusals(void)
{
	struct gate g;
	char m[AIG_ERROR_MSG_MAX], big[300 * 1024 + 32];
	int rc;

	gate_open(&g, "/jwks.json", "s2", wrong_ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_ERR_UNAVAILABLE && strstr(m, "certificate") != NULL,
	   "server certificate from another CA: unavailable (%s)", m);
	gate_close(&g);

	memset(big, ' ', sizeof(big) - 1);
	memcpy(big, "{\"keys\": []", 11);
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	put("big.json", big);
	gate_open(&g, "/big.json", "s3", ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_ERR_UNAVAILABLE && strstr(m, "larger than") != NULL,
	   "a set over 256 KiB: unavailable (%s)", m);
	gate_close(&g);

	put("moved.json.redirect", "/jwks.json");
	gate_open(&g, "/moved.json", "s4", ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_ERR_UNAVAILABLE && strstr(m, "302") != NULL &&
		   hits("/moved.json") == 1,
	   "a redirect is not followed (%s)", m);
	gate_close(&g);

	gate_open(&g, "/none.json", "s5", ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_ERR_UNAVAILABLE && strstr(m, "404") != NULL,
	   "404: unavailable (%s)", m);
	rc = check(&g, k1, "k1", NOW + 30, m);
	ok(rc == AIG_ERR_UNAVAILABLE && hits("/none.json") == 1,
	   "no cache and a failed attempt 30 s ago: no new attempt (%s)", m);
	gate_close(&g);

	put("empty.json", "{\"keys\": [{\"kty\": \"oct\", \"k\": \"AAAA\"}]}");
	gate_open(&g, "/empty.json", "s6", ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_ERR_UNAVAILABLE && strstr(m, "no usable key") != NULL,
	   "a set without a usable key is not taken (%s)", m);
	gate_close(&g);
}

static void test_discovery(void)
{
	char doc[512], m[AIG_ERROR_MSG_MAX];
	struct gate g;
	int rc;

	mkdir(strcat(strcpy(doc, root), "/oidc"), 0755);
	mkdir(strcat(doc, "/.well-known"), 0755);
	snprintf(doc, sizeof(doc),
		 "{\"issuer\": \"https://127.0.0.1:%d" ISS_PATH "\", "
		 "\"jwks_uri\": \"https://127.0.0.1:%d/jwks.json\"}",
		 port, port);
	put("oidc/.well-known/openid-configuration", doc);
	gate_open(&g, NULL, "d1", ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_OK &&
		   hits(ISS_PATH "/.well-known/openid-configuration") == 1,
	   "OIDC discovery finds the jwks_uri (%s)", m);
	gate_close(&g);

	snprintf(doc, sizeof(doc),
		 "{\"issuer\": \"https://evil.example" ISS_PATH "\", "
		 "\"jwks_uri\": \"https://127.0.0.1:%d/jwks.json\"}",
		 port);
	put("oidc/.well-known/openid-configuration", doc);
	gate_open(&g, NULL, "d2", ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_ERR_UNAVAILABLE && strstr(m, "issuer") != NULL,
	   "discovery document naming another issuer refused (%s)", m);
	gate_close(&g);

	snprintf(doc, sizeof(doc),
		 "{\"issuer\": \"https://127.0.0.1:%d" ISS_PATH "\", "
		 "\"jwks_uri\": \"http://127.0.0.1:%d/jwks.json\"}",
		 port, port);
	put("oidc/.well-known/openid-configuration", doc);
	gate_open(&g, NULL, "d3", ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_ERR_UNAVAILABLE,
	   "discovered http:// jwks_uri refused "
	   "(%s)",
	   m);
	gate_close(&g);
}

/* Four processes need the set at once: one fetch between them. */
static void test_stampede(void)
{
	int i, status, good = 0, before = hits("/slow.json");
	pid_t kids[4];

	serve_keys("slow.json", false);
	put("slow.json.delay", "0.5");
	for (i = 0; i < 4; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct gate g;
			char m[AIG_ERROR_MSG_MAX];
			int rc;

			gate_open(&g, "/slow.json", "st", ca_pem);
			rc = check(&g, k1, "k1", NOW, m);
			gate_close(&g);
			_exit(rc == AIG_OK ? 0 : 1);
		}
	}
	for (i = 0; i < 4; i++)
		good += waitpid(kids[i], &status, 0) == kids[i] &&
			WIFEXITED(status) && WEXITSTATUS(status) == 0;
	ok(good == 4 && hits("/slow.json") == before + 1,
	   "4 processes at once: all verify, %d fetch(es)",
	   hits("/slow.json") - before);
	drop("slow.json.delay");
}

static void test_issuer_down(void)
{
	char m[AIG_ERROR_MSG_MAX], state[300];
	struct gate g;
	int rc;

	stop_server();
	gate_open(&g, "/jwks.json", "s1", ca_pem);
	rc = check(&g, k1, "k1", NOW + 4000, m);
	ok(rc == AIG_OK && strstr(g.warnings.text, "serving the cached set"),
	   "issuer down, set over an hour old: the stale set serves, with a "
	   "warning (%s)",
	   m);
	rc = check(&g, k2, "k3", NOW + 4100, m);
	ok(rc == AIG_JWT_ERR_UNKNOWN_KID,
	   "issuer down, unknown kid: 401 unknown_kid, not 503 (%s)", m);
	gate_close(&g);

	gate_open(&g, "/jwks.json", "s7", ca_pem);
	rc = check(&g, k1, "k1", NOW, m);
	ok(rc == AIG_ERR_UNAVAILABLE,
	   "issuer down and no cache: unavailable (%s)", m);
	gate_close(&g);

	snprintf(state, sizeof(state), "%s/s1", tmpdir);
	chmod(state, 0500);
	gate_open(&g, "/jwks.json", "s1", ca_pem);
	rc = check(&g, k1, "k1", NOW + 9000, m);
	ok(geteuid() == 0 || rc == AIG_OK,
	   "state_dir read-only: the cache still serves (%s)", m);
	gate_close(&g);
	chmod(state, 0700);
}

int main(void)
{
	if (access("/usr/bin/python3", X_OK) != 0 &&
	    system("python3 -c 'import ssl' 2>/dev/null") != 0) {
		printf("1..0 # SKIP python3 not found\n");
		return 77;
	}
	aig_test_tmpdir(tmpdir);
	snprintf(root, sizeof(root), "%s/www", tmpdir);
	snprintf(srvlog, sizeof(srvlog), "%s/requests.log", tmpdir);
	mkdir(root, 0755);
	make_state_key();
	make_pki();
	k1 = mint_rsa(2048);
	k2 = mint_ec("P-256");
	if (!start_server()) {
		printf("Bail out! the HTTPS test server did not start\n");
		stop_server();
		return 99;
	}
	test_fetch_and_refetch();
	test_refusals();
	test_discovery();
	test_stampede();
	test_planted();
	test_no_key();
	test_issuer_down();

	stop_server();
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	return tap_done();
}
