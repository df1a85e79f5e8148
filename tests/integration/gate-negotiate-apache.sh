#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# HTTP Negotiate through the gate in CGI mode under Apache mod_cgi
# (see gate-negotiate.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate-negotiate.sh" apache
