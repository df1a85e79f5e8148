#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# hello.cgi — the web test bed's sample CGI: proves the server runs CGI
# programs, and echoes what the server passed in (never a credential's value).
printf 'Content-Type: text/plain\r\n\r\n'
echo "hello from ${SERVER_SOFTWARE:-an unknown server}"
echo "user=$(id -un)"
echo "method=${REQUEST_METHOD:-}"
echo "script_name=${SCRIPT_NAME:-}"
echo "path_info=${PATH_INFO:-}"
echo "query=${QUERY_STRING:-}"
echo "authorization=${HTTP_AUTHORIZATION:+present}"
