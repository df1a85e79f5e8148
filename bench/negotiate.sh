#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/negotiate.sh [N] - what a fresh HTTP Negotiate token costs the
# gate's decision, beside a bearer decision with a new token, in one warm
# process (bench/bench_negotiate), with the test bed's Samba AD DC as the
# KDC and the directory; and the client's side: making one SPNEGO token
# with python3-gssapi (each request needs a fresh authenticator). Run as
# root from the build tree:
#   top_srcdir=.. top_builddir=. ../bench/negotiate.sh 3000
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
n=${1:-3000}
if [ -z "${AIG_AD_URI:-}" ]; then
	work=$(mktemp -d /tmp/aigate-bench-neg-ad.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	"$top_srcdir/tests/testbed/ad.sh" run "$work/ad" -- "$0" "$@"
	exit $?
fi
dir=$(mktemp -d /tmp/aigate-bench-neg.XXXXXX)
trap 'rm -rf "$dir"' EXIT
host=ai.corp.example.com
samba-tool spn add "HTTP/$host" "$AIG_AD_SVC_USER" -s "$AIG_AD_SMBCONF" >/dev/null
printf 'dn: %s\nchangetype: modify\nreplace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24\n' \
	"$AIG_AD_SVC_DN" | LDAPTLS_CACERT=$AIG_AD_CA ldapmodify -x -H "$AIG_AD_URI" \
	-D "$AIG_AD_ADMIN_DN" -y "$AIG_AD_ADMIN_PASSWORD_FILE" >/dev/null
samba-tool domain exportkeytab "$dir/http.keytab" --principal="HTTP/$host" \
	-s "$AIG_AD_SMBCONF" >/dev/null
chmod 0600 "$dir/http.keytab"
(umask 077 && openssl rand -out "$dir/state.key" 32)
cp "$top_srcdir/policies/policy.json" "$dir/policy.json"
# rates that never refuse while measuring
sed -i 's/"per_minute": *[0-9]*/"per_minute": 1000000/; s/"burst": *[0-9]*/"burst": 1000000/' "$dir/policy.json"
cat >"$dir/aigate.json" <<JSON
{
  "ldap": {"uri": ["$AIG_AD_URI"], "domain": "$AIG_AD_DOMAIN", "base_dn": "$AIG_AD_BASE",
           "ca_file": "$AIG_AD_CA", "timeout_ms": 2000,
           "service_bind": {"dn": "$AIG_AD_SVC_DN", "password_file": "$AIG_AD_SVC_PASSWORD_FILE"}},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$dir/jwks.json", "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["negotiate", "bearer"],
           "negotiate": {"keytab": "$dir/http.keytab"}},
  "backend": {"url": "http://127.0.0.1:9"},
  "policy_file": "$dir/policy.json",
  "state_dir": "$dir",
  "state_key_file": "$dir/state.key",
  "audit": {"file": "$dir/audit.jsonl", "syslog": false}
}
JSON
export KRB5_CONFIG=$AIG_AD_KRB5_CONFIG KRB5CCNAME=FILE:$dir/cc
printf '%s\n' "$AIG_AD_PASSWORD" | kinit "bob@$AIG_AD_REALM" >/dev/null
/usr/bin/python3 - "$n" "HTTP@$host" >"$dir/tokens" 2>"$dir/client" <<'PY'
import base64, sys, time
import gssapi
n, spn = int(sys.argv[1]), sys.argv[2]
name = gssapi.Name(spn, gssapi.NameType.hostbased_service)
mech = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
t0 = time.perf_counter()
for _ in range(n):
    ctx = gssapi.SecurityContext(name=name, mech=mech, usage="initiate",
        flags=[gssapi.RequirementFlag.mutual_authentication])
    print("Negotiate " + base64.b64encode(ctx.step()).decode())
sys.stderr.write("%.1f" % ((time.perf_counter() - t0) * 1e6 / n))
PY
# the program beside its module, as aigate.cgi is installed
cp "$top_builddir/bench/bench_negotiate" "$top_builddir/cgi/.libs/aigate-ext.so" "$dir/"
unset KRB5CCNAME
"$dir/bench_negotiate" "$dir/aigate.json" "$dir/tokens"
printf '%-52s %9s us  (python3-gssapi, ticket cached; not in the figures above)\n' \
	"client: one fresh SPNEGO token" "$(cat "$dir/client")"
