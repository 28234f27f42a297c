"""The organisation's policy: a signed TOML file, validated into a typed model."""

from companion.policy.load import PolicyError, PolicyProblem, load_policy, parse_policy
from companion.policy.model import Policy

__all__ = ["Policy", "PolicyError", "PolicyProblem", "load_policy", "parse_policy"]
