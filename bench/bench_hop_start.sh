#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench_hop_start.sh [BUILD_DIR] - what the backend hop's libraries cost a
# CGI at start-up, per exec (the decision written at the top of
# cgi/forward.c). Builds programs that print a CGI header and exit,
# differing only in what they link and initialise, into
# BUILD_DIR/bench/hop-start/, and times each with
# `hyperfine -N -w 50 -r 1000` (RUNS=N changes the runs):
#   1. bench/hello_cgi.c, static: the floor
#   2. hello + libcurl (shared) + curl_global_init(): the hop before
#   3. hello + libhttp_parser.a, libssl.a, libcrypto.a (static archives),
#      OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG) and an SSL_CTX: the
#      hop to an https:// backend
#   4. the same with the shared libhttp_parser, libssl and libcrypto
#   5. 3 linked, but no TLS set up: the hop to an http:// backend
#   6. 3, and the system CA bundle file read whole into the SSL_CTX
#      (SSL_CTX_set_default_verify_paths)
#   7. 3, and the system CA directory searched by hash when needed (what
#      http/tls.c does where the directory has hash links, as on Debian)
# Needs gcc, hyperfine, libssl-dev, libhttp-parser-dev; row 2 is skipped
# without libcurl's headers.
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${top_builddir:-.}}
runs=${RUNS:-1000}
libdir=$(gcc -print-file-name=libssl.a)
libdir=$(dirname "$libdir")
[ -f "$libdir/libssl.a" ] || libdir=/usr/lib/$(gcc -print-multiarch)
work=$build/bench/hop-start
mkdir -p "$work"
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 77; }

cat >"$work/curl_hello.c" <<'EOF'
#include <stdio.h>
#include <curl/curl.h>
int main(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	fputs("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
	      "{\"output\":\"ok\"}\n", stdout);
	curl_global_cleanup();
	return 0;
}
EOF
cat >"$work/hop_hello.c" <<'EOF'
#include <stdio.h>
#include <http_parser.h>
#include <openssl/ssl.h>
int main(void)
{
	http_parser p;
	SSL_CTX *ctx;

	http_parser_init(&p, HTTP_RESPONSE);
#ifdef PLAIN_ONLY
	if (p.type == 99) /* never: links libssl without running it */
#endif
	{
		if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1 ||
		    (ctx = SSL_CTX_new(TLS_client_method())) == NULL)
			return 1;
#ifdef CA_FILE
		if (SSL_CTX_set_default_verify_paths(ctx) != 1)
			return 1;
#endif
#ifdef CA_DIR
		if (SSL_CTX_load_verify_dir(ctx, X509_get_default_cert_dir()) != 1)
			return 1;
#endif
		SSL_CTX_free(ctx);
	}
	fputs("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
	      "{\"output\":\"ok\"}\n", stdout);
	return 0;
}
EOF

static_libs="$libdir/libhttp_parser.a $libdir/libssl.a $libdir/libcrypto.a -ldl -pthread"
gcc -O2 -static -o "$work/1-hello-static" "$top_srcdir/bench/hello_cgi.c"
have_curl=no
if gcc -O2 -o "$work/2-curl-shared" "$work/curl_hello.c" -lcurl 2>/dev/null; then
	have_curl=yes
fi
# shellcheck disable=SC2086
gcc -O2 -o "$work/3-hop-static" "$work/hop_hello.c" $static_libs
gcc -O2 -o "$work/4-hop-shared" "$work/hop_hello.c" -lhttp_parser -lssl -lcrypto
# shellcheck disable=SC2086
gcc -O2 -DPLAIN_ONLY -o "$work/5-hop-static-http-only" "$work/hop_hello.c" $static_libs
# shellcheck disable=SC2086
gcc -O2 -DCA_FILE -o "$work/6-hop-static-ca-file" "$work/hop_hello.c" $static_libs
# shellcheck disable=SC2086
gcc -O2 -DCA_DIR -o "$work/7-hop-static-ca-dir" "$work/hop_hello.c" $static_libs

progs=("$work/1-hello-static")
[ "$have_curl" = yes ] && progs+=("$work/2-curl-shared")
progs+=("$work/3-hop-static" "$work/4-hop-shared" "$work/5-hop-static-http-only"
	"$work/6-hop-static-ca-file" "$work/7-hop-static-ca-dir")
for p in "${progs[@]}"; do
	"$p" | head -n 1 | grep -q '^Status: 200' || { echo "$p does not answer" >&2; exit 1; }
done
echo "# shared libraries: $(for p in "${progs[@]}"; do printf '%s=%s ' "${p##*/}" "$(ldd "$p" 2>/dev/null | grep -c '=>' || true)"; done)"
hyperfine -N -w 50 -r "$runs" --style none \
	--export-markdown "$work/table.md" "${progs[@]}" >/dev/null
sed "s|$work/||g" "$work/table.md"
