"""Someone who can write to the organisation's store, but holds no signing key, attacks.

Each attack runs against a real folder share and a real S3 server (moto), and against a
laptop without an organisation key, one with the key in the rep's folder, and one with
the key IT installed in the system folder. Whatever is planted, no call is ever sealed
to a recipient that no signed (or IT-placed) policy named, and the policy in force stays.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from access_helpers import Org
from call_helpers import ready_call
from s3_helpers import s3_target

from companion.app.sync.access_receipts import fetch_receipts
from companion.app.sync.org_holds import missing_holds, org_holds, sync_holds
from companion.app.sync.sync_pass import sync_pass
from companion.core.access import signed
from companion.core.access.receipts import GENESIS, receipt_body
from companion.core.policy.parse import parse_policy
from companion.edges.policy.files import default_policy_path
from companion.edges.policy.signing import generate_keypair, sign_policy
from companion.edges.secrets import SecretStore
from companion.edges.store import audit
from companion.edges.sync.org_s3 import S3OrgStore
from companion.edges.sync.org_store import FolderOrgStore

pytestmark = pytest.mark.usefixtures("secret_service")  # S3 keys live in the keyring
GOOD = "2026.12.1"
LAPTOPS = ("no key", "key in the rep's folder", "key installed by IT")


@dataclass(frozen=True)
class Keys:
    private: Path
    public: Path


@dataclass
class Store:
    """The organisation's store as the attacker writes it: folder or bucket."""

    kind: str
    put: Callable[[str, bytes], None]
    files: Callable[[], dict[str, bytes]]
    configure: Callable[[object], None]
    org_store: Callable[[], object]  # the store as the rep's companion reads it
    delete: Callable[[str], None]


def make_keys(folder: Path) -> Keys:
    folder.mkdir(parents=True)
    keys = Keys(folder / "organisation-private.pem", folder / "organisation-key.pem")
    generate_keypair(keys.private, keys.public)
    return keys


@pytest.fixture(scope="module")
def org_keys(tmp_path_factory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("org") / "keys")


@pytest.fixture(scope="module")
def attacker_keys(tmp_path_factory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("attacker") / "keys")


@pytest.fixture(scope="module")
def org_identity():
    return pyrage.x25519.Identity.generate()


@pytest.fixture(scope="module")
def attacker_identity():
    return pyrage.x25519.Identity.generate()


@pytest.fixture(scope="module")
def moto():
    pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    from peers.s3 import running_s3

    with running_s3() as peer:
        yield peer


def policy_text(version: str, recipient: str, extra: str = "") -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace('version = "2026.11.1"', f'version = "{version}"')
    return text + f'\n[sync]\nrecipients = ["{recipient}"]\n' + extra


def signed_files(folder: Path, text: str, keys: Keys) -> tuple[bytes, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path.read_bytes(), sign_policy(path, keys.private).read_bytes()


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path) -> Iterator[Store]:
    if request.param == "folder":
        root = tmp_path / "share"
        root.mkdir()

        def put(key: str, data: bytes) -> None:
            (root / key).parent.mkdir(parents=True, exist_ok=True)
            (root / key).write_bytes(data)

        def files() -> dict[str, bytes]:
            return {
                str(p.relative_to(root)): p.read_bytes()
                for p in root.rglob("*")
                if p.is_file() and ".incoming" not in p.parts
            }

        def configure(context) -> None:
            context.settings.save(context.settings.load().with_changes(sync_folder=str(root)))

        yield Store(
            "folder",
            put,
            files,
            configure,
            lambda: FolderOrgStore(root),
            lambda key: (root / key).unlink(),
        )
        return
    peer = request.getfixturevalue("moto")
    bucket = peer.make_bucket(object_lock=False)
    client = peer.client()

    def s3_put(key: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=key, Body=data)

    def s3_files() -> dict[str, bytes]:
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {
            o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed
        }

    def s3_configure(context) -> None:
        SecretStore().set("s3-access-key-id", "testing")
        SecretStore().set("s3-secret-access-key", "testing")
        context.settings.save(
            context.settings.load().with_changes(s3_bucket=bucket, s3_endpoint=peer.endpoint_url)
        )

    yield Store(
        "s3",
        s3_put,
        s3_files,
        s3_configure,
        lambda: S3OrgStore(s3_target(peer, bucket)),
        lambda key: client.delete_object(Bucket=bucket, Key=key),
    )


