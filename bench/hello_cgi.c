/* SPDX-License-Identifier: Apache-2.0 */
/* hello_cgi.c - the floor for the gate's benchmark: a static CGI that
 * answers a fixed JSON body and does nothing else. */
#include <stdio.h>

int main(void)
{
	fputs("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
	      "{\"output\":\"ok\"}\n",
	      stdout);
	return 0;
}
