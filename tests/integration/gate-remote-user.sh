#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# "remote_user": Apache mod_auth_gssapi in front of the gate (see
# gate-negotiate.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate-negotiate.sh" apache-gssapi
