#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# setup.sh [DIR] - installs the LangGraph.js server and SDK the gate's
# LangGraph tests run against, exactly as package-lock.json here pins them
# (npm ci, from the npm registry; Debian 12's nodejs 18 and npm 9 are
# enough), into DIR (default $AIGATE_LANGGRAPH_DIR, else
# /var/cache/aigate/langgraph-test). Does nothing when DIR already holds
# this lock file's install. Prints DIR. contrib/install-deps.sh runs it;
# the tests run it too, so that a changed lock file is installed (that
# needs the network) rather than tested against old packages.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-${AIGATE_LANGGRAPH_DIR:-/var/cache/aigate/langgraph-test}}
if [ -d "$dir/node_modules/@langchain/langgraph-cli" ] &&
	cmp -s "$here/package-lock.json" "$dir/package-lock.json" &&
	cmp -s "$here/package.json" "$dir/package.json"; then
	echo "$dir"
	exit 0
fi
command -v npm >/dev/null 2>&1 || {
	echo "setup.sh: npm is missing (contrib/install-deps.sh installs it)" >&2
	exit 1
}
mkdir -p "$dir"
rm -rf "$dir/node_modules" "$dir/package-lock.json"
cp "$here/package.json" "$dir/package.json"
cp "$here/package-lock.json" "$dir/package-lock.json.new"
mv "$dir/package-lock.json.new" "$dir/package-lock.json"
# No install scripts: the only ones (esbuild's) check a binary that its
# platform package already brought.
(cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
echo "$dir"
