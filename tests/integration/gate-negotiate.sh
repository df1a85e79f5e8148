#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-negotiate.sh [SERVER] - HTTP Negotiate (Kerberos) through the gate
# under SERVER: lighttpd (CGI, the default), apache (CGI), lighttpd-fastcgi
# or apache-fcgid (FastCGI),
# with the test bed's Samba AD DC as the KDC and the directory; or
# apache-gssapi or lighttpd-gssapi: Apache mod_auth_gssapi or lighttpd
# mod_authn_gssapi answers Negotiate (contrib/SERVER/aigate-gssapi.conf.in)
# and the gate takes REMOTE_USER ("remote_user" in auth.methods). The DC gets
# a service principal HTTP/ai.corp.example.com on svc-aigate and exports
# its keytab for the gate; clients take tickets with kinit into their own
# caches (KRB5_CONFIG and KRB5CCNAME of their own, nothing in /etc), and
# reach the server by that name (curl --resolve), so that curl's and
# python3-gssapi's SPN is HTTP/ai.corp.example.com.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
server=${1:-lighttpd}
web_server=${server%%-*}
fastcgi=
[ "$server" = "$web_server" ] || fastcgi=yes
front=
case $server in *-gssapi) front=yes fastcgi= ;; esac
# the AUTH_TYPE each server's module sets
auth_type=Negotiate
[ "$server" != lighttpd-gssapi ] || auth_type=GSSAPI
if [ "${AIG_WITH_GSSAPI:-yes}" = no ]; then
	echo "1..0 # SKIP aigate was configured --without-gssapi"
	exit 77
fi
if [ -n "$fastcgi" ] && [ "${AIG_WITH_FCGI:-yes}" = no ]; then
	echo "1..0 # SKIP aigate was configured --without-fcgi"
	exit 77
fi

. "$top_srcdir/tests/integration/assert.sh"
. "$top_srcdir/tests/integration/gate-lib.sh"
in_ad_testbed negotiate "$@"
web=$(mktemp -d /tmp/aigate-neg.XXXXXX)
chmod 0755 "$web"
backend_pid=
cleanup() {
	if [ "${t_failed:-0}" != 0 ] && [ -f "$web/srv/web.env" ]; then
		echo "# the web server's error log:"
		tail -n 20 "$web/srv/error.log" 2>/dev/null | sed 's/^/# /'
	fi
	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
	[ -z "$backend_pid" ] || kill "$backend_pid" 2>/dev/null || true
	rm -rf "$web"
}
trap cleanup EXIT
host=ai.corp.example.com
spn=HTTP/$host
py=/usr/bin/python3
client=$top_srcdir/tests/integration/negotiate_client.py

# --- the service principal and its keytab, from the DC
samba-tool spn add "$spn" "$AIG_AD_SVC_USER" -s "$AIG_AD_SMBCONF" >/dev/null
# AES only, as deploying.md asks of a real domain (the KDC then issues
# AES service tickets, and the keytab holds AES keys)
printf 'dn: %s\nchangetype: modify\nreplace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24\n' \
	"$AIG_AD_SVC_DN" | LDAPTLS_CACERT=$AIG_AD_CA ldapmodify -x -H "$AIG_AD_URI" \
	-D "$AIG_AD_ADMIN_DN" -y "$AIG_AD_ADMIN_PASSWORD_FILE" >/dev/null
mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/state" "$web/log" \
	"$web/srv/htdocs" "$web/run/fcgid" "$web/run/lighttpd" "$web/cc"
samba-tool domain exportkeytab "$web/etc/aigate/http.keytab" --principal="$spn" \
	-s "$AIG_AD_SMBCONF" >/dev/null
chown www-data "$web/etc/aigate/http.keytab" "$web/state" "$web/log" "$web/run/fcgid" \
	"$web/run/lighttpd"
chmod 0600 "$web/etc/aigate/http.keytab"

