/* SPDX-License-Identifier: Apache-2.0 */
/* check_deep.c - what `aigatectl check` looks at beyond the files
 * (aigatectl(8)): the DNS SRV answer for ldap.dns_srv, each domain
 * controller (reachable with verified TLS, the days its certificate has
 * left), the service bind, the issuer's key set or the ALB key endpoint,
 * state_dir and the audit file writable by the web server's user, and
 * Redis. One line per item; a broken one makes the exit status 1. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "aig_alb.h"
#include "aig_jwt.h"
#include "aig_ldap.h"
#include "ctl.h"

#define CERT_MIN_DAYS 14
#define SKEW_MAX_S 240 /* Kerberos allows 300 s */
#define NET_TIMEOUT_S 5

/* One line: "what: target ok, detail" or "what: target FAILED: why". */
static bool item(const struct ctl *c, json_t *items, const char *what,
		 const char *target, bool ok, const char *text)
{
	char *safe = ctl_term_safe(text, strlen(text));

	if (!c->json)
		printf("%s: %s %s%s%s\n", what, target, ok ? "ok" : "FAILED",
		       text[0] ? (ok ? ", " : ": ") : "", safe ? safe : "");
	free(safe);
	json_array_append_new(
		items, json_pack("{s:s, s:o, s:b, s:o, s:o}", "what", what,
				 "file", ctl_jstr(target), "ok", ok, "detail",
				 ok ? ctl_jstr(text) : json_null(), "error",
				 ok ? json_null() : ctl_jstr(text)));
	return ok;
}

/* ------------------------------------------------------ connections */

/* A TCP connection to host:port with a timeout; -1 on failure. */
static int tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = {0}, *res = NULL, *a;
	struct timeval tv = {NET_TIMEOUT_S, 0};
	int fd = -1;

	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (a = res; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* "scheme://host[:port]..." into host and port (default def). */
static bool split_url(const char *url, char *host, size_t hl, char *port,
		      size_t pl, const char *def)
{
	const char *p = strstr(url, "://"), *end, *colon;

	if (p == NULL)
		return false;
	p += 3;
	end = p + strcspn(p, "/?#");
	if (*p == '[') { /* [v6]:port */
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (rb == NULL || (size_t)(rb - p - 1) >= hl)
			return false;
		snprintf(host, hl, "%.*s", (int)(rb - p - 1), p + 1);
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		if ((size_t)((colon ? colon : end) - p) >= hl)
			return false;
		snprintf(host, hl, "%.*s", (int)((colon ? colon : end) - p), p);
	}
	snprintf(port, pl, "%.*s", colon ? (int)(end - colon - 1) : 0,
		 colon ? colon + 1 : "");
	if (port[0] == '\0')
		snprintf(port, pl, "%s", def);
	return host[0] != '\0';
}

/* ------------------------------------------------ domain controllers */

/* The days the peer's certificate of an ldaps:// server has left, its
 * chain verified against ca_file (or the system store). */
static bool cert_days(const char *uri, const char *ca_file, int *days,
		      char *why, size_t wl)
{
	char host[256], port[16];
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *cert = NULL;
	int fd = -1, pday = 0, psec = 0;
	bool ok = false;

	if (!split_url(uri, host, sizeof(host), port, sizeof(port), "636") ||
	    (fd = tcp_connect(host, port)) < 0) {
		snprintf(why, wl, "cannot connect");
		return false;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx != NULL &&
	    (ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
		     : SSL_CTX_set_default_verify_paths(ctx)) == 1 &&
	    (ssl = SSL_new(ctx)) != NULL && SSL_set_fd(ssl, fd) == 1) {
		struct in6_addr a6;

		SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
		if (inet_pton(AF_INET, host, &a6) == 1 ||
		    inet_pton(AF_INET6, host, &a6) == 1)
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
						      host);
		else
			SSL_set1_host(ssl, host);
		if (SSL_connect(ssl) == 1 &&
		    (cert = SSL_get1_peer_certificate(ssl)) != NULL &&
		    ASN1_TIME_diff(&pday, &psec, NULL,
				   X509_get0_notAfter(cert)) == 1) {
			*days = pday;
			ok = true;
		} else {
			snprintf(why, wl, "TLS: %s",
				 ssl ? X509_verify_cert_error_string(
					       SSL_get_verify_result(ssl))
				     : "failed");
		}
	}
	X509_free(cert);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	close(fd);
	return ok;
}

