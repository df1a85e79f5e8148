# SPDX-License-Identifier: Apache-2.0
"""seed_proxy.py - the seed design's gate, written as a baseline for
bench/compare.sh: Flask + PyJWT + a prompt check + requests.

Per request: the bearer token is verified with PyJWT (RS256, the public key
from the same JWKS file as aigate's, iss, aud and exp checked), every string
value of the JSON body is matched against the policy's prompt.deny
patterns, and the body goes to the backend with requests; the backend's
status, content type and body come back. Run under gunicorn, e.g.

  SEED_JWKS=jwks.json SEED_ISSUER=https://issuer.test SEED_AUDIENCE=aigate \
  SEED_POLICY=policy.json SEED_BACKEND=http://127.0.0.1:8080 \
  /usr/bin/python3 -m gunicorn -w 2 -b 127.0.0.1:8000 --chdir bench seed_proxy:app

Debian's packages: python3-flask, python3-jwt, python3-requests, gunicorn.
"""
import json
import os
import re

import jwt
import requests
from flask import Flask, Response, request

ISSUER = os.environ["SEED_ISSUER"]
AUDIENCE = os.environ["SEED_AUDIENCE"]
BACKEND = os.environ["SEED_BACKEND"].rstrip("/")

with open(os.environ["SEED_JWKS"], encoding="utf-8") as f:
    KEYS = {k.key_id: k.key for k in jwt.PyJWKSet.from_dict(json.load(f)).keys
            if k.key_type == "RSA"}

# The policy's deny patterns are PCRE2; the shipped ones ((?i), \b, \s) mean
# the same to Python's re.
with open(os.environ["SEED_POLICY"], encoding="utf-8") as f:
    DENY = [re.compile(p) for p in json.load(f).get("prompt", {}).get("deny", [])]

app = Flask(__name__)
# One connection pool per worker process (the kinder choice for the baseline).
session = requests.Session()


def error(status, code):
    return Response(json.dumps({"error": code}), status=status,
                    content_type="application/json")


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def verify(header):
    if not header.startswith("Bearer "):
        return None
    token = header[len("Bearer "):]
    try:
        key = KEYS.get(jwt.get_unverified_header(token).get("kid"))
        if key is None:
            return None
        return jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE,
                          issuer=ISSUER, options={"require": ["exp", "iss", "aud"]})
    except jwt.PyJWTError:
        return None


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def proxy(path):
    if verify(request.headers.get("Authorization", "")) is None:
        return error(401, "unauthorized")
    body = request.get_data()
    if body:
        try:
            doc = json.loads(body)
        except ValueError:
            return error(400, "invalid_request")
        for s in strings(doc):
            if any(p.search(s) for p in DENY):
                return error(400, "invalid_input")
    r = session.request(request.method, f"{BACKEND}/{path}", data=body,
                        headers={"Content-Type": request.content_type or
                                 "application/json"}, timeout=120)
    return Response(r.content, status=r.status_code,
                    content_type=r.headers.get("Content-Type"))