# --- the gate's files
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-ext.so" "$top_builddir/cgi/.libs/aigate-pam.so" "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
cp "$AIG_AD_CA" "$web/etc/aigate/ad-ca.pem"
cp "$top_srcdir/policies/policy.json" "$web/etc/aigate/policy.json"
install -m 0600 -o www-data "$AIG_AD_SVC_PASSWORD_FILE" "$web/etc/aigate/svc.secret"
(umask 077 && openssl rand -out "$web/etc/aigate/state.key" 32)
chown www-data "$web/etc/aigate/state.key"
chmod -R a+rX "$web/libexec"
chmod a+rx "$web/etc" "$web/etc/aigate"
chmod a+r "$web/etc/aigate/ad-ca.pem" "$web/etc/aigate/policy.json"

$py "$top_srcdir/tests/fixtures/langserve_backend.py" --port 0 --quiet --lifetime 600 \
	--record "$web/log/backend.jsonl" >"$web/backend.out" 2>"$web/backend.err" &
backend_pid=$!
for _ in $(seq 50); do grep -q '^PORT=' "$web/backend.out" 2>/dev/null && break; sleep 0.1; done
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")

# FastCGI: a process trusts an account AD found usable for
# auth.negotiate.account_check_s; 2 s here, to see a disabled account
# refused once that passed
neg_more=
[ -z "$fastcgi" ] || neg_more='"account_check_s": 2'
config() { # METHODS_JSON [STORE] [MORE_AUTH_MEMBERS]
	cat >"$web/etc/aigate/aigate.json" <<JSON
{
  "ldap": {"uri": ["$AIG_AD_URI"], "domain": "$AIG_AD_DOMAIN", "base_dn": "$AIG_AD_BASE",
           "ca_file": "$web/etc/aigate/ad-ca.pem", "timeout_ms": 2000,
           "service_bind": {"dn": "$AIG_AD_SVC_DN", "password_file": "$web/etc/aigate/svc.secret"}},
  "auth": {"methods": $1, "realm": "aigate",
           "negotiate": {"keytab": "$web/etc/aigate/http.keytab"${neg_more:+, $neg_more}} ${3:+, $3}},
  "backend": {"url": "http://127.0.0.1:$bport", "timeout_ms": 2000},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$web/state",
  "state_key_file": "$web/etc/aigate/state.key",
  "ratelimit": {"store": "${2:-lmdb}"},
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false}
}
JSON
	chmod 0644 "$web/etc/aigate/aigate.json"
}
if [ -n "$front" ]; then
	remote="\"remote_user\": {\"auth_types\": [\"$auth_type\"]}"
	config '["remote_user"]' lmdb "$remote"
else
	config '["negotiate", "basic"]'
fi

# --- the web server, with the shipped snippet
gate_site_conf "$web_server" "aigate${server#"$web_server"}"
# let a 32 KiB header through lighttpd, for the gate to answer it
[ "$web_server" != lighttpd ] ||
	sed -i '1i server.max-request-field-size = 131072' "$web/site.conf"
if [ -n "$front" ]; then
	# and the same gate at /open with nobody authenticating in front
	mkdir -p "$web/libexec/open"
	cp -p "$web/libexec/aigate/"* "$web/libexec/open/"
	chmod -R a+rX "$web/libexec/open"
fi
if [ "$server" = lighttpd-gssapi ]; then
	cat >>"$web/site.conf" <<CONF
alias.url += ( "/open" => "$web/libexec/open/aigate.cgi" )
\$HTTP["url"] =~ "^/open(/|\$)" {
    cgi.assign = ( "" => "" )
    setenv.add-environment = ( "AIGATE_CONFIG" => "$web/etc/aigate/aigate.json" )
}
CONF
fi
if [ "$server" = apache-gssapi ]; then
	sed -i -e '1i LoadModule auth_gssapi_module /usr/lib/apache2/modules/mod_auth_gssapi.so' \
		-e '1i LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so' "$web/site.conf"
	cat >>"$web/site.conf" <<CONF
