/* SPDX-License-Identifier: Apache-2.0 */
/* srv.c - domain controllers from DNS SRV records (RFC 2782):
 * _ldap._tcp.<domain>, by priority, then weighted random within one. */
#include "config.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ldap_int.h"

#define SRV_ANSWER_MAX 65536
#define SRV_MAX 64

static int srv_one(ns_msg *msg, int i, struct aig_ldap_srv *out, bool *is_srv)
{
	const unsigned char *rd;
	ns_rr rr;

	*is_srv = false;
	if (ns_parserr(msg, ns_s_an, i, &rr) < 0)
		return AIG_ERR_INVALID;
	if (ns_rr_type(rr) != ns_t_srv || ns_rr_class(rr) != ns_c_in)
		return AIG_OK;
	if (ns_rr_rdlen(rr) < 7)
		return AIG_ERR_INVALID;
	rd = ns_rr_rdata(rr);
	out->priority = ns_get16(rd);
	out->weight = ns_get16(rd + 2);
	out->port = ns_get16(rd + 4);
	if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), rd + 6,
			       out->host, sizeof(out->host)) < 0)
		return AIG_ERR_INVALID;
	/* The target "." (service not offered) comes out as "."; kept as
	 * "" for aig_ldap_srv_lookup() to drop. */
	if (strcmp(out->host, ".") == 0)
		out->host[0] = '\0';
	*is_srv = true;
	return AIG_OK;
}

int aig_ldap_srv_parse(const unsigned char *answer, size_t len,
		       struct aig_ldap_srv **out, size_t *n,
		       struct aig_error *err)
{
	struct aig_ldap_srv *v = NULL;
	size_t count = 0;
	int i, an, rc = AIG_OK;
	ns_msg msg;

	*out = NULL;
	*n = 0;
	if (len > SRV_ANSWER_MAX || ns_initparse(answer, (int)len, &msg) < 0)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "malformed DNS answer");
	an = ns_msg_count(msg, ns_s_an);
	if (an > SRV_MAX)
		an = SRV_MAX;
	v = calloc(an > 0 ? (size_t)an : 1, sizeof(*v));
	if (v == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	for (i = 0; i < an; i++) {
		bool is_srv;

		if (srv_one(&msg, i, &v[count], &is_srv) != AIG_OK) {
			rc = aig_error_set(err, AIG_ERR_INVALID,
					   "malformed SRV record");
			goto out;
		}
		count += is_srv;
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	free(v);
	return rc;
}

static int by_priority(const void *a, const void *b)
{
	const struct aig_ldap_srv *x = a, *y = b;

	return (int)x->priority - (int)y->priority;
}

/* RFC 2782: within one priority, zero weights first, then repeatedly pick
 * the first record whose running weight sum reaches a random number in
 * [0, total]. */
static void order_weights(struct aig_ldap_srv *v, size_t n,
			  uint32_t (*rnd)(void *ctx), void *ctx)
{
	size_t i, j;

	for (i = 0, j = 0; i < n; i++) {
		if (v[i].weight == 0) {
			struct aig_ldap_srv t = v[i];

			memmove(v + j + 1, v + j, (i - j) * sizeof(*v));
			v[j++] = t;
		}
	}
	for (i = 0; i + 1 < n; i++) {
		uint32_t total = 0, pick, sum = 0;
		struct aig_ldap_srv t;

		for (j = i; j < n; j++)
			total += v[j].weight;
		pick = rnd(ctx) % (total + 1);
		for (j = i; j + 1 < n; j++) {
			sum += v[j].weight;
			if (sum >= pick)
				break;
		}
		t = v[j];
		memmove(v + i + 1, v + i, (j - i) * sizeof(*v));
		v[i] = t;
	}
}

void aig_ldap_srv_order(struct aig_ldap_srv *v, size_t n,
			uint32_t (*rnd)(void *ctx), void *ctx)
{
	size_t i = 0, j;

	/* qsort is not stable, but the order inside one priority is decided
	 * by order_weights() anyway. */
	qsort(v, n, sizeof(*v), by_priority);
	while (i < n) {
		for (j = i; j < n && v[j].priority == v[i].priority; j++)
			;
		order_weights(v + i, j - i, rnd, ctx);
		i = j;
	}
}

static uint32_t rnd_getrandom(void *ctx)
{
	uint32_t r = 0;

	(void)ctx;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 0; /* the order then falls back to the listed one */
	return r;
}

static int srv_query(const char *domain, long timeout_ms, unsigned char *answer,
		     int *len, struct aig_error *err)
{
	struct __res_state rs;
	char name[NS_MAXDNAME];
	int rc = AIG_OK;

	memset(&rs, 0, sizeof(rs));
	if ((size_t)snprintf(name, sizeof(name), "_ldap._tcp.%s", domain) >=
	    sizeof(name))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "ldap.dns_srv: name too long");
	if (res_ninit(&rs) != 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "DNS resolver could not start");
	/* glibc's defaults (5 s a try, 2 tries, each name server) would
	 * ignore ldap.timeout_ms: a silent DNS server cost 10 s. */
	rs.retry = 1;
	rs.retrans =
		(int)(timeout_ms / 1000 / (rs.nscount > 0 ? rs.nscount : 1));
	if (rs.retrans < 1)
		rs.retrans = 1;
	*len = res_nquery(&rs, name, ns_c_in, ns_t_srv, answer, *len);
	if (*len < 0)
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE,
				   "DNS SRV lookup of %s failed", name);
	res_nclose(&rs);
	return rc;
}

int aig_ldap_srv_lookup(const char *domain, long timeout_ms,
			struct aig_ldap_srv **out, size_t *n,
			struct aig_error *err)
{
	struct aig_error perr = {0};
	unsigned char *answer;
	int len = SRV_ANSWER_MAX, rc;
	size_t i, j;

	*out = NULL;
	*n = 0;
	answer = malloc(SRV_ANSWER_MAX);
	if (answer == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if ((rc = srv_query(domain, timeout_ms, answer, &len, err)) != AIG_OK)
		goto out;
	/* A bad answer is the DNS's failure: no server could be found. */
	if ((rc = aig_ldap_srv_parse(answer, (size_t)len, out, n, &perr)) !=
	    AIG_OK) {
		if (rc != AIG_ERR_NOMEM)
			rc = AIG_ERR_UNAVAILABLE;
		aig_error_set(err, rc, "DNS SRV lookup of _ldap._tcp.%s: %s",
			      domain, perr.msg);
		goto out;
	}
	/* A lone target "." says the service is not offered (RFC 2782);
	 * among other records it means nothing: dropped either way. */
	for (i = j = 0; i < *n; i++)
		if ((*out)[i].host[0] != '\0')
			(*out)[j++] = (*out)[i];
	*n = j;
	if (*n == 0) {
		free(*out);
		*out = NULL;
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE,
				   "no SRV records for _ldap._tcp.%s", domain);
	} else
		aig_ldap_srv_order(*out, *n, rnd_getrandom, NULL);
out:
	free(answer);
	return rc;
}
