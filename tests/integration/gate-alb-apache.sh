#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# aigate.cgi behind an AWS ALB (auth.alb) under apache (see gate-alb.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate-alb.sh" apache
