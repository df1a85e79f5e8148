# SPDX-License-Identifier: Apache-2.0
"""audit_seal_forge.py - the intruder of tests/integration/audit-seal.sh.

Written from aigate-audit-seal(8), DIGEST FORMAT, not from the C code: it also
checks that the format is documented well enough to re-implement.

  forge STATE SIGNING_KEY DIGEST LOGFILE LINE_NO [relabel]
      With the stolen key state (the current epoch's key) and the signing
      key, changes line LINE_NO of LOGFILE (plain) and re-seals the digest
      from the record that covers it on: new hashes, new chain, MACs from
      the stolen key, new signatures. Without "relabel" the records keep
      their epoch numbers; with it they claim the stolen key's epoch.
"""
import hashlib
import hmac
import json
import struct
import sys

from cryptography.hazmat.primitives import serialization

MAGIC = "aigate-audit-seal/1"
FIELDS = ["seq", "epoch", "time", "file", "inode", "first", "start", "end",
          "line", "lines", "sha256", "head", "tail", "lsum", "prev"]


def hkdf(ikm, salt, info):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def mac_key(key, epoch):
    return hkdf(key, b"aigate audit seal: mac",
                b"mac" + struct.pack(">Q", epoch))


def murmur64a(data):
    m, r, mask = 0xc6a4a7935bd1e995, 47, (1 << 64) - 1
    h = (0x5eed ^ (len(data) * m)) & mask
    i = 0
    while i + 8 <= len(data):
        k = struct.unpack_from("<Q", data, i)[0]
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h ^= k
        h = (h * m) & mask
        i += 8
    if i < len(data):
        k = int.from_bytes(data[i:], "little")
        h ^= k
        h = (h * m) & mask
    h ^= h >> r
    h = (h * m) & mask
    h ^= h >> r
    return h


def message(rec, with_mac):
    text = MAGIC + "\n" + "".join("%s=%s\n" % (f, rec[f]) for f in FIELDS)
    if with_mac:
        text += "mac=%s\n" % rec["mac"]
    return text.encode()


def load_state(path):
    lines = open(path).read().split("\n")
    assert lines[0] == "aigate-audit-seal-state 1"
    return int(lines[1].split()[1]), bytes.fromhex(lines[2].split()[1])


def forge(state, sk_pem, digest, logfile, line_no, relabel):
    epoch_now, key = load_state(state)
    sk = serialization.load_pem_private_key(open(sk_pem, "rb").read(), None)
    raw = open(digest).read().splitlines()
    recs = [json.loads(x) for x in raw]
    lines = open(logfile, "rb").read().splitlines(keepends=True)
    old = lines[line_no - 1]
    lines[line_no - 1] = old.replace(b"allow", b"alloW", 1)
    assert lines[line_no - 1] != old
    open(logfile, "wb").write(b"".join(lines))
    first = hashlib.sha256(lines[0]).hexdigest()
    prev = "0" * 64
    touched = False
    out = []
    for rec in recs:
        hit = (rec["first"] == first and
               rec["line"] <= line_no < rec["line"] + rec["lines"])
        if hit:
            body = lines[rec["line"] - 1:rec["line"] - 1 + rec["lines"]]
            rec["sha256"] = hashlib.sha256(b"".join(body)).hexdigest()
            hs = [murmur64a(x) for x in body]
            rec["head"] = "%016x" % hs[0]
            rec["tail"] = "%016x" % hs[-1]
            rec["lsum"] = "%016x" % (sum(hs) & ((1 << 64) - 1))
            touched = True
        if touched:
            if relabel:
                rec["epoch"] = epoch_now
            rec["prev"] = prev
            rec["mac"] = hmac.new(mac_key(key, rec["epoch"]),
                                  message(rec, False),
                                  hashlib.sha256).hexdigest()
            rec["sig"] = sk.sign(message(rec, True)).hex()
        line = json.dumps(rec, separators=(",", ":"))
        prev = hashlib.sha256(line.encode()).hexdigest()
        out.append(line)
    assert touched, "no record covers that line"
    open(digest, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "forge":
        forge(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
              int(sys.argv[6]), len(sys.argv) > 7 and sys.argv[7] == "relabel")
    else:
        sys.exit("usage: see the docstring")
