#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Runs every vector of Project Wycheproof's json_web_signature_test.json
(tests/data/wycheproof, Apache-2.0) through `aigatectl token verify
--jwks FILE --signature-only -`, one process each, as TAP: "valid" must
exit 0, "invalid" must not, "acceptable" may do either. HMAC groups (no
public key: the symmetric key is handed over, and must not be used) and
algs we never accept must exit 1; a "valid" vector refused as
key_mismatch is the one deliberate difference (a key whose JWK names
another alg) that test_jwt_wycheproof explains; the empty string is no
token at all (exit 2)."""
import base64
import json
import os
import subprocess
import sys

OURS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}


def header_alg(jws):
    try:
        seg = jws.split(".")[0]
        h = json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))
        return h.get("alg") if isinstance(h, dict) else None
    except Exception:
        return None


def main():
    ctl, data, tmp = sys.argv[1:4]
    with open(data) as f:
        d = json.load(f)
    n = failed = 0
    counts = {}
    keyfile = os.path.join(tmp, "jwks.json")
    for g in d["testGroups"]:
        jwk = g.get("public")
        hmac = jwk is None
        with open(keyfile, "w") as f:
            json.dump({"keys": [g["private"] if hmac else jwk]}, f)
        for t in g["tests"]:
            jws = t["jws"] if isinstance(t["jws"], str) else json.dumps(t["jws"])
            r = subprocess.run([ctl, "token", "verify", "--jwks", keyfile,
                                "--signature-only", "-"],
                               input=jws.encode(), capture_output=True)
            out = r.stdout.decode(errors="replace")
            alg = header_alg(jws)
            result = t["result"]
            if jws.strip() == "":
                kind, good = "empty input", r.returncode == 2
            elif hmac or (alg is not None and alg not in OURS):
                kind, good = "never ours", r.returncode == 1
            elif result == "valid" and "key_mismatch" in out:
                kind, good = "deliberate difference", r.returncode == 1
            elif result == "valid":
                kind, good = "valid", r.returncode == 0
            elif result == "invalid":
                kind, good = "invalid", r.returncode in (1, 2)
            else:
                kind, good = "acceptable", r.returncode in (0, 1, 2)
            sig = jws.rsplit(".", 1)[-1] if isinstance(t["jws"], str) else ""
            if len(sig) > 8 and sig in out:
                good = False
                kind += ", signature printed"
            n += 1
            counts[kind] = counts.get(kind, 0) + 1
            if not good:
                failed += 1
            print("%s %d - tc %s (%s, %s): exit %d" %
                  ("ok" if good else "not ok", n, t["tcId"], result, kind,
                   r.returncode))
    n += 1
    total_ok = n - 1 == d["numberOfTests"]
    print("%s %d - all %d vectors run: %s" %
          ("ok" if total_ok else "not ok", n, n - 1,
           ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))))
    print("1..%d" % n)
    return 1 if failed or not total_ok else 0


if __name__ == "__main__":
    sys.exit(main())
