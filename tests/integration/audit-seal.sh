#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# audit-seal.sh - aigatectl audit keygen|seal|verify through the real binary.
# A log sealed over several runs (epochs), rotated and compressed; then each
# kind of tampering on a fresh copy, each detected and named by verify
# --json: one byte changed, a line deleted, inserted, two swapped, the file
# truncated, a rotated file deleted, a digest record deleted, edited, an
# earlier seal replayed at a later position, and the current key state and
# the signing key stolen and used to re-seal the past (caught by the initial
# key). Also: the unsealed tail is no tampering, the exit statuses, key
# files readable by others refused, seal refusing a digest cut short.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integration/assert.sh"
ctl=$top_builddir/aigatectl/aigatectl
forge=$top_srcdir/tests/integration/audit_seal_forge.py
work=$(mktemp -d /tmp/aigate-seal.XXXXXX)
trap 'rm -rf "$work"' EXIT

# config DIR: an aigate.json whose audit files live in DIR.
config() {
	python3 - "$top_srcdir/contrib/aigate.json" "$1" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
d = sys.argv[2]
c["policy_file"] = d + "/policy.json"
c["state_dir"] = d + "/state"
c["audit"] = {"file": d + "/log/audit.jsonl", "syslog": False,
              "seal": {"digest_file": d + "/log/audit.digest",
                       "mac_state": d + "/keys/audit-seal.state",
                       "signing_key": d + "/keys/audit-seal.pem"}}
json.dump(c, open(d + "/aigate.json", "w"))
EOF
	chmod 0600 "$1/aigate.json"
}

# lines DIR FROM TO: audit lines FROM..TO appended to the current file.
lines() {
	local i
	for i in $(seq "$2" "$3"); do
		printf '{"time":"2026-12-06T10:00:%02d.000Z","request_id":"%032x","user":"user%d","decision":"allow","status":200}\n' \
			$((i % 60)) "$i" "$i" >>"$1/log/audit.jsonl"
	done
}

# verify DIR [OPTIONS]: verify --json with the initial and public key.
verify() {
	local d=$1
	shift
	"$ctl" -c "$d/aigate.json" audit verify --json "$@"
}
vboth() { verify "$1" --initial-key "$1/initial.key" --public-key "$1/pub.pem"; }

# kinds JSON: "file:problem" and "digest:problem" words, sorted.
kinds() {
	python3 -c '
import json, sys
r = json.load(sys.stdin)
out = ["digest:" + p["problem"] for p in r["digest_problems"]]
for f in r["files"]:
    out += ["%s:%s" % (f["file"], p["problem"]) for p in f["problems"]]
    if f["unsealed_tail"]:
        out.append("%s:tail=%d" % (f["file"], f["unsealed_tail"]))
print(" ".join(sorted(out)) or "none")'
}

# ---- the base: 4 seal runs, one rotation, the rotated file compressed
base=$work/base
mkdir -p "$base/log" "$base/keys"
chmod 0700 "$base/keys"
config "$base"
"$ctl" -c "$base/aigate.json" audit keygen --initial-key "$base/initial.key" \
	>"$base/pub.pem"
expect_eq "$?" 0 "keygen"
expect_match "$(cat "$base/pub.pem")" '^-----BEGIN PUBLIC KEY-----' \
	"keygen prints the public key"
expect_eq "$(stat -c %a "$base/keys/audit-seal.state") $(stat -c %a "$base/keys/audit-seal.pem") $(stat -c %a "$base/initial.key")" \
	"600 600 600" "the key files are 0600"
st=0
"$ctl" -c "$base/aigate.json" audit keygen --initial-key "$work/again.key" \
	>/dev/null 2>&1 || st=$?
expect_eq "$st" 1 "keygen refuses to replace existing keys"
seal() { "$ctl" -c "$1/aigate.json" audit seal; }
lines "$base" 1 10 && seal "$base"
lines "$base" 11 20 && seal "$base"
mv "$base/log/audit.jsonl" "$base/log/audit.jsonl.1"
lines "$base" 21 30 && seal "$base"
lines "$base" 31 40 && seal "$base"
seal "$base" # nothing new: no record, no epoch
gzip -9 "$base/log/audit.jsonl.1"
expect_eq "$(wc -l <"$base/log/audit.digest")" 4 "4 records: one per new range"
expect_match "$(head -1 "$base/keys/audit-seal.state" | tr -d '\n'; sed -n 2p "$base/keys/audit-seal.state")" \
	'epoch 0*4$' "the key evolved once per run that sealed"

