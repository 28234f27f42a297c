"""The fleet: every rep's laptop as its last heartbeat tells (see
`companion.core.access.heartbeats`): app and policy version, when it was last seen, its
queue and refusals; who is behind, on an old policy, or silent for N days."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import TYPE_CHECKING

from companion.core.access.door import Read, authorise
from companion.core.access.heartbeats import SILENT_DAYS, FleetRow, fleet_row, read_heartbeat
from companion.edges.sync.org_store import OrgStore

if TYPE_CHECKING:
    from companion.desk.app.reads import ReviewerSession


def fleet_view(
    store: OrgStore,
    policy_version: str | None,
    now: datetime,
    silent_days: int = SILENT_DAYS,
    enrolled: dict[str, str] | None = None,
) -> list[FleetRow]:
    """One row per rep that sent a heartbeat or published a device key, sorted by rep.
    `enrolled` (device key -> rep): keys the service enrolled count as the rep's too."""
    rows = []
    for rep in sorted(set(store.folders("fleet")) | set(store.folders("reps"))):
        raw = store.get(f"fleet/{rep}/heartbeat.json")
        device = store.get(f"reps/{rep}/device.txt")
        if raw is None:
            rows.append(fleet_row(rep, None, False, "no heartbeat", policy_version, now))
            continue
        device_key = device.decode("ascii", errors="replace") if device else None
        beat, verified, problem = read_heartbeat(raw, rep, device_key)
        verified = verified or (beat is not None and (enrolled or {}).get(beat.device) == rep)
        rows.append(fleet_row(rep, beat, verified, problem, policy_version, now, silent_days))
    return rows


def fleet_lines(rows: list[FleetRow], now: datetime) -> list[str]:
    """The fleet as a plain table (the desk's command line prints it)."""
    lines = [f"{'rep':32} {'app':8} {'policy':12} {'last seen':>10} {'queue':>5}  status"]
    for row in rows:
        beat = row.heartbeat
        if beat is None:
            lines.append(f"{row.rep:32} {'-':8} {'-':12} {'-':>10} {'-':>5}  {row.status}")
            continue
        seen = now - beat.sent_at
        ago = f"{seen.days} d ago" if seen.days else f"{seen.seconds // 3600} h ago"
        lines.append(
            f"{row.rep:32} {beat.app_version:8} {beat.policy_version or '-':12} {ago:>10} "
            f"{beat.queue:>5}  {row.status}"
        )
    return lines


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version))


def behind_on_app(rows: list[FleetRow]) -> list[FleetRow]:
    """Flag laptops on an older app than the newest a verified heartbeat reports."""
    seen = [r.heartbeat.app_version for r in rows if r.heartbeat is not None and r.verified]
    if not seen:
        return rows
    newest = max(seen, key=_version_key)
    flagged = []
    for row in rows:
        beat = row.heartbeat
        if beat is not None and _version_key(beat.app_version) < _version_key(newest):
            problem = f"behind: app {beat.app_version} (newest {newest})"
            row = dataclasses.replace(row, problems=(problem, *row.problems))
        flagged.append(row)
    return flagged


def fleet_for(
    session: ReviewerSession, now: datetime, silent_days: int = SILENT_DAYS
) -> list[FleetRow]:
    """The fleet for a reviewer the door lets see it (a refusal is audited and raised)."""
    from companion.desk.app.ingest import enrolled_devices

    service = session.service
    decision = authorise(session.rules, session.reviewer, Read.FLEET)
    if not decision.allowed:
        raise service.refuse(session.reviewer, Read.FLEET.value, None, decision)
    rows = fleet_view(
        service.store, service.policy.version, now, silent_days, enrolled_devices(service)
    )
    return behind_on_app(rows)
