#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gate_load.py - a small load driver for gate-load.sh (standard library only).

  gate_load.py load [options]    many concurrent requests; a JSON summary
  gate_load.py raw HOST PORT     send stdin's bytes as they are on one
                                 connection; print the answer's head

load: C threads (--concurrency) take request numbers 0..N-1 (--total) until
they run out or --duration seconds have passed since the first request
(whichever comes first). Request i goes to the i-th URL of --url (given once
or more) modulo their number, so two servers are alternated. Each thread
keeps one HTTP/1.1 connection (reopened after an error or a close).

The summary (stdout, one JSON object):
  {"sent": n, "status": {"200": n, "429": n, ...}, "errors": n,
   "bad_retry_after": n  (429 answers without Retry-After in whole seconds),
   "no_request_id": n    (answers without X-Request-Id),
   "request_ids_distinct": n,
   "w_outer": s   first request sent .. last answer received,
   "w_inner": s   first answer received .. last 429'd request sent,
   "elapsed": s, "p50_ms": x, "p99_ms": x, "max_ms": x, "rps": x,
   "per_url": {"URL": {"200": n, ...}}}
--ids FILE writes every X-Request-Id received, one a line.
Times are time.monotonic(); the gate's bucket runs on CLOCK_REALTIME, which
does not drift from it measurably over a few seconds.
"""
import argparse
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse


def do_load(a):
    body = a.body.encode()
    if a.body.startswith("@"):
        with open(a.body[1:], "rb") as f:
            body = f.read()
    targets = []
    for u in a.url:
        s = urllib.parse.urlsplit(u)
        targets.append((u, s.hostname, s.port or 80, s.path or "/"))
    headers = {"Content-Type": "application/json"}
    for h in a.header:
        k, _, v = h.partition(":")
        headers[k.strip()] = v.strip()
    lock = threading.Lock()
    state = {"next": 0, "t0": None}
    results = []  # (url, status, t_send, t_end, request_id, retry_after)
    errors = []

    def take():
        with lock:
            i = state["next"]
            if i >= a.total:
                return None
            now = time.monotonic()
            if state["t0"] is None:
                state["t0"] = now
            elif a.duration and now - state["t0"] >= a.duration:
                return None
            state["next"] = i + 1
            return i

    def worker():
        conns = {}
        while True:
            i = take()
            if i is None:
                break
            url, host, port, path = targets[i % len(targets)]
            t_send = time.monotonic()
            try:
                c = conns.get(url)
                if c is None:
                    c = conns[url] = http.client.HTTPConnection(host, port, timeout=a.timeout)
                c.request(a.method, path, body=body if a.method != "GET" else None, headers=headers)
                r = c.getresponse()
                r.read()
                t_end = time.monotonic()
                rec = (url, r.status, t_send, t_end, r.getheader("X-Request-Id"), r.getheader("Retry-After"))
                if r.will_close:
                    c.close()
                    conns.pop(url, None)
            except Exception as e:  # noqa: BLE001 - counted and reported
                c = conns.pop(url, None)
                if c is not None:
                    c.close()
                with lock:
                    errors.append("%s: %r" % (url, e))
                continue
            with lock:
                results.append(rec)
        for c in conns.values():
            c.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.concurrency)]
    t_start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t_start

    status, per_url = {}, {}
    bad_retry = no_id = 0
    ids = []
    for url, st, _, _, rid, ra in results:
        status[str(st)] = status.get(str(st), 0) + 1
        pu = per_url.setdefault(url, {})
        pu[str(st)] = pu.get(str(st), 0) + 1
        if rid:
            ids.append(rid)
        else:
            no_id += 1
        if st == 429 and not (ra and ra.isdigit() and int(ra) >= 1):
            bad_retry += 1
    lat = sorted((e - s) * 1000 for _, _, s, e, _, _ in results)
    w_outer = w_inner = 0.0
    if results:
        w_outer = max(r[3] for r in results) - min(r[2] for r in results)
        sends429 = [r[2] for r in results if r[1] == 429]
        if sends429:
            w_inner = max(0.0, max(sends429) - min(r[3] for r in results))

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0

    if a.ids:
        with open(a.ids, "w") as f:
            f.write("".join(i + "\n" for i in ids))
    out = {
        "sent": state["next"], "status": status, "errors": len(errors),
        "error_sample": errors[:3], "bad_retry_after": bad_retry,
        "no_request_id": no_id, "request_ids_distinct": len(set(ids)),
        "w_outer": round(w_outer, 3), "w_inner": round(w_inner, 3),
        "elapsed": round(elapsed, 3), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
        "max_ms": round(lat[-1], 1) if lat else 0,
        "rps": round(len(results) / elapsed, 1) if elapsed > 0 else 0,
        "per_url": per_url,
    }
    print(json.dumps(out, sort_keys=True))
    return 0


def do_raw(a):
    data = sys.stdin.buffer.read()
    s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    s.sendall(data)
    buf = b""
    try:
        while b"\r\n\r\n" not in buf and len(buf) < 65536:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        pass
    s.close()
    sys.stdout.buffer.write(buf.split(b"\r\n\r\n", 1)[0] + b"\r\n")
    return 0


def main():
    ap = argparse.ArgumentParser(description="load driver for gate-load.sh")
    sub = ap.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("--url", action="append", required=True)
    lo.add_argument("--method", default="POST")
    lo.add_argument("--header", action="append", default=[])
    lo.add_argument("--body", default="", help="the body, or @FILE")
    lo.add_argument("--total", type=int, default=100)
    lo.add_argument("--concurrency", type=int, default=10)
    lo.add_argument("--duration", type=float, default=0, help="stop issuing after S seconds")
    lo.add_argument("--timeout", type=float, default=20)
    lo.add_argument("--ids", metavar="FILE")
    raw = sub.add_parser("raw")
    raw.add_argument("host")
    raw.add_argument("port", type=int)
    raw.add_argument("--timeout", type=float, default=5)
    a = ap.parse_args()
    return do_load(a) if a.cmd == "load" else do_raw(a)


if __name__ == "__main__":
    sys.exit(main())
