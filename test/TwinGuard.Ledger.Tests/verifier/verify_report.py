#!/usr/bin/python3
"""Independent check of a TwinGuard compliance report (twinguard compliance report --format json), written from
docs/ledger-format.md and docs/compliance.md. It reuses verify_ledger.py's RFC 6962 hashing and signature checks and
shares no code with the C# implementation.

    verify_report.py REPORT.json --public-key FILE   -> JSON: ok, treeSize, citations, citationsVerified, problems

For the checkpoint in the report: its signature with the given key (a version 2 checkpoint as the C2SP signed-note
ECDSA line, a version 1 checkpoint over its 88-byte body). For every cited entry: the leaf hash recomputed from its
index, kind, time and payload (the record header of docs/ledger-format.md), and its audit path verified against the
signed root (RFC 9162 section 2.1.3.2). Every entry a control cites must be among the proven ones.
Exit code 0 when everything verifies, 1 when something does not.
"""
import base64
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_ledger import (checkpoint_text, der_from_p1363, ecdsa_note_verify, ecdsa_verify, leaf_hash,  # noqa: E402
                           load_log_key, node_hash)


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 section 2.1.3.2."""
    if index < 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def main():
    report = json.load(open(sys.argv[1], encoding="utf-8"))
    key_path = sys.argv[sys.argv.index("--public-key") + 1]
    point, key_id, origin, spki = load_log_key(key_path)
    problems = []
    encoded = base64.b64decode(report["checkpoint"]["encoded"])
    magic, version, sig_length, size, micros = struct.unpack(">4sHHqq", encoded[:24])
    root, cp_key_id, signature = encoded[24:56], encoded[56:88], encoded[88:152]
    if magic != b"TGCP" or len(encoded) != 152:
        problems.append({"problem": "the checkpoint is not a TwinGuard checkpoint"})
    if version == 2:
        origins = {origin, report.get("ledger", {}).get("origin", origin)}
        signed = cp_key_id == key_id and any(
            ecdsa_note_verify(spki, checkpoint_text(o, size, root), der_from_p1363(signature)) for o in origins)
    else:
        signed = cp_key_id == key_id and ecdsa_verify(point, encoded[:88], signature)
    if not signed:
        problems.append({"problem": "the checkpoint is not signed by the given key"})
    proven = set()
    for c in report["citations"]:
        index = c["index"]
        if c.get("payloadWithheld"):
            leaf = bytes.fromhex(c["leafHash"])  # a file recorded before redaction: its inclusion only
        else:
            payload = base64.b64decode(c["payloadBase64"])
            record = struct.pack(">BBHIqq", 0, 1, c["kindCode"], len(payload), index, c["timestampMicros"]) + payload
            leaf = leaf_hash(record)
        path = [bytes.fromhex(h) for h in c["proof"]["path"]]
        if c["proof"]["treeSize"] != size or c["proof"]["leafIndex"] != index:
            problems.append({"entry": index, "problem": "the proof is not for this entry in the report's checkpoint"})
        elif not verify_inclusion(index, size, leaf, path, root):
            problems.append({"entry": index, "problem": "the inclusion proof does not lead to the signed root"})
        else:
            proven.add(index)
    unproven = set()
    for control in report["controls"]:
        for evidence in control["evidence"]:
            for index in evidence["entries"]:
                if index not in proven and index not in unproven:
                    problems.append({"entry": index, "problem": "cited by %s without a proof that verifies" % control["id"]})
                    unproven.add(index)
    print(json.dumps({"ok": not problems, "treeSize": size, "root": root.hex(), "citations": len(report["citations"]),
                      "citationsVerified": len([c for c in report["citations"] if c["index"] in proven]),
                      "problems": problems}))
    sys.exit(0 if not problems else 1)


if __name__ == "__main__":
    main()