ScriptAlias /open "$web/libexec/open/aigate.cgi"
<Directory "$web/libexec/open">
    Options +ExecCGI
    SetEnv AIGATE_CONFIG "$web/etc/aigate/aigate.json"
    Require all granted
</Directory>
CONF
fi
gate_web_start "$web_server"
url="http://$host:$AIG_WEB_PORT/ai"
# the clients' Kerberos configuration (not the web server's: it cannot
# read the test bed's directory, and needs none)
export KRB5_CONFIG=$AIG_AD_KRB5_CONFIG
resolve=(--resolve "$host:$AIG_WEB_PORT:127.0.0.1")

ticket() { # USER: a TGT in $web/cc/USER
	printf '%s\n' "$AIG_AD_PASSWORD" | KRB5CCNAME="FILE:$web/cc/$1" kinit "$1@$AIG_AD_REALM" >/dev/null
}
call_as() { # USER METHOD PATH [curl args...]: as call, with USER's tickets
	local u=$1 m=$2 p=$3
	shift 3
	KRB5CCNAME="FILE:$web/cc/$u" curl -sS "${resolve[@]}" -o "$web/last.b" -D "$web/last.h" \
		-w '%{http_code}' -X "$m" "$@" "$url$p"
}
neg() { call_as "$1" "$2" "$3" --negotiate -u : "${@:4}"; }
token() { KRB5CCNAME="FILE:$web/cc/$1" $py "$client" token "HTTP@$host"; }
invoke='{"input":{"messages":[{"type":"human","content":"hello"}]},"config":{"configurable":{"model":"small"}}}'
json=(-H 'Content-Type: application/json')
for u in bob alice mallory jsmith; do ticket "$u"; done

# --- remote_user: the web server's module authenticates, the gate decides
if [ -n "$front" ]; then
	expect_eq "$(neg bob POST /chat/invoke "${json[@]}" -d "$invoke")" 200 "remote_user: bob through $server may invoke"
	expect_match "$(audit_of)" '"auth":"remote_user".*"principal":"bob@CORP.EXAMPLE.COM"' "... audited as remote_user with the principal"
	expect_match "$(tail -n1 "$web/log/backend.jsonl")" '"x-aigate-user": *"bob"' "... the backend sees X-Aigate-User: bob (realm taken off)"
	expect_eq "$(neg bob POST /admin/deploy "${json[@]}" -d '{}')" 403 "... may not use an admin route"
	expect_eq "$(neg alice POST /admin/deploy "${json[@]}" -d '{}')" 200 "alice (AI_Admins) may"
	expect_eq "$(neg mallory POST /chat/invoke "${json[@]}" -d "$invoke")" 403 "mallory (no AI group) is 403"
	expect_eq "$(neg bob GET /_aigate/whoami)" 200 "whoami"
	expect_match "$(cat "$web/last.b")" '"user": *"bob".*"Data_Scientists".*"auth": *"remote_user"' "... bob, his groups from AD, remote_user"
	expect_eq "$(neg jsmith GET /_aigate/whoami)" 200 "jsmith: 200"
	samba-tool user disable jsmith -s "$AIG_AD_SMBCONF" >/dev/null
	expect_eq "$(neg jsmith GET /_aigate/whoami)" 401 "once disabled, his live ticket (accepted by Apache) is refused by the gate"
	expect_match "$(audit_of)" '"reason":"account refused' "... account refused"
	expect_eq "$(call_as bob GET /_aigate/whoami)" 401 "no ticket: the web server's 401"
	# the gate at /open: nobody sets REMOTE_USER there
	url="http://$host:$AIG_WEB_PORT/open"
	expect_eq "$(call_as bob GET /_aigate/whoami -H 'Remote-User: alice' -H 'X-Remote-User: alice' -H 'Auth-Type: GSSAPI')" 401 \
		"a client's Remote-User: or X-Remote-User: header never counts"
	expect_match "$(audit_of)" '"user":null' "... nobody is authenticated"
	url="http://$host:$AIG_WEB_PORT/ai"
	config '["basic"]' lmdb "$remote"
	expect_eq "$(neg bob GET /_aigate/whoami)" 401 "remote_user not in auth.methods: the REMOTE_USER the web server set is ignored"
	config '["remote_user"]' lmdb '"remote_user": {"auth_types": ["Basic"]}'
	expect_eq "$(neg bob GET /_aigate/whoami)" 401 "an AUTH_TYPE not in auth_types: REMOTE_USER ignored"
	config '["remote_user"]' lmdb "\"remote_user\": {\"auth_types\": [\"$auth_type\"], \"realms\": [\"OTHER.EXAMPLE\"]}"
	expect_eq "$(neg bob GET /_aigate/whoami)" 401 "a realm not in auth.remote_user.realms is refused"
	expect_match "$(audit_of)" '"reason":"realm not accepted"' "... realm not accepted"
	finish
