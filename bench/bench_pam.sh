#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench_pam.sh - issue 4's figure: `pamtester SERVICE bob authenticate
# acct_mgmt` through pam_aigate.so beside a bare LDAPS bind for bob with
# ldapsearch, both as whole processes, in the same run against the test
# bed's Samba AD DC. Prints a table. Run as root from a build directory:
#   top_srcdir=.. top_builddir=. bash ../bench/bench_pam.sh [N]
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
n=${1:-50}
if [ -z "${AIG_AD_URI:-}" ]; then
	work=$(mktemp -d /tmp/aigate-bench-pam.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	"$top_srcdir/tests/testbed/ad.sh" run "$work/ad" -- "$0" "$@"
	exit $?
fi
work=$(mktemp -d /tmp/aigate-bench-pam.XXXXXX)
svc="aigate-bench-$$"
trap 'rm -rf "$work"; rm -f "/etc/pam.d/$svc"' EXIT
cat >"$work/aigate.json" <<JSON
{"ldap": {"uri": ["$AIG_AD_URI"], "domain": "$AIG_AD_DOMAIN",
          "base_dn": "$AIG_AD_BASE", "ca_file": "$AIG_AD_CA"},
 "auth": {"methods": ["basic"]}, "backend": {"url": "http://127.0.0.1:9"},
 "policy_file": "$top_srcdir/policies/policy.json",
 "audit": {"file": "$work/audit.jsonl", "syslog": false}}
JSON
chmod 0644 "$work/aigate.json"
mod=$top_builddir/pam_aigate/.libs/pam_aigate.so
printf 'auth required %s config=%s\naccount required %s config=%s require_group=AI_Users\n' \
	"$mod" "$work/aigate.json" "$mod" "$work/aigate.json" >"/etc/pam.d/$svc"
printf '%s' "$AIG_AD_PASSWORD" >"$work/pw"
chmod 0600 "$work/pw"

time_ms() { # N CMD... : mean wall time per run in ms
	local runs=$1 t0 t1 i
	shift
	t0=$(date +%s%N)
	for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1 || return 1; done
	t1=$(date +%s%N)
	awk -v d=$((t1 - t0)) -v n="$runs" 'BEGIN { printf "%.2f", d / n / 1e6 }'
}
pam() { pamtester "$svc" bob authenticate acct_mgmt <"$work/pw"; }
bind() {
	LDAPTLS_CACERT=$AIG_AD_CA ldapsearch -x -H "$AIG_AD_URI" \
		-D "bob@$AIG_AD_DOMAIN" -y "$work/pw" -b '' -s base 1.1
}
{ pam && bind; } >/dev/null 2>&1 || { echo "a warm-up run failed" >&2; exit 1; }
tb=$(time_ms "$n" bind)
tp=$(time_ms "$n" pam)
printf '%-58s %10s\n' "process (mean of $n runs, same AD, same run)" "ms/run"
printf '%-58s %10s\n' "ldapsearch: bare LDAPS bind as bob (baseline)" "$tb"
printf '%-58s %10s\n' "pamtester: authenticate + acct_mgmt (require_group)" "$tp"
awk -v a="$tp" -v b="$tb" 'BEGIN { printf "%-58s %10.2f\n", "ratio pam / bare bind", a / b }'
