#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/layout.sh [SRCDIR] - the parts keep to their own headers.
#
# aigate is built from parts (common/, ldap/, policies/, http/, jwt/,
# pam_aigate/, cgi/, aigatectl/), each with its public header(s) aig_*.h
# and its private ones. This check fails when:
#  1. a file outside cgi/ includes a cgi/ header (cgi/ is the program, not
#     a library), except cgi's own tests and benchmark (CGI_TESTS below);
#  2. a part's file includes another part's private header (one not named
#     aig_*.h), or any file includes a header by a path into a part
#     ("ldap/aig_ldap.h", "../cgi/gate.h"), which no include path governs;
#  3. AM_CPPFLAGS puts another folder than common/ on every compile's
#     include path, a part's folder is named with -I outside that part's
#     own local.mk, or a part's target (its _CPPFLAGS or _CFLAGS) uses the
#     AIG_<PART>_CPPFLAGS of a part it does not build on (USES below);
#  4. a C source does not start with the SPDX line, names a document the
#     repository does not hold, or LICENSE is missing.
# Tests and benchmarks (targets tests_*, bench_*) may see any part.
set -u

top=${1:-${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}}
parts="common ldap policies http jwt pam_aigate cgi aigatectl"
# The parts whose public headers each part's targets may see, by the name
# of their AIG_<NAME>_CPPFLAGS (a part always sees itself).
declare -A USES=(
	[common]="" [ldap]="LDAP" [policies]="POLICY" [http]="HTTP"
	[jwt]="JWT HTTP" [pam_aigate]="PAM LDAP"
	[cgi]="CGI JWT POLICY HTTP LDAP" [aigatectl]="LDAP JWT POLICY"
)
declare -A FOLDER=(
	[LDAP]=ldap [POLICY]=policies [HTTP]=http [JWT]=jwt [CGI]=cgi
	[PAM]=pam_aigate
)
# cgi's own tests and benchmark (paths relative to the top).
CGI_TESTS='^(tests/[a-z]+/test_cgi_[a-z_]+\.c|tests/fuzz/fuzz_cgi_[a-z_]+\.c|tests/fuzz/fuzz_(basic|path)\.c|bench/bench_(decision|negotiate)\.c)$'

fails=0
fail() {
	echo "layout: $*" >&2
	fails=$((fails + 1))
}

cd "$top" || exit 99
[ -f cgi/gate.mk ] || { echo "layout: no source tree at $top" >&2; exit 99; }

part_of() { # the part a path (relative to the top) belongs to, or ""
	local p
	for p in $parts; do
		case $1 in "$p"/*) echo "$p"; return ;; esac
	done
}

# ---------------------------------------------------------------- sources
cgi_headers=" $(cd cgi && echo *.h) "
# shellcheck disable=SC2086 # $parts is a list
files=$(find $parts tests bench -name '*.[ch]' -type f 2>/dev/null | sort)
for f in $files; do
	own=$(part_of "$f")
	while IFS= read -r inc; do
		h=${inc##*/}
		case $inc in
		*/*)
			for p in $parts; do
				case "/$inc" in */"$p"/*)
					fail "$f: #include \"$inc\" names a path into $p/" ;;
				esac
			done
			;;
		esac
		if [ "$own" != cgi ] && [[ $cgi_headers == *" $h "* ]] &&
			[ -e "cgi/$h" ] && ! [[ $f =~ $CGI_TESTS ]]; then
			fail "$f: includes cgi/'s $h"
		fi
		[ -n "$own" ] || continue # tests, benchmarks
		for p in $parts; do
			[ "$p" != "$own" ] && [ -e "$p/$h" ] || continue
			case $h in
			aig_*.h) ;;
			*) fail "$f: includes $p/'s private header $h" ;;
			esac
		done
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done

# -------------------------------------------------------------- makefiles
# Each makefile with its continuation lines joined.
joined() { sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$1"; }

am_cpp=$(joined Makefile.am | grep -E '^AM_CPPFLAGS[[:space:]]*\+?=' || true)
for d in $(grep -oE -- '-I\$\((top_)?srcdir\)/[A-Za-z0-9_./-]+' <<<"$am_cpp" |
	sed 's|.*)/||'); do
	[ "$d" = common ] || fail "Makefile.am: AM_CPPFLAGS names $d/ for every compile"
done

for mk in Makefile.am */*.mk; do
	[ -f "$mk" ] || continue
	mkpart=$(part_of "$mk")
	while IFS= read -r line; do
		for d in $(grep -oE -- '-I\$\((top_)?srcdir\)/[A-Za-z0-9_]+' <<<"$line" |
			sed 's|.*)/||'); do
			case " $parts " in *" $d "*) ;; *) continue ;; esac
			[ "$d" = "$mkpart" ] && continue
			[ "$d" = common ] && [ "$mk" = Makefile.am ] && continue
			fail "$mk: -I names $d/ outside $d/'s own makefile: ${line%%=*}"
		done
		[[ $line =~ ^([A-Za-z0-9_]+)_(CPPFLAGS|CFLAGS)[[:space:]]*\+?= ]] ||
			continue
		target=${BASH_REMATCH[1]}
		tpart=
		for p in $parts; do
			case $target in "$p"_*) tpart=$p ;; esac
		done
		[ -n "$tpart" ] || continue # tests_*, bench_*, variables
		for v in $(grep -oE 'AIG_[A-Z0-9]+_CPPFLAGS' <<<"$line" |
			sed 's/^AIG_//; s/_CPPFLAGS$//'); do
			[ "${FOLDER[$v]:-}" = "$tpart" ] && continue
			case " ${USES[$tpart]} " in *" $v "*) continue ;; esac
			fail "$mk: $target (in $tpart/) sees AIG_${v}_CPPFLAGS"
		done
	done < <(joined "$mk")
done

# 4. Every C source starts with its licence (SPDX) line, and no comment
#    sends a reader to a document the repository does not hold.
for f in $(find common ldap policies http jwt pam_aigate cgi aigatectl \
	tests bench -name '*.[ch]' 2>/dev/null); do
	head -n 1 "$f" | grep -q '^/\* SPDX-License-Identifier: Apache-2.0 \*/$' ||
		fail "$f: the first line is not the SPDX line"
	grep -n 'SPEC §\|SPEC\.md\|PERF-NOTES' "$f" >/dev/null &&
		fail "$f: names a document outside the repository"
done
[ -f LICENSE ] || fail "no LICENSE file"

if [ "$fails" -gt 0 ]; then
	echo "layout: $fails problem(s)" >&2
	exit 1
fi
echo "layout: ok"
exit 0