fi

# --- the challenge
expect_eq "$(call_as bob POST /chat/invoke "${json[@]}" -d "$invoke")" 401 "no credentials: 401"
# the schemes challenged, in order (Apache joins the lines into one)
schemes() {
	grep -i '^WWW-Authenticate' "$web/last.h" | tr -d '\r' | sed 's/^[^:]*: *//' |
		sed -E 's/, (Negotiate|Basic|Bearer)/\n\1/g' | awk '{ sub(/,$/, "", $1); print $1 }' | tr '\n' ' '
}
expect_eq "$(schemes)" "Negotiate Basic " "... one challenge per method, in the configured order"
expect_match "$(grep -i '^WWW-Authenticate' "$web/last.h")" 'Basic realm="aigate"' "... Basic with its realm"
config '["basic", "negotiate"]'
call_as bob GET /_aigate/whoami >/dev/null
expect_eq "$(schemes)" "Basic Negotiate " "... and in the other order when configured so"
config '["negotiate", "basic"]'

# --- allowed, refused
expect_eq "$(neg bob POST /chat/invoke "${json[@]}" -d "$invoke")" 200 "bob (nested AI_Users) with his ticket may invoke"
expect_match "$(tail -n1 "$web/log/backend.jsonl")" '"x-aigate-user": *"bob"' "... the backend sees X-Aigate-User: bob"
expect_match "$(audit_of)" '"auth":"negotiate".*"principal":"bob@CORP.EXAMPLE.COM"' "... audited as negotiate with the principal"
expect_match "$(grep -i '^WWW-Authenticate: Negotiate ' "$web/last.h")" 'Negotiate [A-Za-z0-9+/=]{20,}' \
	"... and the answer carries the mutual-authentication token"
expect_eq "$(neg bob POST /admin/deploy "${json[@]}" -d '{}')" 403 "bob may not use an admin route"
expect_eq "$(neg alice POST /admin/deploy "${json[@]}" -d '{}')" 200 "alice (AI_Admins) may"
expect_eq "$(neg mallory POST /chat/invoke "${json[@]}" -d "$invoke")" 403 "mallory (no AI group) is 403"
expect_eq "$(neg bob GET /_aigate/whoami)" 200 "whoami"
expect_match "$(cat "$web/last.b")" '"user": *"bob".*"auth": *"negotiate"' "... says bob, negotiate"
expect_match "$(cat "$web/last.b")" '"Data_Scientists"' "... with his groups from AD"

out=$(KRB5CCNAME="FILE:$web/cc/bob" $py "$client" mutual "http://127.0.0.1:$AIG_WEB_PORT/ai/_aigate/whoami" "HTTP@$host")
expect_eq "$(echo "$out" | tr '\n' ' ')" "200 mutual ok " "python3-gssapi: 200, and the server's token completes mutual authentication"

# --- replay: the same header twice
t=$(token bob)
expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $t")" 200 "a fresh token is accepted"
expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $t")" 401 "the same header again is refused"
expect_match "$(audit_of)" '"reason":"replayed authenticator"' "... as a replayed authenticator"

