#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench/negotiate.sh [N] - what a fresh HTTP Negotiate token costs the
# gate's decision, beside a bearer decision with a new token, in one warm
# process (bench/bench_negotiate), with the test bed's Samba AD DC as the
# KDC and the directory; the client's side: making one SPNEGO token with
# python3-gssapi (each request needs a fresh authenticator); then
# requests/s of GET /_aigate/whoami through lighttpd and the gate in
# FastCGI mode (2 processes), 4 keep-alive clients, Negotiate headers made
# beforehand against new bearer tokens. Run as root from the build tree:
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
chmod 0755 "$dir"
trap '"$top_srcdir/tests/testbed/web.sh" stop "$dir/srv" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
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

# --- requests/s through lighttpd + FastCGI
mkdir -p "$dir/libexec/aigate" "$dir/etc/aigate" "$dir/run/lighttpd" "$dir/srv/htdocs" "$dir/state"
cp "$top_builddir/cgi/aigate.cgi" "$top_builddir/cgi/.libs/aigate-ext.so" "$top_builddir/cgi/.libs/aigate-pam.so" "$top_builddir/cgi/.libs/aigate-openssl.so" "$dir/libexec/aigate/"
cp "$dir/http.keytab" "$dir/state.key" "$dir/jwks.json" "$dir/policy.json" "$dir/etc/aigate/"
install -m 0600 -o www-data "$AIG_AD_SVC_PASSWORD_FILE" "$dir/etc/aigate/svc.secret"
cp "$AIG_AD_CA" "$dir/etc/aigate/ca.pem"
sed -e "s|$dir/http.keytab|$dir/etc/aigate/http.keytab|; s|$dir/jwks.json|$dir/etc/aigate/jwks.json|" \
	-e "s|$dir/policy.json|$dir/etc/aigate/policy.json|; s|$dir/state.key|$dir/etc/aigate/state.key|" \
	-e "s|\"state_dir\": \"$dir\"|\"state_dir\": \"$dir/state\"|; s|$AIG_AD_CA|$dir/etc/aigate/ca.pem|" \
	-e "s|$AIG_AD_SVC_PASSWORD_FILE|$dir/etc/aigate/svc.secret|; s|$dir/audit.jsonl|$dir/state/audit.jsonl|" \
	"$dir/aigate.json" >"$dir/etc/aigate/aigate.json"
chown -R www-data "$dir/etc/aigate/http.keytab" "$dir/etc/aigate/state.key" "$dir/state" "$dir/run/lighttpd"
chmod -R a+rX "$dir/libexec" "$dir/etc"
chmod 0600 "$dir/etc/aigate/http.keytab" "$dir/etc/aigate/state.key" "$dir/etc/aigate/svc.secret"
sed -e "s|@LIBEXECDIR@|$dir/libexec|g" -e "s|@SYSCONFDIR@|$dir/etc|g" -e "s|@RUNSTATEDIR@|$dir/run|g" \
	"$top_srcdir/contrib/lighttpd/aigate-fastcgi.conf.in" >"$dir/site.conf"
sed -i '1i server.document-root = "@DIR@/htdocs"' "$dir/site.conf"
"$top_srcdir/tests/testbed/web.sh" start lighttpd "$dir/srv" "$dir/site.conf" >/dev/null
. "$dir/srv/web.env"
KRB5CCNAME=FILE:$dir/cc /usr/bin/python3 - "$n" "HTTP@$host" >"$dir/tokens2" 2>/dev/null <<'PY'
import base64, sys
import gssapi
n, spn = int(sys.argv[1]), sys.argv[2]
name = gssapi.Name(spn, gssapi.NameType.hostbased_service)
mech = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
for _ in range(n):
    ctx = gssapi.SecurityContext(name=name, mech=mech, usage="initiate")
    print("Negotiate " + base64.b64encode(ctx.step()).decode())
PY
/usr/bin/python3 - "$AIG_WEB_PORT" "$dir/tokens2" "$dir/bearer" <<'PY'
import http.client, sys, threading, time
port, files = int(sys.argv[1]), sys.argv[2:]
def load(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]
def rate(headers, clients=4):
    parts = [headers[i::clients] for i in range(clients)]
    bad = []
    def worker(hs):
        c = http.client.HTTPConnection("127.0.0.1", port)
        for h in hs:
            c.request("GET", "/ai/_aigate/whoami", headers={"Authorization": h})
            r = c.getresponse(); r.read()
            if r.status != 200: bad.append((r.status, r.getheader("X-Request-Id")))
    ts = [threading.Thread(target=worker, args=(p,)) for p in parts]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    return len(headers) / (time.perf_counter() - t0), bad
neg, bearer = load(files[0]), load(files[1])
if not bearer:
    print("requests/s: no bearer headers"); sys.exit(0)
m = min(len(neg), len(bearer))
rb, bb = rate(bearer[:m]); rn, bn = rate(neg[:m])
print("%-52s %9.0f req/s (%d not 200)" % ("FastCGI, bearer clients, new tokens (baseline)", rb, len(bb)))
print("%-52s %9.0f req/s (%d not 200)  x%.2f of bearer" % ("FastCGI, Negotiate clients, fresh tokens", rn, len(bn), rn / rb))
for status, rid in bn[:1]:
    print("first refusal: %s, request %s" % (status, rid))
PY
grep -v '"status":200' "$dir/state/audit.jsonl" 2>/dev/null | head -n 2 | sed 's/^/# /' || true