/* The certificate line of an ldaps:// DC that answers TLS at all
 * (unreachable: the dc line says so). Looked at before the LDAP session
 * is opened: a server may take one connection at a time. */
static bool check_dc_cert(struct ctl *c, const struct aig_config *cfg,
			  const char *uri, json_t *items, bool *reported)
{
	char text[AIG_ERROR_MSG_MAX + 64];
	int days = 0;

	*reported = false;
	if (strncmp(uri, "ldaps://", 8) != 0)
		return true;
	if (!cert_days(uri, cfg->ldap.ca_file, &days, text, sizeof(text))) {
		if (strcmp(text, "cannot connect") == 0)
			return true;
		*reported = true;
		return item(c, items, "dc certificate", uri, false, text);
	}
	snprintf(text, sizeof(text), "%d days left%s", days,
		 days < CERT_MIN_DAYS ? ": renew it" : "");
	*reported = true;
	return item(c, items, "dc certificate", uri, days >= CERT_MIN_DAYS,
		    text);
}

/* The DC's clock against ours: Kerberos (GSSAPI binds, the DC's own
 * logins) fails past 5 minutes of skew, and token times (exp, nbf) go
 * wrong with our clock. */
static bool check_clock(struct ctl *c, struct aig_ldap *s, const char *uri,
			json_t *items)
{
	struct aig_error err = {0};
	char text[96];
	time_t dc = 0, now;
	long long skew;

	if (aig_ldap_server_time(s, &dc, &err) != AIG_OK)
		return item(c, items, "dc clock", uri, false, err.msg);
	now = time(NULL);
	skew = (long long)now - (long long)dc;
	snprintf(text, sizeof(text), "skew %lld s%s", skew,
		 llabs(skew) > SKEW_MAX_S ? ": fix NTP" : "");
	return item(c, items, "dc clock", uri, llabs(skew) <= SKEW_MAX_S, text);
}

static bool check_dc(struct ctl *c, const struct aig_config *cfg,
		     const char *uri, json_t *items)
{
	struct aig_config one = *cfg;
	char *v[1] = {strdup(uri)};
	struct aig_ldap *s = NULL;
	struct aig_error err = {0};
	bool ok, reach, bound, cert_line;

	if (v[0] == NULL)
		return item(c, items, "dc", uri, false, "out of memory");
	one.ldap.uri.v = v;
	one.ldap.uri.n = 1;
	one.ldap.dns_srv = NULL;
	ok = check_dc_cert(c, cfg, uri, items, &cert_line);
	reach = aig_ldap_new(&one, &c->log, &s, &err) == AIG_OK &&
		aig_ldap_connect(s, &err) == AIG_OK;
	ok = item(c, items, "dc", uri, reach,
		  reach ? "reachable, TLS verified" : err.msg) &&
	     ok;
	if (reach)
		ok = check_clock(c, s, uri, items) && ok;
	if (reach && cfg->ldap.has_service_bind) {
		aig_error_clear(&err);
		bound = aig_ldap_bind_service(s, &err) == AIG_OK;
		ok = item(c, items, "service bind", uri, bound,
			  bound ? (cfg->ldap.service_bind.dn
					   ? cfg->ldap.service_bind.dn
					   : "")
				: err.msg) &&
		     ok;
	}
	aig_ldap_free(s);
	free(v[0]);
	return ok;
}

/* The DNS SRV answer for ldap.dns_srv: the targets the gate would try, in
 * its order, and with ldap.uri empty each of them checked as a DC. */
static bool check_srv(struct ctl *c, const struct aig_config *cfg,
		      json_t *items)
{
	struct aig_ldap_srv_dc *dc = NULL;
	struct aig_error err = {0};
	char name[300], text[1024] = "";
	size_t i, n = 0, len;
	bool ok;

	snprintf(name, sizeof(name), "_ldap._tcp.%s", cfg->ldap.dns_srv);
	if (cfg->ldap.uri.n > 0)
		return item(c, items, "dns srv", name, true,
			    "not looked up: ldap.uri is set and is used");
	if (aig_ldap_srv_dcs(cfg, &dc, &n, &err) != AIG_OK)
		return item(c, items, "dns srv", name, false, err.msg);
	for (i = 0; i < n; i++) {
		len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "%s%s:%u",
			 i ? ", " : "", dc[i].host, dc[i].port);
	}
	ok = item(c, items, "dns srv", name, true, text);
	for (i = 0; i < n; i++)
		ok = check_dc(c, cfg, dc[i].uri, items) && ok;
	free(dc);
	return ok;
}

