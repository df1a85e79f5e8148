#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# "remote_user": lighttpd mod_authn_gssapi in front of the gate (see
# gate-negotiate.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate-negotiate.sh" lighttpd-gssapi