# --- disabled while the ticket lives
expect_eq "$(neg jsmith GET /_aigate/whoami)" 200 "jsmith with his ticket: 200"
samba-tool user disable jsmith -s "$AIG_AD_SMBCONF" >/dev/null
if [ -n "$fastcgi" ]; then
	neg jsmith GET /_aigate/whoami >/dev/null # may still pass: the window
	sleep 3
	expect_eq "$(neg jsmith GET /_aigate/whoami)" 401 "account_check_s 2: once disabled, his live ticket is refused past the window"
else
	expect_eq "$(neg jsmith GET /_aigate/whoami)" 401 "once his account is disabled, his live ticket is refused"
fi
expect_match "$(audit_of)" '"reason":"account refused' "... audited as an account refused"
if [ -n "$fastcgi" ]; then
	samba-tool user enable jsmith -s "$AIG_AD_SMBCONF" >/dev/null
	neg_more='"account_check_s": 0'
	config '["negotiate", "basic"]'
	expect_eq "$(neg jsmith GET /_aigate/whoami)" 200 "account_check_s 0: jsmith enabled again: 200"
	samba-tool user disable jsmith -s "$AIG_AD_SMBCONF" >/dev/null
	expect_eq "$(neg jsmith GET /_aigate/whoami)" 401 "... disabled: refused at once"
	expect_match "$(audit_of)" '"reason":"account refused' "... an account refused"
	neg_more='"account_check_s": 2'
	config '["negotiate", "basic"]'
fi

# --- an expired ticket, without waiting for one: stale_apreq reseals bob's
# ticket for the gate with the service's key from its keytab, the ticket's
# end moved (to the acceptor, a ticket the KDC issued so). MIT's acceptor
# takes a ticket up to its clock skew (300 s) past its end; the gate clears
# its environment, so the skew is the default's.
stale() { # END: a token from bob's ticket ending at now + END seconds
	KRB5CCNAME="FILE:$web/cc/bob" "$top_builddir/tests/integration/stale_apreq" \
		"$spn@$AIG_AD_REALM" "$web/etc/aigate/http.keytab" "$1"
}
if [ "$server" = lighttpd ]; then
	expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $(stale 600)")" 200 \
		"a ticket resealed by stale_apreq, ending in 10 minutes, is accepted"
	expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $(stale -60)")" 200 \
		"... and one ended a minute ago: within Kerberos' clock skew"
fi
expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $(stale -3600)")" 401 \
	"a ticket ended an hour ago (past the clock skew) is 401"
expect_match "$(audit_of)" '"reason":"Kerberos: [^"]*[Ee]xpired' "... refused by Kerberos as expired"

# --- hostile tokens
expect_eq "$(call_as bob GET /_aigate/whoami -H 'Authorization: Negotiate Zm9vYmFyYmF6')" 401 "a garbage token is 401"
expect_match "$(audit_of)" '"reason":"malformed Negotiate token"' "... malformed"
expect_eq "$(call_as bob GET /_aigate/whoami -H 'Authorization: Negotiate not base64!')" 401 "a token that is not base64 is 401"
ntlm=$(printf 'NTLMSSP\0\1\0\0\0\7\202\10\242\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' | base64 -w0)
expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: Negotiate $ntlm")" 401 "an NTLMSSP token is 401"
expect_match "$(audit_of)" '"reason":"NTLM refused"' "... NTLM refused"
expect_eq "$(grep -ci '^WWW-Authenticate: Negotiate [A-Za-z0-9]' "$web/last.h")" 0 "... with no second round offered"
# SPNEGO offering NTLM first (the OID 1.3.6.1.4.1.311.2.2.10)
spn_ntlm=$(printf '\x60\x1c\x06\x06\x2b\x06\x01\x05\x05\x02\xa0\x12\x30\x10\xa0\x0e\x30\x0c\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a' | base64 -w0)
expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: Negotiate $spn_ntlm")" 401 "SPNEGO offering NTLM is 401"
expect_match "$(audit_of)" '"reason":"NTLM refused"' "... NTLM refused"
big=$(head -c 49152 /dev/urandom | base64 -w0)
expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: Negotiate $big")" 400 "a 64 KiB header is 400"
if [ "$web_server" = lighttpd ]; then
	# 32 KiB: lighttpd (configured above) lets it through to the gate
	big=$(head -c 24576 /dev/urandom | base64 -w0)
	expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: Negotiate $big")" 400 "a 32 KiB header is 400 from the gate"
	expect_match "$(audit_of)" '"reason":"malformed request"' "... audited as a malformed request"
