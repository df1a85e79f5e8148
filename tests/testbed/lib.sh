# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# lib.sh — helpers shared by the test-bed scripts (ad.sh, slapd.sh, web.sh).
#
# Sourced, not run. Provides: logging, a throwaway CA and certificates,
# spare ports, bounded waits, shell-safe env files, and process tracking.
#
# Process tracking: every server a test-bed script starts runs in a session
# of its own (setsid, so its session id is its pid, kept in a pid file) and
# carries the environment variable AIG_TESTBED_TAG=<kind>:<dir>. `stop` ends
# the members of that session and the tagged processes, so it ends exactly
# what its own `start` began, children included, and nothing else. (The
# session matters for Samba, whose process title overwrites its environment;
# the tag for a server whose children leave the session.)

# Command substitutions keep `set -e` of the caller.
shopt -s inherit_errexit

# The servers live in sbin; a non-login root shell may not have it on PATH.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export PATH

tb_name=${0##*/}

tb_log() { printf '%s: %s\n' "$tb_name" "$*" >&2; }
tb_die() { printf '%s: error: %s\n' "$tb_name" "$*" >&2; exit 1; }

# tb_now: seconds since the epoch with milliseconds, for timings.
tb_now() { date +%s.%3N; }
# tb_elapsed START: seconds since START (from tb_now), e.g. "1.234".
tb_elapsed() { awk -v a="$1" -v b="$(tb_now)" 'BEGIN { printf "%.3f", b - a }'; }

# tb_absdir DIR: creates DIR if needed and prints its absolute path.
tb_absdir() {
    mkdir -p -- "$1"
    (cd -- "$1" && pwd -P)
}

# tb_quote VALUE: VALUE as one single-quoted shell word.
tb_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# tb_env_line NAME VALUE: one `export NAME='VALUE'` line for an env file.
tb_env_line() { printf 'export %s=%s\n' "$1" "$(tb_quote "$2")"; }

# tb_secret_file FILE VALUE: writes VALUE (no newline) to FILE, mode 0600.
tb_secret_file() {
    (umask 077 && printf '%s' "$2" >"$1")
    chmod 0600 "$1"
}

# tb_random_password: a fresh password that meets AD's complexity rules.
tb_random_password() {
    printf 'Tb-%s-9z!' "$(openssl rand -hex 12)"
}

# tb_make_ca DIR NAME: a throwaway CA in DIR/ca.pem + DIR/ca.key.
tb_make_ca() {
    mkdir -p "$1"
    (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
        -keyout "$1/ca.key" -out "$1/ca.pem" -subj "/O=aigate test bed/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null) ||
        tb_die "openssl could not make the test CA in $1"
    chmod 0644 "$1/ca.pem"
}

# tb_make_cert DIR NAME SUBJECT USAGE [SAN]: key DIR/NAME.key and certificate
# DIR/NAME.pem signed by DIR/ca.pem. USAGE is serverAuth or clientAuth;
# SAN is an openssl subjectAltName list, e.g. "IP:127.0.0.1,DNS:localhost".
tb_make_cert() {
    local dir=$1 name=$2 subject=$3 usage=$4 san=${5:-} ext
    ext="$dir/$name.ext"
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$usage"
        echo "subjectKeyIdentifier=hash"
        echo "authorityKeyIdentifier=keyid"
        if [ -n "$san" ]; then echo "subjectAltName=$san"; fi
    } >"$ext"
    (umask 077 && openssl req -new -newkey rsa:2048 -nodes -sha256 \
        -keyout "$dir/$name.key" -subj "$subject" 2>/dev/null |
        openssl x509 -req -sha256 -days 30 -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
            -set_serial "0x$(openssl rand -hex 8)" -extfile "$ext" \
            -out "$dir/$name.pem" 2>/dev/null) ||
        tb_die "openssl could not make certificate $dir/$name.pem"
    chmod 0644 "$dir/$name.pem"
    rm -f "$ext"
}

# tb_port_busy PORT: true when something listens on PORT (TCP, any address).
tb_port_busy() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# tb_free_port: prints a TCP port nobody listens on. Ports are drawn at
# random from 20000-31999, below Linux's ephemeral range (32768-60999), so
# outgoing connections never take them; callers retry if they lose a race.
tb_free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        if ! tb_port_busy "$p"; then
            echo "$p"
            return 0
        fi
    done
    tb_die "no free TCP port found in 20000-31999"
}