@pytest.fixture(params=LAPTOPS)
def laptop(request, make_context, store, org_keys, org_identity, tmp_path):
    """A rep's laptop in force with policy GOOD, sealing to the organisation's recipient."""
    context = make_context()
    store.configure(context)
    text = policy_text(GOOD, str(org_identity.to_public()))
    paths = context.paths
    if request.param == "no key":
        paths.policy_override.write_text(text, encoding="utf-8")
    elif request.param == "key in the rep's folder":
        raw, sig = signed_files(tmp_path / "it", text, org_keys)
        paths.organisation_key.write_bytes(org_keys.public.read_bytes())
        paths.policy_override.write_bytes(raw)
        (paths.config_dir / "policy.toml.sig").write_bytes(sig)
    else:
        system = paths.system_config
        (system / "organisation-keys").mkdir(parents=True)
        (system / "organisation-keys" / "2026.pem").write_bytes(org_keys.public.read_bytes())
        raw, sig = signed_files(system, text, org_keys)
    context.laptop = request.param
    assert context.active_policy().policy.version == GOOD
    return context


def sealed_only_to_the_organisation(store: Store, org_identity, attacker_identity) -> int:
    """Every encrypted file of every package opens for the organisation, never for the
    attacker; returns how many files were checked."""
    checked = 0
    for key, data in store.files().items():
        if not key.startswith("call-") or not key.endswith(".age"):
            continue
        pyrage.decrypt(data, [org_identity])
        with pytest.raises(pyrage.DecryptError):
            pyrage.decrypt(data, [attacker_identity])
        checked += 1
    return checked


def the_pass_holds(context, store, org_identity, attacker_identity, refused: str | None):
    """A call made before the attack goes out to the organisation only; GOOD stays."""
    ready_call(context, "Acme")
    result = sync_pass(context)
    assert result.summary.startswith("sync: 1 delivered"), result.summary
    assert sealed_only_to_the_organisation(store, org_identity, attacker_identity) >= 2
    active = context.active_policy()
    assert active.policy is not None and active.policy.version == GOOD
    assert active.policy.sync.recipients == [str(org_identity.to_public())]
    if context.laptop == "no key":
        assert not result.refresh.changed and "no organisation key" in result.refresh.message
        assert result.exit_code() == 0
    elif refused is not None:
        assert result.refresh.refused and refused in result.refresh.message
        assert result.exit_code() == 5
        with context.store() as db:
            assert "policy.refused" in [e["kind"] for e in audit.entries(db)]
    return result


def test_an_unsigned_policy_naming_the_attacker_is_never_installed(
    laptop, store, org_identity, attacker_identity
):
    text = policy_text("6.6.6", str(attacker_identity.to_public()))
    store.put("policy/policy.toml", text.replace("6.6.6", "9999.1.1").encode())
    the_pass_holds(laptop, store, org_identity, attacker_identity, "signature: missing")


def test_a_policy_signed_by_the_attackers_own_key_is_refused(
    laptop, store, org_identity, attacker_identity, attacker_keys, tmp_path
):
    text = policy_text("9999.1.1", str(attacker_identity.to_public()))
    raw, sig = signed_files(tmp_path / "forged", text, attacker_keys)
    store.put("policy/policy.toml", raw)
    store.put("policy/policy.toml.sig", sig)
    the_pass_holds(laptop, store, org_identity, attacker_identity, "signature: does not match")


def test_an_older_signed_policy_put_back_is_a_refused_rollback(
    laptop, store, org_identity, attacker_identity, org_keys, tmp_path
):
    # An old policy the organisation really signed, before the current recipients.
    old = policy_text("2026.11.1", str(attacker_identity.to_public()))
    raw, sig = signed_files(tmp_path / "old", old, org_keys)
    store.put("policy/policy.toml", raw)
    store.put("policy/policy.toml.sig", sig)
    result = the_pass_holds(laptop, store, org_identity, attacker_identity, "older than 2026.12.1")
    if laptop.laptop != "no key":
        assert "(a rollback)" in result.refresh.message


