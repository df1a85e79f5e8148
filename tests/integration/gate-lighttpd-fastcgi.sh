#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# aigate.cgi end to end in FastCGI mode under lighttpd fastcgi (see gate.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate.sh" lighttpd-fastcgi
