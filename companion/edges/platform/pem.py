"""Public keys as pushed by IT: a PEM block, or just its one base64 line.

A Group Policy list or a profile string holds one line comfortably; an Ed25519 public
key's PEM body is one 60-character line, so IT may paste only that.
"""

from __future__ import annotations

import textwrap


def as_pem(keys: object) -> object:
    """Each text that is not already PEM wrapped as a public key; other values unchanged."""
    items = [keys] if isinstance(keys, str) else keys
    if not isinstance(items, list | tuple) or not all(isinstance(k, str) for k in items):
        return keys
    return [_wrapped(str(k)) for k in items]


def _wrapped(key: str) -> str:
    body = key.strip()
    if body.startswith("-----BEGIN") or not body:
        return f"{body}\n" if body else body
    lines = "\n".join(textwrap.wrap("".join(body.split()), 64))
    return f"-----BEGIN PUBLIC KEY-----\n{lines}\n-----END PUBLIC KEY-----\n"
