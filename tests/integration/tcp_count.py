#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tcp_count.py - a TCP forwarder that counts the connections it accepts,
so that a test can tell whether a client reached a server (the directory
behind it) at all.

    tcp_count.py PORT_FILE COUNT_FILE TARGET_HOST TARGET_PORT

Listens on 127.0.0.1 on the port PORT_FILE names, or on a free port when it
does not exist; the port is written to PORT_FILE once listening;
forwards each connection to TARGET_HOST:TARGET_PORT and rewrites
COUNT_FILE with the number of connections accepted so far. Runs until
killed (SIGTERM)."""
import os
import socket
import sys
import threading


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    port_file, count_file, host, port = sys.argv[1:5]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    want = 0
    if os.path.exists(port_file):
        with open(port_file) as f:
            want = int(f.read().strip())
    srv.bind(("127.0.0.1", want))
    srv.listen(64)
    n = 0
    if os.path.exists(count_file):
        with open(count_file) as f:
            n = int(f.read().strip() or 0)
    write_atomic(count_file, "%d\n" % n)
    write_atomic(port_file + ".up", "%d\n" % srv.getsockname()[1])
    os.replace(port_file + ".up", port_file)
    while True:
        c, _ = srv.accept()
        n += 1
        write_atomic(count_file, "%d\n" % n)
        try:
            u = socket.create_connection((host, int(port)), timeout=5)
            u.settimeout(None)
        except OSError:
            c.close()
            continue
        for a, b in ((c, u), (u, c)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()


if __name__ == "__main__":
    main()
