"""Whom the laptop trusts for its policy: the organisation's public keys, and where from.

Managed (installed by IT as root, see `paths.system_config_dir`):

    <system>/organisation-keys/*.pem   one or more Ed25519 public keys (rotation with
                                       overlap: a signature valid under any one counts)
    <system>/policy.toml (+ .sig)      the managed policy

A managed key or policy wins over anything in the rep's own folder: the rep's
`organisation-key.pem` is then ignored, and a policy in `<config>/` is used only when
signed by a managed key and newer than the managed policy (that is how a policy
fetched from the store arrives). Under `/etc` the folder must not be writable by
anyone but root, or nothing is trusted.

Unmanaged, the rep's `<config>/organisation-key.pem` is the key. Once a key was in use
on this laptop (remembered in `state`, or shown by a `.sig` beside the installed
policy) a missing key means no policy, never "unsigned is fine".
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from companion.edges.paths import AppPaths
from companion.edges.policy.signing import signature_path
from companion.edges.policy.state import PolicyState

KEYS_FOLDER = "organisation-keys"
MANAGED_POLICY = "policy.toml"


@dataclass(frozen=True)
class TrustAnchor:
    keys: tuple[Path, ...]  # a policy must be signed by one of these (none: unsigned is read)
    managed: bool  # the anchor is IT's root-owned folder
    managed_policy: Path | None
    problem: str | None = None  # nothing can be trusted: why (then notes-only)
    ignored: tuple[Path, ...] = ()  # the rep's files a managed anchor overrides

    @property
    def has_key(self) -> bool:
        return bool(self.keys)

    def describe(self) -> str:
        """For doctor and Settings: where the trust comes from, in a few words."""
        if self.problem:
            return self.problem
        if not self.keys:
            where = f"managed policy {self.managed_policy}" if self.managed_policy else "none"
            return (
                f"no organisation key ({where}): the policy published at the sync target "
                "is not fetched"
            )
        origin = "installed by IT" if self.managed else "in your settings folder"
        return f"{len(self.keys)} organisation key(s) {origin}: policies must be signed"


def trust_anchor(paths: AppPaths) -> TrustAnchor:
    system = paths.system_config
    unsafe = _unsafe(system)
    if unsafe:
        return TrustAnchor((), True, None, unsafe)
    managed_keys = tuple(sorted((system / KEYS_FOLDER).glob("*.pem")))
    managed_policy = system / MANAGED_POLICY
    has_policy = managed_policy.is_file()
    if managed_keys or has_policy:
        ignored = tuple(p for p in (paths.organisation_key, paths.policy_override) if p.exists())
        anchor = TrustAnchor(
            managed_keys, True, managed_policy if has_policy else None, ignored=ignored
        )
    elif paths.organisation_key.exists():
        anchor = TrustAnchor((paths.organisation_key,), False, None)
    else:
        anchor = TrustAnchor((), False, None)
    if not anchor.keys and not has_policy and _key_was_given(paths):
        return TrustAnchor(
            (),
            False,
            None,
            f"the organisation key is missing ({paths.organisation_key}); this computer "
            "had one, so an unsigned policy is not used: ask IT to put the key back",
        )
    return anchor


def _key_was_given(paths: AppPaths) -> bool:
    return (
        PolicyState.load(paths.policy_state).key_given
        or signature_path(paths.policy_override).exists()
    )


def _unsafe(system: Path) -> str | None:
    """Under /etc, IT's folder must be root's alone; elsewhere (tests) it is not checked."""
    if sys.platform == "win32" or not system.exists():
        return None
    resolved = system.resolve()
    if resolved.parts[:2] != ("/", "etc"):
        return None
    for path in (
        resolved,
        resolved / KEYS_FOLDER,
        *resolved.glob(f"{KEYS_FOLDER}/*.pem"),
        resolved / MANAGED_POLICY,
        resolved / (MANAGED_POLICY + ".sig"),
    ):
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        if info.st_uid != 0 or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return (
                f"{path} can be changed by someone other than root, so the organisation's "
                "keys and policy there are not trusted: ask IT to make it root-owned (0755/0644)"
            )
    if os.geteuid() != 0 and os.access(resolved, os.W_OK):
        return f"{resolved} is writable by this user: ask IT to make it root-owned"
    return None
