# SPDX-License-Identifier: Apache-2.0
# assert.sh - tiny assertion helpers for the integration test scripts.
# Sourced. Each check prints "ok N - what" or "not ok N - what"; `finish`
# prints the plan and exits non-zero if anything failed. in_ad_testbed
# starts the test bed's Samba AD DC for a script; ad_config writes an
# aigate.json for it.
t_n=0
t_failed=0

ok() { # CONDITION-STATUS DESCRIPTION
	local st=$1
	shift
	t_n=$((t_n + 1))
	if [ "$st" = 0 ]; then
		echo "ok $t_n - $*"
	else
		echo "not ok $t_n - $*"
		t_failed=$((t_failed + 1))
	fi
}

expect_eq() { # GOT WANT DESCRIPTION
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$* (got '$got', want '$want')"
	fi
}

expect_match() { # TEXT REGEX DESCRIPTION
	local text=$1 re=$2
	shift 2
	if printf '%s\n' "$text" | grep -Eq -- "$re"; then
		ok 0 "$*"
	else
		ok 1 "$* (no /$re/ in: $(printf '%s' "$text" | tr '\n' ' ' | cut -c1-300))"
	fi
}

expect_no_match() { # TEXT REGEX DESCRIPTION
	local text=$1 re=$2
	shift 2
	if printf '%s\n' "$text" | grep -Eq -- "$re"; then
		ok 1 "$* (found /$re/)"
	else
		ok 0 "$*"
	fi
}

finish() {
	echo "1..$t_n"
	[ "$t_failed" = 0 ] || { echo "# $t_failed of $t_n failed"; exit 1; }
	exit 0
}

# in_ad_testbed NAME [ARG...] - unless AIG_AD_URI says that this script
# already runs inside the test bed, runs it again ("$0" ARG...) inside a
# fresh Samba AD DC (tests/testbed/ad.sh run, its files in a directory
# /tmp/aigate-NAME-ad.* removed on exit) and exits with its status.
in_ad_testbed() {
	[ -z "${AIG_AD_URI:-}" ] || return 0
	aig_adwork=$(mktemp -d "/tmp/aigate-$1-ad.XXXXXX")
	shift
	trap 'rm -rf "$aig_adwork"' EXIT
	"$top_srcdir/tests/testbed/ad.sh" run "$aig_adwork/ad" -- "$0" "$@"
	exit $?
}

# ad_config FILE URI [TOP_MEMBERS] [LDAP_MEMBERS] - an aigate.json for the
# test bed's AD at URI (Basic only, the backend a closed port), its state
# and audit under $work, mode 0644. POLICY and STATE_KEY, when set, name
# the policy file and the state key; TOP_MEMBERS and LDAP_MEMBERS are more
# JSON members of the top object and of "ldap".
ad_config() {
	cat >"$1" <<JSON
{
  "ldap": {"uri": ["$2"], "domain": "$AIG_AD_DOMAIN",
           "base_dn": "$AIG_AD_BASE", "ca_file": "$AIG_AD_CA",
           "timeout_ms": 2000 ${4:+, $4}},
  "auth": {"methods": ["basic"]},
  "backend": {"url": "http://127.0.0.1:9"},
  "policy_file": "${POLICY:-$top_srcdir/policies/policy.json}",
  "state_dir": "$work/state",
  "state_key_file": "${STATE_KEY:-$work/state.key}",
  "audit": {"file": "$work/audit.jsonl", "syslog": false}
  ${3:+, $3}
}
JSON
	chmod 0644 "$1"
}
