/* SPDX-License-Identifier: Apache-2.0 */
/* fcgi_hello.c - the floor for the gate's FastCGI row: a libfcgi
 * responder (the same fcgiapp interface as aigate.cgi's FastCGI mode)
 * that reads each request's body and answers a fixed JSON body, run by
 * the same lighttpd with the same max-procs as the gate (compare.sh). */
#include <fcgiapp.h>

int main(void)
{
	FCGX_Stream *in, *out, *errs;
	FCGX_ParamArray env;
	char buf[4096];

	while (FCGX_Accept(&in, &out, &errs, &env) >= 0) {
		while (FCGX_GetStr(buf, sizeof(buf), in) > 0)
			;
		FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json"
			  "\r\n\r\n{\"output\":\"ok\"}\n",
			  out);
	}
	return 0;
}
