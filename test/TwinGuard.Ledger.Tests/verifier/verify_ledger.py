#!/usr/bin/python3
"""Independent verifier for a TwinGuard ledger directory, written from docs/ledger-format.md alone.

The binary checkpoints are checked with the Python standard library only (hashlib for SHA-256; ECDSA P-256 with plain
integer arithmetic). Signed notes (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature) are checked with the
`cryptography` package (Debian's python3-cryptography): ECDSA type 0x02 lines and Ed25519 cosignature/v1 lines.
It shares no code with the C# implementation.

    verify_ledger.py LEDGER_DIR [--public-key FILE] [--witness VKEY ...] [--min-witnesses N]
                                                      -> JSON: ok, treeSize, root, checkpoints, signaturesVerified,
                                                         notesVerified, witnessedSize, keySource
    verify_ledger.py LEDGER_DIR --inclusion M N      -> JSON: the RFC 6962 audit path of entry M in the tree of N
    verify_ledger.py --note FILE --public-key FILE [--witness VKEY ...]
                                                      -> JSON: a standalone checkpoint note: origin, treeSize, root, cosigners

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


# ---- signed notes (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature) ----------------------------------------

EM_DASH = "\u2014 "


def vkey_parse(text):
    """name+hash+base64(type || key) -> (name, key hash int, type, key bytes); checks the key hash."""
    name, hash_hex, key64 = text.strip().split("+", 2)
    raw = base64.b64decode(key64)
    kind, key = raw[0], raw[1:]
    if kind == 0x02:   # ECDSA: SHA-256 of the DER SubjectPublicKeyInfo
        expected = hashlib.sha256(key).digest()[:4]
    else:              # Ed25519 (0x01) and cosignature/v1 (0x04): SHA-256(name || 0x0A || type || key)
        expected = hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + key).digest()[:4]
    if int(hash_hex, 16) != int.from_bytes(expected, "big"):
        raise ValueError("verifier key hash does not match its key: " + name)
    return name, int(hash_hex, 16), kind, key


def note_parse(note):
    split = note.rindex("\n\n")
    text, lines = note[:split + 1], note[split + 2:].rstrip("\n").split("\n")
    signatures = []
    for line in lines:
        if not line.startswith(EM_DASH):
            raise ValueError("not a signature line: " + line)
        name, sig64 = line[len(EM_DASH):].split(" ")
        raw = base64.b64decode(sig64)
        signatures.append((name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return text, signatures


def checkpoint_text(origin, size, root):
    return "%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode())


def der_from_p1363(signature):
    def integer(b):
        b = b.lstrip(b"\x00") or b"\x00"
        if b[0] & 0x80:
            b = b"\x00" + b
        return b"\x02" + bytes([len(b)]) + b
    body = integer(signature[:32]) + integer(signature[32:])
    return b"\x30" + bytes([len(body)]) + body


def ecdsa_note_verify(spki_der, text, der_signature):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = serialization.load_der_public_key(spki_der)
    try:
        key.verify(der_signature, text.encode(), ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def cosignature_verify(witness, text, signature):
    """c2sp.org/tlog-cosignature: 8-byte timestamp || Ed25519 over 'cosignature/v1\\ntime T\\n' || text."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    name, key_hash, kind, key = witness
    if kind != 0x04 or len(signature) != 72:
        return False
    timestamp = int.from_bytes(signature[:8], "big")
    message = ("cosignature/v1\ntime %d\n" % timestamp).encode() + text.encode()
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature[8:], message)
        return True
    except InvalidSignature:
        return False


def load_log_key(path_):
    """PEM or verifier key -> (point, key id, origin, spki der)."""
    text = open(path_).read()
    if text.lstrip().startswith("-----BEGIN"):
        body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
        der = base64.b64decode(body)
        origin = None
    else:
        origin, _, kind, der = vkey_parse(text)
        if kind != 0x02:
            raise ValueError("the log key is not an ECDSA verifier key")
    point, key_id = point_from_spki(der)
    return point, key_id, origin or "twinguard.ledger/" + key_id[:8].hex(), der


def point_from_spki(der):
    point = der[-65:]
    if point[0] != 4:
        raise ValueError("public key is not an uncompressed P-256 point")
    x = int.from_bytes(point[1:33], "big")
    y = int.from_bytes(point[33:], "big")
    if (y * y - (x * x * x + A * x + B)) % P != 0:
        raise ValueError("public key point is not on P-256")
    return (x, y), hashlib.sha256(der).digest()


