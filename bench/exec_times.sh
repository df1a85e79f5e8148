#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# exec_times.sh - one exec of each of three CGI programs, timed by
# hyperfine in one run: the static hello (the floor of any CGI), the
# crypto floor (bench/crypto_floor.c: one RS256 verify with the gate's
# libcrypto) and aigate.cgi on its JWT path; prints a table and the
# ratios. bench/compare.sh runs it with its own files; by hand:
#
#   AIGATE_CONFIG=... AIG_FLOOR_PEM=... HTTP_AUTHORIZATION='Bearer ...' \
#   CONTENT_LENGTH=N bash exec_times.sh STDIN_EXEC BODY HELLO FLOOR GATE [RUNS]
#
# Each program gets BODY on its standard input through STDIN_EXEC
# (bench/stdin_exec.c, static: hyperfine 1.15 has no input option), and
# the CGI environment of a POST to /ai/chat/invoke. hyperfine -N: no
# shell. Every row pays the same stdin_exec exec; the table also shows
# the hello without it, so that cost can be taken out.
set -eu
[ $# -ge 5 ] || { echo "usage: exec_times.sh STDIN_EXEC BODY HELLO FLOOR GATE [RUNS]" >&2; exit 2; }
launch=$1 body=$2 hello=$3 floor=$4 gate=$5 runs=${6:-500}
: "${AIGATE_CONFIG:?}" "${AIG_FLOOR_PEM:?}" "${HTTP_AUTHORIZATION:?}" "${CONTENT_LENGTH:?}"
export GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 SERVER_SOFTWARE=lighttpd \
	SERVER_NAME=127.0.0.1 SERVER_ADDR=127.0.0.1 SERVER_PORT=80 REMOTE_ADDR=127.0.0.1 \
	REMOTE_PORT=40000 REQUEST_METHOD=POST REQUEST_URI=/ai/chat/invoke SCRIPT_NAME=/ai \
	PATH_INFO=/chat/invoke QUERY_STRING= REDIRECT_STATUS=200 \
	CONTENT_TYPE=application/json HTTP_HOST=127.0.0.1 \
	AIGATE_CONFIG AIG_FLOOR_PEM HTTP_AUTHORIZATION CONTENT_LENGTH

# Each program must answer 200 before it is timed.
for p in "$hello" "$floor" "$gate"; do
	st=$("$launch" "$body" "$p" | sed -n '/^\r\{0,1\}$/q; s/^Status: *\([0-9]*\).*/\1/Ip')
	[ "${st:-200}" = 200 ] || { echo "exec_times.sh: $p answered $st, not 200" >&2; exit 1; }
done
json=$(mktemp /tmp/aigate-exec.XXXXXX)
trap 'rm -f "$json"' EXIT
load0=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine -N --warmup 30 --runs "$runs" --style none --export-json "$json" \
	-n 'static hello (no stdin_exec)' "$hello" \
	-n 'static hello' "$launch $body $hello" \
	-n 'crypto floor' "$launch $body $floor" \
	-n 'aigate.cgi, JWT' "$launch $body $gate" >/dev/null 2>&1
python3 - "$json" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print("hyperfine -N, %d runs each after 30 warm-up, one run; load average %s -> %s"
      % (len(r["crypto floor"]["times"]), sys.argv[2], sys.argv[3]))
print("%-30s %8s %8s %8s %8s %10s" % ("exec", "mean ms", "median", "min", "sd", "user+sys"))
for name, x in r.items():
    print("%-30s %8.3f %8.3f %8.3f %8.3f %10.3f" % (name, x["mean"] * 1e3, x["median"] * 1e3,
          x["min"] * 1e3, x["stddev"] * 1e3, (x["user"] + x["system"]) * 1e3))
launch = r["static hello"]["median"] - r["static hello (no stdin_exec)"]["median"]
g, f = r["aigate.cgi, JWT"], r["crypto floor"]
def ratio(k):
    return g[k] / f[k]
print("aigate.cgi / crypto floor: median %.2f, min %.2f, user+sys %.2f, "
      "median less stdin_exec (%.3f ms) %.2f"
      % (ratio("median"), ratio("min"), (g["user"] + g["system"]) / (f["user"] + f["system"]),
         launch * 1e3, (g["median"] - launch) / (f["median"] - launch)))
print("EXECRATIO %.4f" % ratio("median"))
PY