/* ----------------------------------------------------------- the keys */

static bool check_issuer(struct ctl *c, const struct aig_config *cfg,
			 json_t *items)
{
	struct aig_config one = *cfg;
	struct aig_jwks_options opts = {cfg->jwt.ca_file, &c->log};
	struct aig_jwks_cache *cache = NULL;
	const struct aig_jwks *set = NULL;
	struct aig_error err = {0};
	const char *src =
		cfg->jwt.jwks_uri ? cfg->jwt.jwks_uri : cfg->jwt.issuer;
	char text[512], nokey[] = "/nonexistent/aigatectl-check";
	size_t i;
	bool ok;

	/* fetched, not read from or written to the gate's cache */
	one.state_key_file = nokey;
	ok = aig_jwks_cache_new(&one, &opts, &cache, &err) == AIG_OK &&
	     aig_jwks_cache_get(cache, time(NULL), &set, &err) == AIG_OK;
	if (ok) {
		snprintf(text, sizeof(text), "%zu keys, %zu usable",
			 aig_jwks_count(set), aig_jwks_count_usable(set));
		for (i = 0; i < aig_jwks_count(set); i++) {
			const char *kid =
				aig_jwks_key_kid(aig_jwks_get(set, i));
			size_t n = strlen(text);

			snprintf(text + n, sizeof(text) - n, "%s%s",
				 i ? ", " : ": kid ", kid ? kid : "-");
		}
		ok = aig_jwks_count_usable(set) > 0;
	}
	item(c, items, "jwt keys", src, ok, ok || set ? text : err.msg);
	aig_jwks_cache_free(cache);
	return ok;
}

/* The ALB key endpoint answers over verified TLS: a made-up kid gets a
 * 4xx from it, which is an answer. */
static bool check_alb(struct ctl *c, const struct aig_config *cfg,
		      json_t *items)
{
	static const char probe[] = "00000000-0000-4000-8000-000000000000";
	struct aig_config one = *cfg;
	struct aig_alb_keys *keys = NULL;
	const struct aig_jwks_key *key = NULL;
	struct aig_error err = {0};
	char nodir[] = "/nonexistent", nokey[] = "/nonexistent/aigatectl-check";
	bool ok;

	one.state_dir = nodir;
	one.state_key_file = nokey;
	ok = aig_alb_keys_new(&one, NULL, &keys, &err) == AIG_OK &&
	     (aig_alb_keys_get(keys, probe, time(NULL), &key, NULL, &err) ==
		      AIG_OK ||
	      strstr(err.msg, "HTTP status 4") != NULL);
	item(c, items, "alb keys", cfg->alb.key_url, ok,
	     ok ? "reachable, TLS verified" : err.msg);
	aig_alb_keys_free(keys);
	return ok;
}

/* ------------------------------------------------- the web server's user */

/* Whether the process may create a file in dir (made and removed). */
static bool dir_writable(const char *dir)
{
	char tmp[4300];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.aigatectl-check.XXXXXX", dir);
	if ((fd = mkstemp(tmp)) < 0)
		return false;
	unlink(tmp);
	close(fd);
	return true;
}

/* In a child with the user's ids: may it create a file in path (is_dir),
 * or append to the file path (or, when it does not exist yet, create it
 * in its directory)? Nothing is left behind. */
static bool writable_as(const struct passwd *pw, const char *path, bool is_dir)
{
	char dir[4200], *slash;
	pid_t pid = fork();
	int st = 0, fd;

	if (pid < 0)
		return false;
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
		    setuid(pw->pw_uid) != 0)
			_exit(2);
		if (is_dir)
			_exit(dir_writable(path) ? 0 : 1);
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0)
			_exit(0);
		snprintf(dir, sizeof(dir), "%s", path);
		if (errno != ENOENT || (slash = strrchr(dir, '/')) == NULL)
			_exit(1);
		*slash = '\0';
		_exit(dir_writable(dir[0] ? dir : "/") ? 0 : 1);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static bool check_writable(struct ctl *c, const struct aig_config *cfg,
			   json_t *items)
{
	const char *user = c->web_user ? c->web_user : "www-data";
	struct passwd *pw = getpwnam(user);
	char text[300];
	bool ok = true;

	if (pw == NULL)
		return item(c, items, "web user", user, false, "no such user");
	if (geteuid() != 0)
		return item(c, items, "web user", user, true,
			    "not checked: needs root");
	ok = writable_as(pw, cfg->state_dir, true);
	snprintf(text, sizeof(text), "%swritable by %s", ok ? "" : "not ",
		 user);
	item(c, items, "state_dir", cfg->state_dir, ok, text);
	if (!writable_as(pw, cfg->audit.file, false)) {
		snprintf(text, sizeof(text), "not writable by %s", user);
		return item(c, items, "audit", cfg->audit.file, false, text) &&
		       ok;
	}
	snprintf(text, sizeof(text), "writable by %s", user);
	return item(c, items, "audit", cfg->audit.file, true, text) && ok;
}