# tb_wait SECONDS DESCRIPTION CMD...: runs CMD every 0.1 s until it
# succeeds; fails after SECONDS with a message naming DESCRIPTION. If the
# variable tb_wait_pid names a pid, gives up at once when that process ends.
tb_wait_pid=
tb_wait() {
    local limit=$1 what=$2 deadline
    shift 2
    deadline=$(($(date +%s%N) / 1000000 + limit * 1000))
    until "$@" >/dev/null 2>&1; do
        if [ -n "$tb_wait_pid" ] && ! tb_alive "$tb_wait_pid"; then
            tb_log "the server (pid $tb_wait_pid) exited while waiting for $what"
            return 1
        fi
        if [ $(($(date +%s%N) / 1000000)) -ge "$deadline" ]; then
            tb_log "timed out after ${limit}s waiting for $what"
            return 1
        fi
        sleep 0.1
    done
}

# tb_alive PID: true if PID runs (a zombie counts as gone).
tb_alive() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# tb_tagged_pids TAG: pids of live processes whose environment holds
# AIG_TESTBED_TAG=TAG.
tb_tagged_pids() {
    local f pid pattern
    pattern="^AIG_TESTBED_TAG=$(printf '%s' "$1" | sed 's/[][\\.*^$]/\\&/g')\$"
    grep -lz -e "$pattern" /proc/[0-9]*/environ 2>/dev/null |
        while read -r f; do
            pid=${f#/proc/}
            pid=${pid%/environ}
            if [ "$pid" != "$$" ] && tb_alive "$pid"; then echo "$pid"; fi
        done
    return 0
}

# tb_session_pids SID COMM: live pids in session SID, when that session is
# one of ours: its leader SID still runs as COMM, or else (the leader is
# gone) the member itself runs as COMM. Guards against a recycled pid.
tb_session_pids() {
    local sid=$1 comm=$2 leader_ok=0
    case $sid in '' | *[!0-9]*) return 0 ;; esac
    if tb_alive "$sid" && [ "$(cat "/proc/$sid/comm" 2>/dev/null)" = "$comm" ]; then
        leader_ok=1
    fi
    ps -e -o pid=,sid=,stat=,comm= |
        awk -v s="$sid" -v c="$comm" -v ok="$leader_ok" -v self="$$" \
            '$2 == s && $1 != self && $3 !~ /^Z/ && (ok || $4 == c) { print $1 }'
}

# tb_stop_server TAG COMM SID: ends the server started in session SID as
# COMM and tagged TAG, with everything it started: SIGTERM, up to 5 s of
# grace, then SIGKILL. Fails if anything survives.
tb_stop_server() {
    local tag=$1 comm=$2 sid=$3 first now p
    first=$({ tb_tagged_pids "$tag"; tb_session_pids "$sid" "$comm"; } | sort -u)
    [ -n "$first" ] || return 0
    for p in $first; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        now=$({
            for p in $first; do tb_alive "$p" && echo "$p"; done
            tb_tagged_pids "$tag"
            tb_session_pids "$sid" "$comm"
        } | sort -u)
        [ -n "$now" ] || return 0
        sleep 0.1
    done
    for p in $now; do
        tb_log "pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) ignored SIGTERM; sending SIGKILL"
        kill -KILL "$p" 2>/dev/null || true
    done
    sleep 0.2
    now=$(for p in $now; do tb_alive "$p" && echo "$p"; done)
    if [ -n "$now" ]; then
        tb_log "still running after SIGKILL: $now"
        return 1
    fi
}