out=$(vboth "$base")
expect_eq "$(printf '%s' "$out" | kinds)" none "untampered: valid (rotated, gzip)"
expect_match "$out" '"valid": true' "... valid true"
lines "$base" 41 43
st=0
out=$(vboth "$base") || st=$?
expect_eq "$st" 0 "lines after the last seal are no tampering"
expect_eq "$(printf '%s' "$out" | kinds)" "audit.jsonl:tail=3" \
	"... reported as an unsealed tail of 3 lines"
expect_match "$("$ctl" -c "$base/aigate.json" audit verify --public-key "$base/pub.pem")" \
	'audit.jsonl: unsealed tail: 3 lines' "... in words too"
st=0
verify "$base" --public-key "$base/pub.pem" >/dev/null || st=$?
expect_eq "$st" 0 "the public key alone verifies"
st=0
verify "$base" --initial-key "$base/initial.key" >/dev/null || st=$?
expect_eq "$st" 0 "the initial key alone verifies"
seal "$base"

# ---- usage and key files
st=0
"$ctl" -c "$base/aigate.json" audit verify >/dev/null 2>&1 || st=$?
expect_eq "$st" 2 "verify without a key: usage (2)"
st=0
verify "$base" --initial-key "$base/keys/audit-seal.state" >/dev/null 2>&1 || st=$?
expect_eq "$st" 2 "the current state is not an initial key: 2"
cp -p "$base/initial.key" "$work/loose.key"
chmod 0644 "$work/loose.key"
st=0
err=$(verify "$base" --initial-key "$work/loose.key" 2>&1 >/dev/null) || st=$?
expect_eq "$st" 2 "an initial key readable by others is refused"
expect_match "$err" 'readable by group or others' "... saying why"
st=0
"$ctl" -c "$base/aigate.json" audit seal --public-key "$base/pub.pem" \
	>/dev/null 2>&1 || st=$?
expect_eq "$st" 2 "seal takes no key option: 2"

# case NAME: a fresh copy of the base, as $c.
case_dir() {
	c=$work/$1
	cp -a "$base" "$c"
	config "$c"
}
# tampered NAME WANT: verify finds exactly the problems WANT, exit 1.
tampered() {
	local st=0 out
	out=$(vboth "$c") || st=$?
	expect_eq "$st" 1 "$1: exit 1"
	expect_eq "$(printf '%s' "$out" | kinds)" "$2" "$1: named $2"
}
lineat() { sed -n "$2p" "$1"; }

case_dir byte
python3 - "$c/log/audit.jsonl" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b"user25") + 5
b[i] = ord("9")
open(p, "wb").write(b)
EOF
tampered "one byte changed" "audit.jsonl:modified"
out=$("$ctl" -c "$c/aigate.json" audit verify --initial-key "$c/initial.key" || true)
expect_match "$out" '^audit.jsonl: modified lines 1-10: content changed' \
	"... said as: modified lines 1-10"

case_dir first-line
# the file's identity (its first line's hash) changes too: found by inode
sed -i '1s/user21/user2X/' "$c/log/audit.jsonl"
tampered "the first line changed" "audit.jsonl:modified"

case_dir delete
sed -i 5d "$c/log/audit.jsonl"
tampered "a line deleted" "audit.jsonl:lines_deleted"

case_dir insert
sed -i '5a {"time":"2026-12-06T10:00:00.000Z","user":"mallory","decision":"allow"}' \
	"$c/log/audit.jsonl"
tampered "a line inserted" "audit.jsonl:lines_inserted"

case_dir swap
python3 - "$c/log/audit.jsonl" <<'EOF'
import sys
p = sys.argv[1]
l = open(p, "rb").read().splitlines(keepends=True)
l[3], l[4] = l[4], l[3]
open(p, "wb").write(b"".join(l))
EOF
tampered "two lines swapped" "audit.jsonl:lines_reordered"

case_dir truncate
head -n 15 "$c/log/audit.jsonl" >"$c/t" && cat "$c/t" >"$c/log/audit.jsonl"
tampered "the file truncated" "audit.jsonl:truncated"

case_dir rotated
rm "$c/log/audit.jsonl.1.gz"
tampered "a rotated file deleted" "audit.jsonl:deleted"

case_dir odd-name
# a rotated file renamed to a name that is not UTF-8, its first line changed
# (and the inode new): the sealed file shows as deleted, the copy as
# unsealed, its name escaped
zcat "$c/log/audit.jsonl.1.gz" | sed '1s/user1/userX/' >"$c/log/audit.jsonl.1"$'\xff'
rm "$c/log/audit.jsonl.1.gz"
st=0
out=$(vboth "$c") || st=$?
expect_eq "$st" 1 "a rotated file renamed (not UTF-8) and changed: exit 1"
expect_match "$(printf '%s' "$out" | kinds)" 'audit.jsonl:deleted' "... the sealed file is missing"
expect_match "$out" '"audit.jsonl.1\\\\xff"' "... the odd name escaped in the JSON"
case_dir odd-name-same
zcat "$c/log/audit.jsonl.1.gz" | sed '2s/user2/userX/' >"$c/log/audit.jsonl.1"$'\xff'
rm "$c/log/audit.jsonl.1.gz"
tampered "renamed (not UTF-8), line 2 changed" 'audit.jsonl.1\xff:modified'