def read_cosignatures(directory):
    path_ = os.path.join(directory, "cosignatures.tgw")
    result = []
    if os.path.exists(path_):
        for line in open(path_, encoding="utf-8").read().splitlines():
            size, _, sig_line = line.partition(" ")
            name, sig64 = sig_line[len(EM_DASH):].split(" ")
            raw = base64.b64decode(sig64)
            result.append((int(size), name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return result


def verify_note_file(note_path, key_path, witnesses):
    _, _, origin, spki = load_log_key(key_path)
    text, signatures = note_parse(open(note_path, encoding="utf-8").read())
    lines = text.rstrip("\n").split("\n")
    key_hash = int.from_bytes(hashlib.sha256(spki).digest()[:4], "big")
    if lines[0] != origin:
        fail("the note's origin is not the log's", origin=lines[0])
    mine = [s for s in signatures if s[0] == origin and s[1] == key_hash]
    if not mine or not all(ecdsa_note_verify(spki, text, s[2]) for s in mine):
        fail("no valid signature of the log key on the note")
    cosigners = []
    for w in witnesses:
        claimed = [s for s in signatures if s[0] == w[0] and s[1] == w[1]]
        for s in claimed:
            if not cosignature_verify(w, text, s[2]):
                fail("cosignature does not verify", witness=w[0])
            cosigners.append(w[0])
    print(json.dumps({"ok": True, "origin": origin, "treeSize": int(lines[1]),
                      "root": base64.b64decode(lines[2]).hex(), "cosigners": sorted(set(cosigners))}))


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
            if not any(data[offset:]):
                break  # zeros to the end of the file: space the writer reserved, not entries
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
        if magic != b"TGCP" or version not in (1, 2) or sig_length != 64:
            fail("malformed checkpoint", offset=i)
        result.append({"offset": i, "version": version, "size": size, "micros": micros, "root": data[i + 24:i + 56],
                       "keyId": data[i + 56:i + 88], "signed": data[i:i + 88], "signature": data[i + 88:i + 152]})
    return result


def option(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main():
    witnesses = [vkey_parse(sys.argv[i + 1]) for i, a in enumerate(sys.argv) if a == "--witness"]
    min_witnesses = int(option("--min-witnesses", "1"))
    if sys.argv[1] == "--note":
        verify_note_file(sys.argv[2], option("--public-key"), witnesses)
        return
    directory = sys.argv[1]
    leaves = read_leaves(directory)
    if len(sys.argv) == 5 and sys.argv[2] == "--inclusion":
        m, n = int(sys.argv[3]), int(sys.argv[4])
        print(json.dumps({"index": m, "treeSize": n, "leaf": leaves[m].hex(),
                          "path": [h.hex() for h in path(leaves, m, 0, n)], "root": mth(leaves, 0, n).hex()}))
        return
    key_path = option("--public-key")
    key_source = "given" if key_path else "log-own"
    public_point, key_id, origin, spki = load_log_key(key_path or os.path.join(directory, "signing-key.pub.pem"))
    checkpoints = read_checkpoints(directory)
    verified = 0
    notes = 0
    previous = 0
    texts = {}
    for c in checkpoints:
        if c["version"] == 2:
            # The signature covers the checkpoint note text; checked as the signed note's ECDSA line (DER).
            text = checkpoint_text(origin, c["size"], c["root"])
            ok = c["keyId"] == key_id and ecdsa_note_verify(spki, text, der_from_p1363(c["signature"]))
            texts[c["size"]] = (text, c["offset"])
            notes += 1 if ok else 0
        else:
            ok = c["keyId"] == key_id and ecdsa_verify(public_point, c["signed"], c["signature"])
        if not ok:
            fail("checkpoint signature does not verify", offset=c["offset"])
        if c["size"] < previous:
            fail("checkpoint tree sizes go backwards", offset=c["offset"])
        if c["size"] > len(leaves):
            fail("checkpoint signs more entries than the log has", offset=c["offset"], entry=len(leaves))
        if mth(leaves, 0, c["size"]) != c["root"]:
            fail("entries do not hash to the signed root", offset=c["offset"], entry=previous)
        previous = c["size"]
        verified += 1
    witnessed = 0
    cosignatures = 0
    if witnesses:
        valid = {}
        for size, name, key_hash, signature in read_cosignatures(directory):
            for w in witnesses:
                if w[0] == name and w[1] == key_hash and size in texts:
                    text, offset = texts[size]
                    if not cosignature_verify(w, text, signature):
                        fail("cosignature does not verify", offset=offset, witness=name, treeSize=size)
                    valid.setdefault(size, set()).add(name)
                    cosignatures += 1
        enough = [size for size, names in valid.items() if len(names) >= min_witnesses]
        if not enough:
            fail("no checkpoint is cosigned by enough of the given witnesses", required=min_witnesses)
        witnessed = max(enough)
    print(json.dumps({"ok": True, "treeSize": len(leaves), "root": mth(leaves, 0, len(leaves)).hex(),
                      "checkpoints": len(checkpoints), "signaturesVerified": verified, "notesVerified": notes,
                      "witnessedSize": witnessed, "cosignaturesVerified": cosignatures, "keySource": key_source,
                      "origin": origin, "keyId": key_id.hex()}))


if __name__ == "__main__":
    main()
