/* SPDX-License-Identifier: Apache-2.0 */
/* response.c - CGI responses: status line, X-Request-Id, JSON bodies.
 * Nothing from the request is ever written into a header. */
#include "config.h"

#include <stdlib.h>

#include "aig_cgi.h"

const char *aig_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

static void write_json(FILE *out, const char *request_id, int status,
		       const json_t *body, const char *extra_headers)
{
	char *text = json_dumps(body, JSON_COMPACT);

	fprintf(out,
		"Status: %d %s\r\n"
		"Content-Type: application/json\r\n"
		"Cache-Control: no-store\r\n"
		"X-Content-Type-Options: nosniff\r\n"
		"X-Request-Id: %s\r\n"
		"%s\r\n"
		"%s\n",
		status, aig_http_reason(status), request_id,
		extra_headers ? extra_headers : "", text ? text : "{}");
	free(text);
	fflush(out);
}

void aig_response_error(FILE *out, const char *request_id, enum aig_outcome o,
			const char *extra_headers)
{
	const struct aig_outcome_info *e = aig_outcome_info(o);
	json_t *body;

	if (e->code == NULL) /* not an error: fail closed */
		e = aig_outcome_info(AIG_OUT_UNAVAILABLE);
	body = json_pack("{s:s, s:s, s:s}", "error", e->code, "message",
			 e->message, "request_id", request_id);
	write_json(out, request_id, e->status, body, extra_headers);
	json_decref(body);
}

void aig_response_json(FILE *out, const char *request_id, int status,
		       const json_t *body)
{
	write_json(out, request_id, status, body, NULL);
}

void aig_response_json_headers(FILE *out, const char *request_id, int status,
			       const json_t *body, const char *extra)
{
	write_json(out, request_id, status, body, extra);
}
