"""A retry seals unchanged content to the same bytes, and changed content anew."""

from __future__ import annotations

import pyrage

from companion.edges.sync.package import encrypt_for
from companion.edges.sync.sealed_cache import SealedCache


def test_unchanged_content_is_resent_byte_for_byte_and_changed_content_is_not(tmp_path):
    org = pyrage.x25519.Identity.generate()
    to = [str(org.to_public())]
    cache = SealedCache(tmp_path / "sealed")
    first = cache.seal("call-1", "moments.vtt", b"WEBVTT\n\nhello", to, encrypt_for)
    again = cache.seal("call-1", "moments.vtt", b"WEBVTT\n\nhello", to, encrypt_for)
    assert again == first and pyrage.decrypt(first, [org]) == b"WEBVTT\n\nhello"
    changed = cache.seal("call-1", "moments.vtt", b"WEBVTT\n\nhello again", to, encrypt_for)
    assert changed != first and pyrage.decrypt(changed, [org]) == b"WEBVTT\n\nhello again"
    assert len(list((tmp_path / "sealed" / "call-1").iterdir())) == 1  # the stale seal went
    other = [str(pyrage.x25519.Identity.generate().to_public())]
    assert cache.seal("call-1", "moments.vtt", b"WEBVTT\n\nhello again", other, encrypt_for) != (
        changed
    )  # new recipients: sealed anew, so the new key can read it
    cache.forget("call-1")
    assert not (tmp_path / "sealed" / "call-1").exists()


def test_only_ciphertext_is_kept_on_disk(tmp_path):
    to = [str(pyrage.x25519.Identity.generate().to_public())]
    cache = SealedCache(tmp_path / "sealed")
    cache.seal("call-2", "manifest.json", b'{"account": "Acme secret notes"}', to, encrypt_for)
    for path in (tmp_path / "sealed").rglob("*"):
        if path.is_file():
            assert b"Acme" not in path.read_bytes()