def test_a_deeply_nested_policy_is_refused_before_it_is_parsed(
    laptop, store, org_identity, attacker_identity
):
    nested = b"version = " + b"[" * 5000 + b"]" * 5000 + b"\n"
    store.put("policy/policy.toml", nested)
    store.put("policy/policy.toml.sig", b"AAAA\n")
    the_pass_holds(laptop, store, org_identity, attacker_identity, "signature: does not match")


def test_a_huge_policy_is_never_read_whole(laptop, store, org_identity, attacker_identity):
    store.put("policy/policy.toml", b"# " + b"x" * (2 * 1024 * 1024))
    the_pass_holds(laptop, store, org_identity, attacker_identity, "larger than")


def test_planted_receipt_names_are_one_warning_each_not_a_hang(store, context, tmp_path):
    org = Org()
    policy = parse_policy(org.policy_text().encode(), "org.toml")
    rep = pyrage.x25519.Identity.generate()
    body = receipt_body(
        rep="alice", seq=1, prev=GENESIS, reviewer="dana", rules=policy.access,
        purpose="coaching", reason="objection handling", approval=None, action="open",
        call="call-1", parts=["moments_notes"], at="2026-12-03T14:02:00+00:00",
    )  # fmt: skip
    document = signed.canonical(signed.sign(body, "dana", org.keys["dana"]))
    store.put("receipts/alice/00000001.json.age", pyrage.encrypt(document, [rep.to_public()]))
    store.put("receipts/alice/00000002.json.age", b"x" * (200 * 1024))  # never read whole
    store.put("receipts/alice/00050000.json.age", b"planted")
    store.put("receipts/alice/123456789012.json.age", b"planted")  # not a receipt name
    store.put("receipts/alice/7.json.age", b"planted")

    book = tmp_path / "access-receipts.json"
    for _ in range(2):  # the second pass warns of nothing new
        report = fetch_receipts(store.org_store(), rep, policy, "alice", book, context.store)
    assert [r.seq for r in report.receipts] == [1]
    assert report.warnings == [
        "Receipt 2 cannot be read: it is too large to be a receipt.",
        "Receipts 3 to 49999 are missing from the organisation's store.",
        "Receipt 50000 cannot be read: it is not encrypted to you, or it was changed.",
    ]
    with context.store() as db:
        kinds = [e["kind"] for e in audit.entries(db)]
    assert kinds.count("access.receipts_warning") == 3 and kinds.count("access.receipt") == 1


def test_a_deleted_hold_file_does_not_lift_the_hold_only_a_signed_release_does(
    store, context, tmp_path
):
    org = Org()
    policy = parse_policy(org.policy_text().encode(), "org.toml")
    data = tmp_path / "data"
    data.mkdir()

    def put(name: str, body: dict, signer: str = "legal") -> None:
        store.put(
            f"holds/{name}", json.dumps(signed.sign(body, "legal", org.keys[signer])).encode()
        )

    def holds() -> list[str]:
        return [h.id for h in sync_holds(store.org_store(), policy, "alice", data, context.store)]

    put("hold-1.json", {"kind": "hold", "id": "hold-1", "matter": "m", "accounts": ["Globex"]})
    assert holds() == ["hold-1"]
    store.delete("holds/hold-1.json")
    store.put("holds/huge.json", b"{" * (200 * 1024))  # never read whole; refused
    assert holds() == ["hold-1"] and holds() == ["hold-1"]  # kept, pass after pass
    assert missing_holds(data) == ["hold-1"]
    assert org_holds(data)[0].covers("c1", "Globex", "alice")  # the sweeper keeps its audio
    put("hold-1.release.json", {"kind": "release", "hold": "hold-1", "reason": "x"}, "intruder")
    assert holds() == ["hold-1"]  # a forged release lifts nothing
    put("hold-1.release.json", {"kind": "release", "hold": "hold-1", "reason": "settled"})
    assert holds() == [] and missing_holds(data) == []
    with context.store() as db:
        kinds = [e["kind"] for e in audit.entries(db)]
    assert kinds.count("legal_hold.missing") == 1 and kinds.count("legal_hold.released") == 1
