"""The fleet: every rep's laptop as its last signed heartbeat tells, for a compliance
role over all calls (the door's `fleet` rule decides; others get the door's refusal)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from companion.core.access.heartbeats import SILENT_DAYS, FleetRow
from companion.desk.app.fleet import fleet_for
from companion.desk.web.desk import Page
from companion.desk.web.pages.show import when


@dataclass(frozen=True)
class Flag:
    kind: str  # behind, silent, attention: how the page marks it
    text: str


@dataclass(frozen=True)
class Laptop:
    rep: str
    device: str
    app: str
    policy: str
    last_sync: str
    last_delivery: str
    queue: str
    refusals: str
    flags: tuple[Flag, ...]


def _flag(problem: str, policy: str | None) -> Flag:
    if problem.startswith("behind: app"):
        return Flag("behind", problem)
    if problem.startswith("old policy"):
        version = problem.removeprefix("old policy ")
        return Flag("behind", f"behind: policy {version} (in force {policy})")
    if problem.startswith("silent for"):
        return Flag("silent", problem)
    if problem.startswith("behind: ") and problem.endswith("waiting"):  # the queue
        return Flag("attention", problem.removeprefix("behind: ") + " to sync")
    return Flag("attention", problem)


def _laptop(row: FleetRow, policy: str | None) -> Laptop:
    beat = row.heartbeat
    flags = tuple(_flag(p, policy) for p in row.problems)
    if beat is None:
        return Laptop(row.rep, "", "", "", "", "", "", "", flags)
    return Laptop(
        rep=row.rep,
        device=beat.device[:12],  # enough to tell two laptops of one rep apart
        app=beat.app_version,
        policy=beat.policy_version or "none",
        last_sync=when(beat.sent_at),
        last_delivery=when(beat.last_delivery) or "never",
        queue=str(beat.queue),
        refusals=str(beat.refusals),
        flags=flags,
    )


def fleet_page(p: Page) -> Response:
    try:
        days = max(1, min(365, int(p.query.get("silent_days", SILENT_DAYS))))
    except ValueError:
        days = SILENT_DAYS
    rows = fleet_for(p.reviewer(), p.desk.now(), days)
    policy = p.desk.service.policy.version
    laptops = [_laptop(row, policy) for row in rows]
    attention = sum(1 for laptop in laptops if laptop.flags)
    return p.render(
        "fleet.html",
        laptops=laptops,
        attention=attention,
        silent_days=days,
        policy=policy,
    )
