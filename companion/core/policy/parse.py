"""Parsing policy bytes into a `Policy`, with errors a policy author can act on."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from pydantic import ValidationError

from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy


@dataclass(frozen=True)
class PolicyProblem:
    field: str
    message: str


class PolicyError(UserFacingError):
    """A policy that cannot be used; names the file and each bad field."""

    def __init__(self, source: str, problems: list[PolicyProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        lines = [f"{self.source}: policy rejected"]
        lines += [f"  {p.field}: {p.message}" for p in self.problems]
        return "\n".join(lines)


# A real policy is a few KB; anything near this is not one (and is never parsed).
MAX_POLICY_BYTES = 256 * 1024
NESTED = PolicyProblem("(syntax)", "nested too deeply to be a policy")


def parse_policy(raw: bytes, source: str) -> Policy:
    if len(raw) > MAX_POLICY_BYTES:
        size = f"{len(raw)} bytes; a policy is at most {MAX_POLICY_BYTES // 1024} KB"
        raise PolicyError(source, [PolicyProblem("(file)", size)])
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except RecursionError as error:  # deeply nested arrays or tables: hostile, not a policy
        raise PolicyError(source, [NESTED]) from error
    except UnicodeDecodeError as error:
        raise PolicyError(source, [PolicyProblem("(file)", f"not UTF-8 text: {error}")]) from error
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(
            source, [PolicyProblem("(syntax)", f"TOML syntax error: {error}")]
        ) from error
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        raise PolicyError(source, _problems(error)) from error
    except RecursionError as error:  # nesting tomllib survived but validation did not
        raise PolicyError(source, [NESTED]) from error


def _problems(error: ValidationError) -> list[PolicyProblem]:
    problems = []
    for item in error.errors(include_url=False):
        path = _dotted(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (not part of the policy schema; check the spelling)"
        elif item["type"] == "missing":
            message = "required but missing"
        if item["type"] == "value_error" and not item["loc"]:
            # Cross-reference errors carry their own field paths: split them out.
            for part in message.split("\n"):
                field, _, detail = part.partition(": ")
                problems.append(PolicyProblem(field, detail))
            continue
        problems.append(PolicyProblem(path or "(policy)", message))
    return problems


def _dotted(location: tuple[int | str, ...]) -> str:
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
