# SPDX-License-Identifier: Apache-2.0
"""negotiate_client.py - an HTTP Negotiate client with python3-gssapi, for
the gate's tests: builds its own SPNEGO token per request (credentials from
KRB5CCNAME, Kerberos configuration from KRB5_CONFIG).

  negotiate_client.py token SPN        print one Authorization header value
  negotiate_client.py mutual URL SPN   GET URL with a fresh token; print the
                                       status, then "mutual ok" if the
                                       answer's WWW-Authenticate token
                                       completes the context (the server
                                       proved it holds the service key)
"""
import sys
import urllib.error
import urllib.request
import base64

import gssapi

SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")


def context(spn):
    name = gssapi.Name(spn, gssapi.NameType.hostbased_service)
    flags = [gssapi.RequirementFlag.mutual_authentication,
             gssapi.RequirementFlag.out_of_sequence_detection]
    return gssapi.SecurityContext(name=name, mech=SPNEGO, flags=flags,
                                  usage="initiate")


def header(ctx):
    return "Negotiate " + base64.b64encode(ctx.step()).decode()


def mutual(url, spn):
    ctx = context(spn)
    req = urllib.request.Request(url, headers={"Authorization": header(ctx)})
    try:
        resp = urllib.request.urlopen(req, timeout=10)
        status, hdrs = resp.status, resp.headers
    except urllib.error.HTTPError as e:
        status, hdrs = e.code, e.headers
    print(status)
    for v in hdrs.get_all("WWW-Authenticate") or []:
        if v.startswith("Negotiate "):
            ctx.step(base64.b64decode(v[len("Negotiate "):]))
            if ctx.complete:
                print("mutual ok")


def main():
    if sys.argv[1] == "token":
        print(header(context(sys.argv[2])))
    elif sys.argv[1] == "mutual":
        mutual(sys.argv[2], sys.argv[3])
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
