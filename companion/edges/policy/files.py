"""Which policy is in force: the organisation's file if present, else the embedded default.

When an organisation key is configured, the policy in force must carry a valid
signature; an unsigned or tampered policy is refused and the app runs notes-only.
"""

from __future__ import annotations

from pathlib import Path

from companion.core.policy.active import ActivePolicy
from companion.core.policy.model import Policy
from companion.core.policy.parse import PolicyError, PolicyProblem, parse_policy
from companion.edges.paths import AppPaths, resources_dir


def load_policy(path: Path) -> Policy:
    try:
        raw = path.read_bytes()
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
    path = path or policy_path_for(paths)
    key = paths.organisation_key if paths.organisation_key.exists() else None
    return check_policy_file(path, key)


def check_policy_file(path: Path, public_key: Path | None) -> ActivePolicy:
    """Validate `path` and, where a key is given, its signature."""
    from companion.edges.policy.signing import SignatureError, verify_policy_file  # only with a key

    try:
        policy = load_policy(path)
        if public_key is not None:
            verify_policy_file(path, public_key)
    except PolicyError as error:
        return ActivePolicy(path, None, error, signed=False)
    except SignatureError as error:
        field, _, message = str(error).partition(": ")
        problem = PolicyProblem(field, message)
        return ActivePolicy(path, None, PolicyError(str(path), [problem]), signed=False)
    return ActivePolicy(path, policy, None, signed=public_key is not None)
