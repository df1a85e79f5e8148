#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The LangGraph ownership cases under lighttpd-fastcgi (see gate-langgraph.sh).
exec /bin/bash "$top_srcdir/tests/integration/gate-langgraph.sh" lighttpd-fastcgi
