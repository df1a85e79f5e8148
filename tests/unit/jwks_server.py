#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small HTTPS file server for test_jwks_fetch: serves ROOT on 127.0.0.1
with the given certificate, on a free port written to PORT_FILE, and logs
each request's path, one per line, to LOG. For a file F it also honours
F.redirect (answer 302 to its content) and F.delay (sleep that many
seconds first), so the test can check redirects and concurrent fetches."""
import http.server
import os
import ssl
import sys
import threading
import time


def orphan_watch(parent):
    """Exits when the test that started us is gone, crashed or not."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    cert, key, root, port_file, log = sys.argv[1:6]
    threading.Thread(target=orphan_watch, args=(os.getppid(),),
                     daemon=True).start()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            with open(log, "a") as f:
                f.write(path + "\n")
            local = os.path.join(root, path.lstrip("/"))
            if os.path.exists(local + ".delay"):
                with open(local + ".delay") as f:
                    time.sleep(float(f.read()))
            if os.path.exists(local + ".redirect"):
                with open(local + ".redirect") as f:
                    target = f.read().strip()
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if ".." in path or not os.path.isfile(local):
                self.send_error(404)
                return
            with open(local, "rb") as f:
                body = f.read()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client hung up: the size cap at work

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(httpd.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