fi
printf '%s\n' "$AIG_AD_PASSWORD" | KRB5CCNAME="FILE:$web/cc/bob-ldap" kinit "bob@$AIG_AD_REALM" >/dev/null
other=$(KRB5CCNAME="FILE:$web/cc/bob-ldap" $py "$client" token "ldap@$AIG_AD_HOSTNAME")
expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $other")" 401 "a ticket for another SPN is 401"
expect_match "$(audit_of)" '"reason":"Kerberos: ' "... refused by Kerberos"
# a keytab that also holds another service's keys (here the DC's ldap/):
# the gate uses the keys of its HTTP/ principals only. (Kerberos leaves a
# ticket's service name unprotected: the key that decrypts a ticket is all
# that tells which service it was made for, so a ticket for another name
# of the same account, such as host/, cannot be told apart.)
kt=$web/etc/aigate/http.keytab
cp -p "$kt" "$web/http.keytab.good"
samba-tool domain exportkeytab "$web/both.keytab" --principal="$spn" -s "$AIG_AD_SMBCONF" >/dev/null
samba-tool domain exportkeytab "$web/both.keytab" --principal="ldap/$AIG_AD_HOSTNAME" \
	-s "$AIG_AD_SMBCONF" >/dev/null
cat "$web/both.keytab" >"$kt"
expect_match "$(klist -k "$kt" | tr '\n' ' ')" "HTTP/$host@.*ldap/$AIG_AD_HOSTNAME@" "a keytab with HTTP/ and ldap/ keys"
expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $other")" 401 "... a ticket for ldap/ (its key in the keytab) is 401"
expect_match "$(audit_of)" '"reason":"Kerberos: ' "... refused by Kerberos"
expect_eq "$(neg bob GET /_aigate/whoami)" 200 "... one for HTTP/$host is accepted"
# a keytab that the gate can read but that holds no HTTP/ key: every
# Negotiate request is 503, and health must say so rather than 200
samba-tool domain exportkeytab "$web/ldap-only.keytab" --principal="ldap/$AIG_AD_HOSTNAME" \
	-s "$AIG_AD_SMBCONF" >/dev/null
cat "$web/ldap-only.keytab" >"$kt"
expect_eq "$(neg bob GET /_aigate/whoami)" 503 "a keytab with no HTTP/ principal: Negotiate is 503"
expect_eq "$(call_as bob GET /_aigate/health)" 503 "... and health says so"
cat "$web/http.keytab.good" >"$kt"
expect_eq "$(call_as bob GET /_aigate/health)" 200 "... 200 with the HTTP/ keytab back"

