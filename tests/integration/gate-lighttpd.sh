#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# aigate.cgi end to end under lighttpd (see gate.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate.sh" lighttpd
