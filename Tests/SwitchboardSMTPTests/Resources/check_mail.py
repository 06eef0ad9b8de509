#!/usr/bin/env python3
"""Reads a received .eml with Python's email package (policy=default) and prints what a
mail client would see, as JSON: subject, from, to, message-id, the content-type tree, the
plain and HTML bodies, and each attachment's file name, type, size and SHA-256. Used by the
Swift tests as an independent MIME reader."""
import email
import email.policy
import hashlib
import json
import sys


def tree(part):
    if part.is_multipart():
        return {"type": part.get_content_type(), "parts": [tree(p) for p in part.iter_parts()]}
    return {"type": part.get_content_type()}


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        attachments.append({
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        })
    defects = [type(d).__name__ for p in msg.walk() for d in p.defects]
    print(json.dumps({
        "subject": str(msg["subject"]) if msg["subject"] is not None else None,
        "from": str(msg["from"]),
        "to": str(msg["to"]),
        "message_id": str(msg["message-id"]),
        "date": str(msg["date"]),
        "mime_version": str(msg["mime-version"]),
        "tree": tree(msg),
        "text": plain.get_content() if plain is not None else None,
        "html": html.get_content() if html is not None else None,
        "attachments": attachments,
        "defects": defects,
        "max_line": max((len(l) for l in raw.split(b"\r\n")), default=0),
        "ascii_only": all(b < 128 for b in raw),
    }))


if __name__ == "__main__":
    main()
