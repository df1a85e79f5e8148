/* jwks_fetch.c - one HTTPS GET for a JWK Set or an OIDC discovery
 * document, with libcurl. Kept apart so that libcurl can later be loaded
 * only when a fetch is due (PERF-NOTES: linking it costs every request
 * about 2 ms; fetches happen about once an hour). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "jwt_int.h"

struct sink {
	char *buf;
	size_t len, cap, max;
	bool too_big;
};

static size_t sink_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb;

	if (n > s->max - s->len) {
		s->too_big = true;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->len + n + 1 > 2 * s->cap ? s->len + n + 1
							 : 2 * s->cap;
		char *nb = realloc(s->buf, cap);

		if (nb == NULL)
			return 0;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* TLS verified against ca_file or the system store; https only, also for
 * redirects, which are not followed anyway; no proxy whatever the
 * environment says (httpoxy); bounded in time and size. */
static bool set_options(CURL *c, const char *url, const char *ca_file,
			struct sink *s, char *errbuf)
{
	return curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
#if LIBCURL_VERSION_NUM >= 0x075500
	       curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") ==
		       CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https") ==
		       CURLE_OK &&
#else
	       curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) ==
		       CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
				(long)CURLPROTO_HTTPS) == CURLE_OK &&
#endif
	       curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_SSLVERSION,
				(long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
	       (ca_file == NULL ||
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file) == CURLE_OK) &&
	       curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_NOPROXY, "*") == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
				(long)AIG_JWKS_CONNECT_TIMEOUT_MS) ==
		       CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
				(long)AIG_JWKS_TIMEOUT_MS) == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
				(curl_off_t)s->max) == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_USERAGENT,
				PACKAGE_NAME "/" PACKAGE_VERSION) == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write) ==
		       CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_WRITEDATA, s) == CURLE_OK &&
	       curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
}

/* Turns the transfer's outcome into a status. */
static int outcome(CURL *c, CURLcode cc, const struct sink *s, const char *url,
		   const char *errbuf, struct aig_error *err)
{
	long code = 0;

	if (s->too_big || cc == CURLE_FILESIZE_EXCEEDED)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "%s: larger than %zu bytes", url, s->max);
	if (cc != CURLE_OK)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", url,
				     errbuf[0] ? errbuf
					       : curl_easy_strerror(cc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "%s: HTTP status %ld", url, code);
	if (s->buf == NULL)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "%s: empty answer", url);
	return AIG_OK;
}

int aig_jwks_fetch(const char *url, const char *ca_file, size_t max,
		   char **body, size_t *len, struct aig_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink s = {NULL, 0, 0, max, false};
	CURL *c = curl_easy_init();
	int rc;

	*body = NULL;
	*len = 0;
	if (c == NULL || !set_options(c, url, ca_file, &s, errbuf)) {
		rc = aig_error_set(err, AIG_ERR_INTERNAL,
				   "libcurl cannot be set up");
		goto out;
	}
	rc = outcome(c, curl_easy_perform(c), &s, url, errbuf, err);
	if (rc == AIG_OK) {
		*body = s.buf;
		*len = s.len;
		s.buf = NULL;
	}
out:
	free(s.buf);
	curl_easy_cleanup(c);
	return rc;
}