case_dir digest-delete
sed -i 2d "$c/log/audit.digest"
tampered "a digest record deleted" \
	"audit.jsonl.1.gz:tail=10 digest:record_removed"
case_dir digest-delete-mid
# the second of three records of one file: its lines are in none now
python3 - "$c/log/audit.digest" <<'EOF'
import sys
p = sys.argv[1]
l = open(p).read().splitlines(keepends=True)
del l[3]
open(p, "w").write("".join(l))
EOF
tampered "a digest record deleted between two of a file" \
	"audit.jsonl:range_missing digest:record_removed"

case_dir digest-edit
sed -i '3s/"lines":10/"lines":9/' "$c/log/audit.digest"
out=$(vboth "$c" || true)
expect_match "$(printf '%s' "$out" | kinds)" 'digest:record_altered' \
	"a digest record edited: record_altered"
case_dir digest-edit-time
sed -i '2s/T\([0-9]\)/T\1/; 2s/"time":"2026/"time":"2025/' "$c/log/audit.digest"
tampered "a digest record's time edited" "digest:record_altered"

case_dir replay
lineat "$c/log/audit.digest" 2 >>"$c/log/audit.digest"
tampered "an earlier seal replayed at the end" "digest:record_replayed"
case_dir replay-mid
python3 - "$c/log/audit.digest" <<'EOF'
import sys
p = sys.argv[1]
l = open(p).read().splitlines(keepends=True)
l.insert(3, l[0])
open(p, "w").write("".join(l))
EOF
tampered "an epoch-0 seal replayed between later ones" "digest:record_replayed"

# The intruder: root now, with the current key state and the signing key.
case_dir stolen
python3 "$forge" forge "$c/keys/audit-seal.state" "$c/keys/audit-seal.pem" \
	"$c/log/audit.digest" "$c/log/audit.jsonl" 5
st=0
out=$(verify "$c" --initial-key "$c/initial.key") || st=$?
expect_eq "$st" 1 "stolen key re-seals the past: the initial key catches it"
expect_match "$(printf '%s' "$out" | kinds)" '^(digest:record_altered ?)+$' \
	"... as record_altered (MAC of the epoch)"
st=0
verify "$c" --public-key "$c/pub.pem" >/dev/null || st=$?
expect_eq "$st" 0 "... which the stolen signing key alone would hide"
case_dir stolen-relabel
python3 "$forge" forge "$c/keys/audit-seal.state" "$c/keys/audit-seal.pem" \
	"$c/log/audit.digest" "$c/log/audit.jsonl" 5 relabel
st=0
out=$(verify "$c" --public-key "$c/pub.pem") || st=$?
expect_eq "$st" 1 "re-sealed under the stolen key's own epoch: caught"
expect_match "$(printf '%s' "$out" | kinds)" 'digest:record_altered' \
	"... an epoch out of sequence"

# A sealed file changed, then appended to: seal refuses to seal a range
# that would start inside a line, and says so.
case_dir shrunk
sed -i 5d "$c/log/audit.jsonl"
lines "$c" 44 50
st=0
err=$(seal "$c" 2>&1) || st=$?
expect_eq "$st" 1 "seal refuses to go on in a file shorter where it was sealed"
expect_match "$err" "the last sealed line is not the one sealed" "... saying so"
tampered "... and verify names the deletion" \
	"audit.jsonl:lines_deleted audit.jsonl:tail=7"

# A digest others may write to: seal refuses to chain on it.
case_dir loose-digest
chmod 0666 "$c/log/audit.digest"
lines "$c" 44 45
st=0
err=$(seal "$c" 2>&1) || st=$?
expect_eq "$st" 1 "seal refuses a digest writable by others"
expect_match "$err" 'writable by group or others' "... saying so"

# The digest cut short at its end: seal notices the key ran ahead.
case_dir cut
sed -i '$d' "$c/log/audit.digest"
lines "$c" 44 45
st=0
err=$(seal "$c" 2>&1) || st=$?
expect_eq "$st" 1 "seal refuses a digest whose last records are gone"
expect_match "$err" 'records were removed from the digest' "... saying so"

finish
