#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""basic_cache_client.py SOCKET - GET /_aigate/whoami through one FastCGI
socket, once per line "USER PASSWORD" of standard input (no password on a
command line), with that user's Basic credentials; prints one line per
request: "STATUS USER NAME GROUPS" (NAME and GROUPS from the gate's
answer, "-" when it has none). For gate-basic-cache.sh."""
import base64
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fixtures"))
from fcgi_client import request  # noqa: E402


def main():
    sock = sys.argv[1]
    for line in sys.stdin:
        user, password = line.rstrip("\n").split(" ", 1)
        cred = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        out = request(sock, [("REQUEST_METHOD", "GET"),
                             ("PATH_INFO", "/_aigate/whoami"),
                             ("QUERY_STRING", ""),
                             ("REMOTE_ADDR", "127.0.0.1"),
                             ("HTTP_AUTHORIZATION", "Basic " + cred)])
        head, _, body = out.partition(b"\r\n\r\n")
        m = re.search(rb"^Status: (\d+)", head, re.M)
        status = m.group(1).decode() if m else "200"
        name, groups = "-", "-"
        try:
            j = json.loads(body)
            name = j.get("user", "-")
            groups = ",".join(j.get("groups", [])) or "-"
        except ValueError:
            pass
        print(status, user, name, groups, flush=True)


if __name__ == "__main__":
    main()
