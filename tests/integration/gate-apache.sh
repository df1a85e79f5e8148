#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# aigate.cgi end to end under apache (see gate.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate.sh" apache
