#!/usr/bin/python3
"""Independent verifier for a TwinGuard ledger directory, written from docs/ledger-format.md alone.

Uses only the Python standard library (hashlib for SHA-256; ECDSA P-256 is checked with plain integer
arithmetic). It shares no code with the C# implementation.

    verify_ledger.py LEDGER_DIR                      -> JSON: ok, treeSize, root, checkpoints, signaturesVerified
    verify_ledger.py LEDGER_DIR --inclusion M N      -> JSON: the RFC 6962 audit path of entry M in the tree of N

Exit code 0 when everything verifies, 1 when something does not (the JSON says what and where).
"""
import base64
import hashlib
import json
import os
import struct
import sys

# ---- RFC 6962 section 2.1 -------------------------------------------------------------------------------------


def leaf_hash(record_without_check):
    # The record starts with the 0x00 leaf prefix; the rest is the leaf data d(i).
    assert record_without_check[0] == 0
    return hashlib.sha256(record_without_check).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves, start, end):
    """MTH(D[start:end]) by the recursive definition."""
    n = end - start
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[start]
    k = largest_power_of_two_below(n)
    return node_hash(mth(leaves, start, start + k), mth(leaves, start + k, end))


def path(leaves, m, start, n):
    """RFC 6962 section 2.1.1 PATH(m, D[start:start+n])."""
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return path(leaves, m, start, k) + [mth(leaves, start + k, start + n)]
    return path(leaves, m - k, start + k, n - k) + [mth(leaves, start, start + k)]


# ---- ECDSA P-256 (FIPS 186-4, SEC 1 section 4.1.4) ------------------------------------------------------------

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def point_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return x3, (lam * (x1 - x3) - y1) % P


def scalar_mult(k, point):
    result = None
    while k:
        if k & 1:
            result = point_add(result, point)
        point = point_add(point, point)
        k >>= 1
    return result


def ecdsa_verify(public_point, message, signature):
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, N)
    point = point_add(scalar_mult(e * w % N, G), scalar_mult(r * w % N, public_point))
    return point is not None and point[0] % N == r


def load_public_key(pem_text):
    body = "".join(line for line in pem_text.splitlines() if line and not line.startswith("-----"))
    der = base64.b64decode(body)
    point = der[-65:]  # SubjectPublicKeyInfo for P-256 ends with the uncompressed point 04 || X || Y
    if point[0] != 4:
        raise ValueError("public key is not an uncompressed P-256 point")
    x = int.from_bytes(point[1:33], "big")
    y = int.from_bytes(point[33:], "big")
    if (y * y - (x * x * x + A * x + B)) % P != 0:
        raise ValueError("public key point is not on P-256")
    return (x, y), hashlib.sha256(der).digest()


# ---- the files (docs/ledger-format.md) --------------------------------------------------------------------------


def fail(problem, **extra):
    print(json.dumps(dict({"ok": False, "problem": problem}, **extra)))
    sys.exit(1)


def read_leaves(directory):
    names = sorted(n for n in os.listdir(directory) if n.startswith("segment-") and n.endswith(".tgl"))
    leaves = []
    for name in names:
        data = open(os.path.join(directory, name), "rb").read()
        first = int(name[len("segment-"):-len(".tgl")])
        if len(data) < 32 or data[:8] != b"TGLEDGER":
            fail("bad segment header", file=name)
        version, header_length, header_first, reserved = struct.unpack(">IIqq", data[8:32])
        if version != 1 or header_length != 32 or header_first != first or reserved != 0 or first != len(leaves):
            fail("segment header does not continue the log", file=name, entry=len(leaves))
        offset = 32
        while offset < len(data):
            if offset + 24 > len(data):
                fail("file ends inside a record header", file=name, offset=offset, entry=len(leaves))
            marker, rversion, kind, length, index, timestamp = struct.unpack(">BBHIqq", data[offset:offset + 24])
            end = offset + 24 + length
            if marker != 0 or rversion != 1 or kind == 0 or index != len(leaves) or end + 8 > len(data):
                fail("bad record", file=name, offset=offset, entry=len(leaves))
            h = leaf_hash(data[offset:end])
            if data[end:end + 8] != h[:8]:
                fail("check bytes do not match", file=name, offset=offset, entry=len(leaves))
            leaves.append(h)
            offset = end + 8
    return leaves


def read_checkpoints(directory):
    path_ = os.path.join(directory, "checkpoints.tgc")
    data = open(path_, "rb").read() if os.path.exists(path_) else b""
    if len(data) % 152:
        fail("checkpoints.tgc ends inside a checkpoint", offset=len(data) - len(data) % 152)
    result = []
    for i in range(0, len(data), 152):
        magic, version, sig_length, size, micros = struct.unpack(">4sHHqq", data[i:i + 24])
        if magic != b"TGCP" or version != 1 or sig_length != 64:
            fail("malformed checkpoint", offset=i)
        result.append({"offset": i, "size": size, "micros": micros, "root": data[i + 24:i + 56],
                       "keyId": data[i + 56:i + 88], "signed": data[i:i + 88], "signature": data[i + 88:i + 152]})
    return result


def main():
    directory = sys.argv[1]
    leaves = read_leaves(directory)
    if len(sys.argv) == 5 and sys.argv[2] == "--inclusion":
        m, n = int(sys.argv[3]), int(sys.argv[4])
        print(json.dumps({"index": m, "treeSize": n, "leaf": leaves[m].hex(),
                          "path": [h.hex() for h in path(leaves, m, 0, n)], "root": mth(leaves, 0, n).hex()}))
        return
    public_point, key_id = load_public_key(open(os.path.join(directory, "signing-key.pub.pem")).read())
    checkpoints = read_checkpoints(directory)
    verified = 0
    previous = 0
    for c in checkpoints:
        if c["keyId"] != key_id or not ecdsa_verify(public_point, c["signed"], c["signature"]):
            fail("checkpoint signature does not verify", offset=c["offset"])
        if c["size"] < previous:
            fail("checkpoint tree sizes go backwards", offset=c["offset"])
        if c["size"] > len(leaves):
            fail("checkpoint signs more entries than the log has", offset=c["offset"], entry=len(leaves))
        if mth(leaves, 0, c["size"]) != c["root"]:
            fail("entries do not hash to the signed root", offset=c["offset"], entry=previous)
        previous = c["size"]
        verified += 1
    print(json.dumps({"ok": True, "treeSize": len(leaves), "root": mth(leaves, 0, len(leaves)).hex(),
                      "checkpoints": len(checkpoints), "signaturesVerified": verified,
                      "keyId": key_id.hex()}))


if __name__ == "__main__":
    main()
