## SPDX-License-Identifier: Apache-2.0
## The gate in front of a real LangGraph.js server (tests/langgraph: the
## pinned npm packages, the echo graph, the SDK driver), per web server.
TESTS += tests/integration/gate-langgraph-lighttpd.sh \
	tests/integration/gate-langgraph-lighttpd-fastcgi.sh \
	tests/integration/gate-langgraph-apache.sh \
	tests/integration/gate-langgraph-apache-fcgid.sh
EXTRA_DIST += tests/integration/gate-langgraph.sh \
	tests/integration/gate-langgraph-lighttpd.sh \
	tests/integration/gate-langgraph-lighttpd-fastcgi.sh \
	tests/integration/gate-langgraph-apache.sh \
	tests/integration/gate-langgraph-apache-fcgid.sh \
	tests/langgraph/package.json tests/langgraph/package-lock.json \
	tests/langgraph/langgraph.json tests/langgraph/echo_graph.mjs \
	tests/langgraph/drive.mjs tests/langgraph/setup.sh \
	tests/langgraph/identity.mjs contrib/langgraph/aigate_auth.mjs \
	docs/langgraph.md bench/bench_langgraph.sh
