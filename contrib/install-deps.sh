#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package aigate needs: build, test bed, web servers,
# benchmarks. Used by the README's commands and by .ci/run.
set -eu
export DEBIAN_FRONTEND=noninteractive
PKGS="
 build-essential autoconf automake libtool pkg-config clang clang-format
 libclang-rt-14-dev valgrind
 libpam0g-dev libldap2-dev libsasl2-dev libsasl2-modules libsasl2-modules-gssapi-mit
 libjansson-dev libssl-dev liblmdb-dev libpcre2-dev zlib1g-dev logrotate libcrypt-dev
 nettle-dev libgmp-dev
 libhiredis-dev libfcgi-dev libkrb5-dev libresolv-wrapper
 samba-ad-dc samba samba-ad-provision winbind krb5-user ldap-utils
 slapd openssl ca-certificates
 apache2 lighttpd spawn-fcgi
 libpam-wrapper libpamtest0-dev pamtester libnss-wrapper
 python3-gssapi libapache2-mod-auth-gssapi lighttpd-mod-authn-gssapi
 libhttp-parser-dev libapache2-mod-fcgid
 redis-server python3 curl procps iproute2 psmisc wrk hyperfine
 nginx-light gunicorn python3-flask python3-jwt python3-cryptography python3-requests
 linux-perf
 debhelper dpkg-dev fakeroot lintian rpm
 prometheus
"
# Node.js for the LangGraph tests: Debian's, unless the machine already has
# a node and npm of its own (a nodesource nodejs conflicts with Debian's npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PKGS="$PKGS nodejs npm"
fi
if [ "${AIGATE_SKIP_APT_UPDATE:-}" != 1 ]; then
  apt-get update
fi
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PKGS
# The LangGraph.js server and SDK of the LangGraph tests, from the npm
# registry at the versions tests/langgraph/package-lock.json pins.
if [ "${AIGATE_SKIP_NPM:-}" != 1 ]; then
  "$(dirname "$0")/../tests/langgraph/setup.sh" >/dev/null
fi
