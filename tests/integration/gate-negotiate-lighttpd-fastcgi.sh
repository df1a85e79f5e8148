#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# HTTP Negotiate through the gate in FastCGI mode under lighttpd
# mod_fastcgi (see gate-negotiate.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate-negotiate.sh" lighttpd-fastcgi
