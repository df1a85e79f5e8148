#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz_jwt (tests/fuzz/corpus/jwt/). Tokens are
signed with Wycheproof's private test keys (kid-rsa-sign, kid-ec-sign), the
ones fuzz_jwt.c verifies with, so that seeds reach the claims checks.
Needs python3-cryptography; the corpus is committed, this is only to
regenerate it."""
import base64
import json
import os
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

top = os.path.dirname(os.path.abspath(__file__))
wp = json.load(open(os.path.join(top, "../data/wycheproof/json_web_signature_test.json")))
out = os.path.join(top, "corpus/jwt")
NOW = 1700000000


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def ub64(s):
    return int.from_bytes(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)), "big")


keys = {}
for g in wp["testGroups"]:
    p = g.get("private")
    if g["comment"] == "rs256" and p and p.get("kid") == "kid-rsa-sign":
        pub = rsa.RSAPublicNumbers(ub64(p["e"]), ub64(p["n"]))
        keys["RS256"] = rsa.RSAPrivateNumbers(
            ub64(p["p"]), ub64(p["q"]), ub64(p["d"]), ub64(p["dp"]),
            ub64(p["dq"]), ub64(p["qi"]), pub).private_key()
    if g["comment"] == "es256" and p and p.get("kid") == "kid-ec-sign":
        keys["ES256"] = ec.derive_private_key(ub64(p["d"]), ec.SECP256R1())

KID = {"RS256": "kid-rsa-sign", "ES256": "kid-ec-sign"}


def sign(alg, header, payload):
    h = b64(json.dumps(header, separators=(",", ":")).encode())
    p = b64(payload.encode() if isinstance(payload, str) else
            json.dumps(payload, separators=(",", ":")).encode())
    msg = (h + "." + p).encode()
    if alg == "RS256":
        sig = keys[alg].sign(msg, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(keys[alg].sign(msg, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return h + "." + p + "." + b64(sig)


CLAIMS = {"iss": "https://idp.example/oidc", "aud": "aigate", "exp": NOW + 600,
          "iat": NOW - 10, "email": "alice@example.com",
          "groups": ["AI_Users", "Data_Scientists"]}


def claims(**kw):
    c = dict(CLAIMS)
    for k, v in kw.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


seeds = []
for alg in ("RS256", "ES256"):
    hdr = {"alg": alg, "kid": KID[alg], "typ": "JWT"}
    seeds += [("0", sign(alg, hdr, claims())),
              ("0", sign(alg, hdr, claims(exp=NOW - 100))),
              ("0", sign(alg, hdr, claims(aud=["x", "other"], nbf=NOW))),
              ("0", sign(alg, dict(hdr, crit=["exp"]), claims())),
              ("0", sign(alg, dict(hdr, jwk={"kty": "EC"}), claims())),
              ("0", sign(alg, {"alg": alg}, claims())),
              ("0", sign(alg, hdr, "not json"))]
for g in wp["testGroups"]:
    for t in g["tests"]:
        if t["tcId"] in ("1", "16", "17", "18", "32", "33", "46", "379", "385", "386"):
            j = t["jws"]
            seeds.append(("0", j if isinstance(j, str) else json.dumps(j)))
pubs = [g["public"] for g in wp["testGroups"] if g.get("public")]
seeds += [("1", json.dumps({"keys": pubs[:3]})),
          ("1", json.dumps({"keys": pubs[-6:]})),
          ("1", json.dumps({"keys": [{"kty": "oct", "k": "AAAA"}, {"kty": "OKP"}]})),
          ("1", json.dumps({"keys": [dict(pubs[1], d="AAAA")]})),
          ("1", '{"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]}'),
          ("1", '{"keys":{}}')]
for c in (claims(), claims(aud=["a", "aigate"]), claims(groups=None),
          claims(groups=["a,b"]), claims(exp="1"), claims(email="\u00e9\u0085"),
          claims(nbf=NOW + 1000, iat=1e300)):
    seeds.append(("2", json.dumps(c)))
seeds += [("2", '{"exp":1,"exp":2}'), ("3", "Zm9vYmFy"), ("3", "Zm9vYg=="),
          ("3", "Zh"), ("3", "-_-_")]

# ALB tokens: base64url with its padding, signed with kid-ec-sign (the
# key fuzz_jwt.c checks ALB signatures with) whatever kid they name.
ARN = ("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/"
       "app/gate/50dc6c495c0c9188")
UUID = "1f2e3d4c-5b6a-4789-8abc-def012345678"


def alb(header, payload, pad=True):
    enc = (lambda b: base64.urlsafe_b64encode(b).decode()) if pad else b64
    h = enc(json.dumps(header, separators=(",", ":")).encode())
    p = enc(payload.encode() if isinstance(payload, str) else
            json.dumps(payload, separators=(",", ":")).encode())
    r, s = decode_dss_signature(keys["ES256"].sign((h + "." + p).encode(),
                                                   ec.ECDSA(hashes.SHA256())))
    return h + "." + p + "." + enc(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


AHDR = {"typ": "JWT", "kid": UUID, "alg": "ES256", "iss": "https://idp.example/oidc",
        "client": "app-client-1", "signer": ARN, "exp": NOW + 120}
APAY = {"sub": "1234", "email": "bob@c.example", "groups": ["AI_Users"],
        "exp": NOW + 120, "iss": "https://idp.example/oidc"}
seeds += [("4", alb(AHDR, APAY)), ("4", alb(AHDR, APAY, pad=False)),
          ("4", alb(dict(AHDR, signer=ARN + "x"), APAY)),
          ("4", alb(dict(AHDR, client="other"), APAY)),
          ("4", alb(dict(AHDR, exp=NOW - 1000), APAY)),
          ("4", alb(dict(AHDR, kid="../../etc/passwd"), APAY)),
          ("4", alb(dict(AHDR, alg="RS256"), APAY)),
          ("4", alb(dict(AHDR, crit=["exp"]), APAY)),
          ("4", alb(AHDR, dict(APAY, email=None))),
          ("4", alb(AHDR, "not json"))]

os.makedirs(out, exist_ok=True)
for name in os.listdir(out):
    os.unlink(os.path.join(out, name))
for i, (mode, text) in enumerate(seeds):
    with open(os.path.join(out, "seed-%02d" % i), "w") as f:
        f.write(mode + text)
print("%d seeds" % len(seeds), file=sys.stderr)