# --- aigatectl: the keytab as the gate sees it, and a principal to explain
if [ "$server" = lighttpd ]; then
	# as the gate's user, who owns its secrets
	cp "$AIG_AD_KRB5_CONFIG" "$web/krb5.conf"
	chmod 0644 "$web/krb5.conf"
	# setpriv, not runuser + env: on a fresh machine the build tree is under
	# /root, which www-data cannot search; setpriv starts the program it was
	# given as www-data all the same (as gate-alb.sh does)
	ctl() {
		KRB5_CONFIG=$web/krb5.conf setpriv --reuid=www-data --regid=www-data \
			--clear-groups "$top_builddir/aigatectl/aigatectl" "$@"
	}
	out=$(ctl -c "$web/etc/aigate/aigate.json" negotiate check 2>&1) && rc=0 || rc=$?
	expect_match "$out" "HTTP/$host@$AIG_AD_REALM: .*aes256" "aigatectl negotiate check lists the principal and its AES keys"
	expect_match "$out" "Clients must ask for: HTTP/$host@" "... says which SPN clients must use"
	expect_match "$out" "Clock: -?[0-9] s from the KDC's" "... and the clock against the KDC's (the DC's)"
	expect_eq "$rc" 0 "... exit 0: AES keys, an HTTP/ principal, the clock right"
	echo "$out" | sed 's/^/# /'
	out=$(ctl -c "$web/etc/aigate/aigate.json" --json negotiate check 2>&1) || true
	expect_match "$out" '"spn": "HTTP/' "... also as JSON"
	expect_eq "$(ctl -c "$web/etc/aigate/aigate.json" explain "bob@$AIG_AD_REALM" POST /chat/invoke >/dev/null 2>&1; echo $?)" 0 \
		"aigatectl explain takes a principal (bob@$AIG_AD_REALM may invoke)"
	expect_eq "$(ctl -c "$web/etc/aigate/aigate.json" explain "bob@$AIG_AD_REALM" POST /admin/deploy >/dev/null 2>&1; echo $?)" 1 \
		"... and may not deploy"
fi

# --- the keytab unreadable: 503, and health says so
chown root "$web/etc/aigate/http.keytab"
expect_eq "$(neg bob GET /_aigate/whoami)" 503 "keytab unreadable: 503"
expect_eq "$(call_as bob GET /_aigate/health)" 503 "... and health says so"
chown www-data "$web/etc/aigate/http.keytab"
expect_eq "$(call_as bob GET /_aigate/health)" 200 "health is 200 with it back"
expect_eq "$(neg bob GET /_aigate/whoami)" 200 "... and bob passes again"
if [ -n "$fastcgi" ]; then
	# a process keeps the keytab's keys in memory: a keytab rewritten in
	# place (another key under the same version) is read again at once
	kvno=$(klist -k "$kt" | awk '$2 ~ /^HTTP\// { print $1; exit }')
	printf 'addent -password -p %s -k %s -e aes256-cts-hmac-sha1-96\n%s\nwkt %s\n' \
		"$spn@$AIG_AD_REALM" "$kvno" "$(openssl rand -hex 16)" "$web/other.keytab" |
		ktutil >/dev/null 2>&1
	cat "$web/other.keytab" >"$kt"
	expect_eq "$(neg bob GET /_aigate/whoami)" 401 "a keytab rewritten with another key: the process uses the new file (401)"
	expect_match "$(audit_of)" '"reason":"Kerberos: ' "... refused by Kerberos"
	cat "$web/http.keytab.good" >"$kt"
	expect_eq "$(neg bob GET /_aigate/whoami)" 200 "... and the right key again: 200"
fi

# --- the replay record in Redis (several front hosts)
if [ "${AIG_WITH_REDIS:-yes}" != no ] && command -v redis-server >/dev/null; then
	rport=$("$top_srcdir/tests/testbed/web.sh" port)
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize yes --pidfile "$web/redis.pid" --dir "$web" >/dev/null
	for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
	config '["negotiate", "basic"]' "redis://127.0.0.1:$rport/0"
	t=$(token bob)
	expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $t")" 200 "Redis store: a fresh token is accepted"
	rm -f "$web/state/negotiate-replay.mdb"*
	expect_eq "$(call_as bob GET /_aigate/whoami -H "Authorization: $t")" 401 "... and refused again from the Redis record"
	expect_match "$(redis-cli -p "$rport" --scan --pattern 'aigate:replay:*' | head -n1)" 'aigate:replay:' "... which holds it"
	kill "$(cat "$web/redis.pid")" 2>/dev/null || true
	config '["negotiate", "basic"]'
fi
finish
