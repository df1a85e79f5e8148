/* SPDX-License-Identifier: Apache-2.0 */
/* outcome.c - the gate's answers: every way a request can end, mapped once
 * to its HTTP status, error code, message and extra header (see
 * aigate.cgi(8), ERRORS). The messages go to the client: static text,
 * never request data. */
#include "config.h"

#include "aig_cgi.h"
#include "gate.h"

#define REFUSE(st, code, msg)                                                  \
	{                                                                      \
		st, code, msg, AIG_OUT_HEADER_NONE, 0                          \
	}
#define BACKEND(st, code, msg)                                                 \
	{                                                                      \
		st, code, msg, AIG_OUT_HEADER_NONE, AIG_OUT_BACKEND_ERROR      \
	}

static const struct aig_outcome_info outcomes[AIG_OUT_COUNT] = {
	[AIG_OUT_PENDING] = {0, NULL, NULL, AIG_OUT_HEADER_NONE, 0},
	[AIG_OUT_OK] = {200, NULL, NULL, AIG_OUT_HEADER_NONE, AIG_OUT_ALLOWED},
	[AIG_OUT_FORWARDED] = {0, NULL, NULL, AIG_OUT_HEADER_NONE,
			       AIG_OUT_ALLOWED},
	[AIG_OUT_BAD_PATH] =
		REFUSE(400, "invalid_request", "malformed request path"),
	[AIG_OUT_BAD_REQUEST] =
		REFUSE(400, "invalid_request", "malformed request"),
	[AIG_OUT_METHOD] = {405, "method_not_allowed", "method not allowed",
			    AIG_OUT_HEADER_ALLOW, 0},
	[AIG_OUT_LENGTH_REQUIRED] = REFUSE(
		411, "invalid_request", "a request body needs Content-Length"),
	[AIG_OUT_TOO_LARGE] =
		REFUSE(413, "payload_too_large", "request body too large"),
	[AIG_OUT_NO_CREDENTIALS] = {401, "unauthorized",
				    "authentication required",
				    AIG_OUT_HEADER_AUTHENTICATE, 0},
	[AIG_OUT_BAD_CREDENTIALS] = {401, "unauthorized", "invalid credentials",
				     AIG_OUT_HEADER_AUTHENTICATE, 0},
	[AIG_OUT_HTTPS_REQUIRED] = REFUSE(
		403, "forbidden", "credentials are accepted only over HTTPS"),
	[AIG_OUT_FORBIDDEN] =
		REFUSE(403, "forbidden", "access denied by policy"),
	/* The two limits the gate enforces itself count as rate limited;
	 * a backend's own 429 is FORWARDED and does not. */
	[AIG_OUT_RATE_LIMITED] = {429, "rate_limited", "too many requests",
				  AIG_OUT_HEADER_RETRY_AFTER,
				  AIG_OUT_RATE_LIMIT},
	[AIG_OUT_LOGIN_THROTTLED] = {429, "rate_limited", "too many requests",
				     AIG_OUT_HEADER_RETRY_AFTER,
				     AIG_OUT_RATE_LIMIT},
	[AIG_OUT_UNSUPPORTED_TYPE] =
		REFUSE(415, "unsupported_media_type",
		       "the body must be application/json"),
	[AIG_OUT_INVALID_JSON] =
		REFUSE(400, "invalid_request", "the body is not valid JSON"),
	[AIG_OUT_INVALID_INPUT] =
		REFUSE(400, "invalid_input", "the input was refused"),
	[AIG_OUT_UNAVAILABLE] =
		REFUSE(503, "unavailable", "the service is unavailable"),
	[AIG_OUT_NO_MEMORY] = REFUSE(503, "unavailable", "service unavailable"),
	[AIG_OUT_FCGI_NO_MEMORY] = REFUSE(503, "unavailable", "out of memory"),
	[AIG_OUT_BAD_GATEWAY] =
		BACKEND(502, "bad_gateway",
			"the backend could not be reached or sent an invalid "
			"response"),
	[AIG_OUT_BACKEND_UNREACHABLE] =
		BACKEND(502, "bad_gateway", "the backend could not be reached"),
	[AIG_OUT_BACKEND_TLS] =
		BACKEND(502, "bad_gateway",
			"the backend's TLS certificate or handshake failed"),
	[AIG_OUT_BACKEND_CONNECTION] =
		BACKEND(502, "bad_gateway", "the backend's connection failed"),
	[AIG_OUT_BACKEND_INVALID] = BACKEND(
		502, "bad_gateway", "the backend sent an invalid response"),
	[AIG_OUT_GATEWAY_TIMEOUT] = BACKEND(
		504, "gateway_timeout", "the backend did not answer in time"),
	[AIG_OUT_OUTPUT_REFUSED] = REFUSE(502, "output_refused",
					  "the answer was refused by policy"),
	/* answered by route_step.c with its own body; audited as not
	 * forwarded */
	[AIG_OUT_QUARANTINED] =
		REFUSE(202, "quarantined", "the prompt is kept for review"),
};

const struct aig_outcome_info *aig_outcome_info(enum aig_outcome o)
{
	if ((unsigned)o >= AIG_OUT_COUNT)
		o = AIG_OUT_UNAVAILABLE;
	return &outcomes[o];
}

enum aig_outcome aig_body_outcome(enum aig_body_verdict v)
{
	switch (v) {
	case AIG_BODY_TOO_LARGE: return AIG_OUT_TOO_LARGE;
	case AIG_BODY_INVALID:
	case AIG_BODY_TOO_DEEP: return AIG_OUT_INVALID_JSON;
	case AIG_BODY_DENIED:
	case AIG_BODY_UNCHECKED: return AIG_OUT_INVALID_INPUT;
	case AIG_BODY_MODEL:
	case AIG_BODY_TOOL: return AIG_OUT_FORBIDDEN;
	case AIG_BODY_OK: break;
	}
	return AIG_OUT_UNAVAILABLE; /* not a refusal: fail closed */
}