/* ------------------------------------------------------- auth.pam_confdir */

/* The directory the gate reads its PAM service from, and the service's
 * file in it, as the gate checks them before each Basic login: owned by
 * root or the web user, writable by nobody else, not a symbolic link. */
static bool check_pam_confdir(struct ctl *c, const struct aig_config *cfg,
			      json_t *items)
{
	const char *user = c->web_user ? c->web_user : "www-data";
	const char *dir = cfg->auth.pam_confdir;
	struct passwd *pw = getpwnam(user);
	uid_t uid = pw != NULL ? pw->pw_uid : 0;
	const struct aig_file_trust tdir = {S_IFDIR, uid, false};
	const struct aig_file_trust tfile = {S_IFREG, uid, false};
	struct aig_error err = {0};
	char text[sizeof(err.msg) + 64];
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (dfd < 0 || fstat(dfd, &st) != 0) {
		snprintf(text, sizeof(text), "%s", strerror(errno));
		rc = AIG_ERR_IO;
	} else if ((rc = aig_file_trusted_st(&st, &tdir, dir, &err)) !=
		   AIG_OK) {
		snprintf(text, sizeof(text), "%s", err.msg);
	} else if (fstatat(dfd, cfg->auth.pam_service, &st,
			   AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(text, sizeof(text), "service %s: %s",
			 cfg->auth.pam_service, strerror(errno));
		rc = AIG_ERR_IO;
	} else if ((rc = aig_file_trusted_st(&st, &tfile, cfg->auth.pam_service,
					     &err)) != AIG_OK) {
		snprintf(text, sizeof(text), "service %s", err.msg);
	} else {
		snprintf(text, sizeof(text), "service %s trusted",
			 cfg->auth.pam_service);
	}
	if (dfd >= 0)
		close(dfd);
	return item(c, items, "pam_confdir", dir, rc == AIG_OK, text);
}

/* ---------------------------------------------------------------- Redis */

static bool check_redis(struct ctl *c, const struct aig_config *cfg,
			json_t *items)
{
	char host[256], port[16], buf[16] = "";
	int fd;
	ssize_t n = 0;
	bool ok;

	if (!split_url(cfg->ratelimit.store, host, sizeof(host), port,
		       sizeof(port), "6379"))
		return item(c, items, "redis", cfg->ratelimit.store, false,
			    "not redis://host:port/db");
	fd = tcp_connect(host, port);
	if (fd >= 0 && write(fd, "PING\r\n", 6) == 6)
		n = read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	ok = n >= 5 && strncmp(buf, "+PONG", 5) == 0;
	return item(c, items, "redis", cfg->ratelimit.store, ok,
		    ok	     ? "answers PING"
		    : fd < 0 ? "cannot connect"
			     : "no +PONG to PING");
}

bool ctl_check_deep(struct ctl *c, const struct aig_config *cfg, json_t *items)
{
	bool ok = true;
	size_t i;

	/* a server that closes the connection must not end the check */
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	for (i = 0; i < cfg->ldap.uri.n; i++)
		ok = check_dc(c, cfg, cfg->ldap.uri.v[i], items) && ok;
	if (cfg->ldap.dns_srv != NULL)
		ok = check_srv(c, cfg, items) && ok;
	if (cfg->jwt.present && cfg->jwt.jwks_file == NULL &&
	    aig_config_has_method(cfg, AIG_AUTH_BEARER))
		ok = check_issuer(c, cfg, items) && ok;
	if (cfg->alb.present)
		ok = check_alb(c, cfg, items) && ok;
	ok = check_writable(c, cfg, items) && ok;
	if (cfg->auth.pam_confdir != NULL &&
	    aig_config_has_method(cfg, AIG_AUTH_BASIC))
		ok = check_pam_confdir(c, cfg, items) && ok;
	if (strncmp(cfg->ratelimit.store, "redis://", 8) == 0)
		ok = check_redis(c, cfg, items) && ok;
	return ok;
}
