"""Which policy is in force: IT's managed one, the rep's folder's, or the embedded default.

Who is trusted comes from `trust`. With an organisation key, the policy in force must
carry a valid signature, checked over the exact bytes before they are parsed; an
unsigned or tampered policy is refused and the app runs notes-only. A signed policy
older than one this laptop already had in force is refused too (see `state`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from companion.core.policy.active import ActivePolicy
from companion.core.policy.model import Policy
from companion.core.policy.parse import (
    MAX_POLICY_BYTES,
    PolicyError,
    PolicyProblem,
    parse_policy,
)
from companion.core.policy.versions import is_newer
from companion.edges.paths import AppPaths, resources_dir
from companion.edges.policy.state import PolicyState, remember
from companion.edges.policy.trust import TrustAnchor, trust_anchor


def load_policy(path: Path) -> Policy:
    from companion.edges.policy.signing import read_bounded

    try:
        raw = read_bounded(path, MAX_POLICY_BYTES)
    except OSError as error:
        raise PolicyError(
            str(path), [PolicyProblem("(file)", error.strerror or str(error))]
        ) from error
    return parse_policy(raw, str(path))


def default_policy_path() -> Path:
    return resources_dir() / "policy" / "default-policy.toml"


def policy_path_for(paths: AppPaths) -> Path:
    return paths.policy_override if paths.policy_override.exists() else default_policy_path()


def load_active_policy(paths: AppPaths, path: Path | None = None) -> ActivePolicy:
    anchor = trust_anchor(paths)
    if path is not None:
        return check_policy_file(path, anchor.keys)
    if anchor.problem:
        problem = PolicyProblem("organisation key", anchor.problem)
        source = str(paths.policy_override)
        return ActivePolicy(paths.policy_override, None, PolicyError(source, [problem]), False)
    active = _choose(paths, anchor)
    if active.policy is None or not active.signed:
        return active
    state = PolicyState.load(paths.policy_state)
    if not anchor.managed or active.path != anchor.managed_policy:
        floor = state.highest_version
        if floor is not None and is_newer(floor, active.policy.version):
            problem = PolicyProblem(
                "version",
                f"{active.policy.version} is older than {floor}, already in force on this "
                "computer (a policy is never rolled back)",
            )
            return ActivePolicy(active.path, None, PolicyError(str(active.path), [problem]), False)
    remember(paths.policy_state, active.policy.version, key_given=True)
    return active


def _choose(paths: AppPaths, anchor: TrustAnchor) -> ActivePolicy:
    if anchor.managed_policy is None:
        return check_policy_file(policy_path_for(paths), anchor.keys)
    managed = check_policy_file(anchor.managed_policy, anchor.keys)
    if not anchor.keys or not paths.policy_override.exists():
        return managed
    # A policy fetched from the store lands in the rep's folder: it replaces the managed
    # one only when a managed key signed it and it is newer.
    fetched = check_policy_file(paths.policy_override, anchor.keys)
    if fetched.policy is None:
        return managed
    if managed.policy is not None and not is_newer(fetched.policy.version, managed.policy.version):
        return managed
    return fetched


def check_policy_file(path: Path, public_keys: Sequence[Path] | Path | None) -> ActivePolicy:
    """Validate `path` and, where keys are given, its signature (first, over the bytes)."""
    from companion.edges.policy.signing import (  # cryptography loads only with a key
        SignatureError,
        verify_policy_file,
    )

    keys = [public_keys] if isinstance(public_keys, Path) else list(public_keys or ())
    try:
        if keys:
            policy = parse_policy(verify_policy_file(path, keys), str(path))
        else:
            policy = load_policy(path)
    except PolicyError as error:
        return ActivePolicy(path, None, error, signed=False)
    except SignatureError as error:
        field, _, message = str(error).partition(": ")
        problem = PolicyProblem(field, message)
        return ActivePolicy(path, None, PolicyError(str(path), [problem]), signed=False)
    except OSError as error:
        problem = PolicyProblem("(file)", error.strerror or str(error))
        return ActivePolicy(path, None, PolicyError(str(path), [problem]), signed=False)
    return ActivePolicy(path, policy, None, signed=bool(keys))
