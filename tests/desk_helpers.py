"""Two profiles for the review-desk tests: a rep's (in this process, on the `secret_service`
keyring) and a reviewer's (`companion desk` in subprocesses, on a keyring of its own)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from access_helpers import Org
from cryptography.hazmat.primitives import serialization

from companion.core.policy.parse import parse_policy
from companion.core.transcripts.model import Transcript
from companion.edges.paths import AppPaths
from companion.edges.sync.package import build_package
from companion.edges.sync.package_facts import (
    CallSummary,
    ConsentFact,
    MomentFact,
    PackageAudio,
    PackageFacts,
)


def pem_of(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class DeskProfile:
    """A reviewer's profile: its own COMPANION_HOME and its own Secret Service."""

    home: Path
    bus: str
    org: Org

    @property
    def paths(self) -> AppPaths:
        root = self.home
        return AppPaths(root / "data", root / "config", root / "logs")

    def env(self) -> dict[str, str]:
        return os.environ | {
            "COMPANION_HOME": str(self.home),
            "DBUS_SESSION_BUS_ADDRESS": self.bus,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
        }

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "companion", "desk", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if ok:
            assert done.returncode == 0, done.stderr
        else:
            assert done.returncode != 0, done.stdout
        return done

    def python(self, code: str) -> None:
        subprocess.run([sys.executable, "-c", code], env=self.env(), check=True, timeout=60)

    def set_up(self, who: str, server: str, kind: str = "reviewer") -> None:
        """This profile as `who`'s desk: their signing key and the service's address."""
        self.paths.ensure()
        pem = self.home / f"{who}.pem"
        pem.write_bytes(pem_of(self.org.keys[who]))
        self.run("setup", f"--{kind}", who, "--server", server, "--signing-key", str(pem))
        pem.unlink()  # it lives in the keyring now

    def listed(self) -> list[str]:
        return [line.split()[0] for line in self.run("list").stdout.splitlines()]


def tone(seconds: float, hz: float = 440.0, rate: int = 48_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = (np.sin(2 * np.pi * hz * t) * 12_000).astype(np.int16)
    return np.stack([wave, wave], axis=1)


def recorded_package(
    org: Org,
    rep: str,
    call_id: str,
    seconds: float = 2.0,
    hz: float = 440.0,
    started: datetime | None = None,
    transcript: Transcript | None = None,
    tags: tuple[str, ...] = ("objection",),
):
    """A consented call of `rep` with audio, packaged as the rep's companion would; one
    moment per tag."""
    policy = parse_policy(org.policy_text().encode(), "org.toml")
    started = started or datetime.now(UTC) - timedelta(hours=1)
    summary = CallSummary(
        call_id, "Acme", "discovery", "DE", rep, policy.version, "ended", "recorded", None,
        started, started + timedelta(seconds=seconds),
    )  # fmt: skip
    consent = ConsentFact("granted", started, policy.version, "3", "en", "DE", rep)
    moments = tuple(
        MomentFact(1000 + n, tag, None, "price too high", True, False, started)
        for n, tag in enumerate(tags)
    )
    facts = PackageFacts(
        summary, (consent,), moments, {"next_steps": "send quote"}, 1,
        PackageAudio(tone(seconds, hz), 48_000), transcript,
    )  # fmt: skip
    return build_package(facts, policy, list(policy.sync.recipients))
