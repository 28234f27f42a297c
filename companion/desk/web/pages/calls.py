"""The calls list: only what the reviewer's role covers (the service narrows the query and
the door checks each row), with filters and paging."""

from __future__ import annotations

from starlette.responses import Response

from companion.core.access.rules import role_of, sees_rep
from companion.desk.app.reads import CallFilter
from companion.desk.web.desk import Page
from companion.desk.web.pages.show import day_start, when

PAGE = 25


def _number(text: str | None) -> int:
    try:
        return max(1, min(int(text or 1), 10_000))
    except ValueError:
        return 1


def visible_reps(p: Page) -> list[str]:
    """The reps whose calls the role covers, for the filter's choices."""
    rules = p.desk.service.policy.access
    found = role_of(rules, p.person.id if p.person else "")
    if found is None:
        return []
    every = sorted({rep for reps in rules.teams.values() for rep in reps} | set(found[1].reps))
    return [rep for rep in every if sees_rep(rules, found[1], rep)]


def calls_page(p: Page) -> Response:
    q = p.query
    number = _number(q.get("page"))
    reps = visible_reps(p)
    wanted = CallFilter(
        rep=q.get("rep") or None,
        call_type=q.get("call_type") or None,
        since=day_start(q.get("since")),
        until=day_start(q.get("until"), after=True),
        limit=PAGE + 1,
        offset=(number - 1) * PAGE,
        team=q.get("team") or None,
        has_transcript={"yes": True, "no": False}.get(q.get("transcript", "")),
        tag=q.get("tag") or None,
    )
    reviewer = p.reviewer()
    found = reviewer.calls(wanted)  # a tag filter for a role without moments: refused, 403
    policy = p.desk.service.policy
    known = reviewer.known_tags()
    tags = None
    if known is not None:  # the policy's tags, and any older ones calls still carry
        tags = {key: tag.label for key, tag in policy.tags.items()}
        tags |= {key: key.replace("_", " ") for key in known if key not in tags}
    types = {key: kind.label for key, kind in policy.call_types.items()}
    rows = [
        {
            "id": call.package_id,
            "rep": call.rep,
            "type": types.get(call.call_type, call.call_type),
            "started": when(call.started_at),
            "audio": call.has_audio,
            "transcript": call.has_transcript,
        }
        for call in found[:PAGE]
    ]
    keep = {k: v for k, v in q.items() if k != "page" and v}
    teams = sorted(t for t, members in policy.access.teams.items() if set(members) & set(reps))
    return p.render(
        "calls.html",
        calls=rows,
        reps=reps,
        teams=teams,
        types=types,
        tags=tags,
        filters=q,
        page=number,
        more=len(found) > PAGE,
        keep=keep,
    )
