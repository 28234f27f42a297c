"""What a signed-in reviewer reads, each through the one door (`core.access.door`), each
with its receipt committed before a byte is decrypted.

One `ReviewerSession` per request; the JSON routes and the web pages both call it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, delete, select

from companion.core.access.door import CallRef, Decision, Grant, Read, authorise
from companion.core.access.rules import role_of
from companion.core.errors import UserFacingError
from companion.core.policy.access import Part, Purpose, Whose
from companion.desk.edges.models import ApprovalRow, CallRow, CallTagRow, PlayRow
from companion.edges.sync.package import AUDIO, MANIFEST, MOMENTS, TRANSCRIPT_VTT, sha256_hex

if TYPE_CHECKING:
    from companion.desk.app.service import DeskService

ACTIONS = {
    Read.OPEN: "open",
    Read.MOMENTS: "open",
    Read.TRANSCRIPT: "read",
    Read.AUDIO: "play",
    Read.EXPORT: "export",
}
AUDIO_CHUNK = 64 * 1024
# A play lasts long enough to listen to the call twice with pauses, never a whole day:
# after it the player asks again (a new play, a new receipt).
PLAY_SLACK = timedelta(minutes=10)
PLAY_LONGEST = timedelta(hours=4)


@dataclass(frozen=True)
class Opening:
    """Why the reviewer opens a call: the purpose, a reason in words, an approval's id."""

    purpose: Purpose
    reason: str
    approval: str | None = None


@dataclass(frozen=True)
class Play:
    """A play of a call's audio the reviewer started (its receipt is written): the token
    its byte-range requests carry, bound to the reviewer, the holder, the call and why."""

    token: str
    call: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CallFilter:
    rep: str | None = None
    call_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0
    team: str | None = None  # the policy's [access.teams] entry (still only what the role sees)
    has_transcript: bool | None = None
    tag: str | None = None  # a moment's tag (the policy's key); the door decides who may ask


@dataclass(frozen=True)
class DeskCall:
    package_id: str
    rep: str
    call_type: str
    started_at: str
    has_audio: bool
    has_transcript: bool

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def call_ref(row: CallRow) -> CallRef:
    parts = {Part.MOMENTS_NOTES}
    parts |= {Part.AUDIO} if row.has_audio else set()
    parts |= {Part.TRANSCRIPT} if row.has_transcript else set()
    return CallRef(row.package_id, row.rep, frozenset(parts))


def _desk_call(row: CallRow) -> DeskCall:
    started = row.started_at.isoformat() if row.started_at else ""
    return DeskCall(
        row.package_id, row.rep, row.call_type, started, row.has_audio, row.has_transcript
    )


class ReviewerSession:
    def __init__(self, service: DeskService, reviewer: str) -> None:
        self.service, self.reviewer = service, reviewer
        self.rules = service.policy.access

    # -- listing -----------------------------------------------------------------------
    def _visible(self, query: Select[Any]) -> Select[Any] | None:
        """Narrow the query to the reps the role covers (the door checks each row too)."""
        found = role_of(self.rules, self.reviewer)
        if found is None:
            return None
        role = found[1]
        if role.calls is Whose.ALL:
            return query
        reps = role.reps if role.calls is Whose.NAMED else self.rules.teams.get(role.team or "", [])
        return query.where(CallRow.rep.in_(list(reps))) if reps else None

    def calls(self, wanted: CallFilter | None = None) -> list[DeskCall]:
        """The calls the reviewer's role covers, newest first; others are never listed.
        Filtering by tag needs a role that includes the moments (else AccessRefused)."""
        wanted = wanted or CallFilter()
        if not authorise(self.rules, self.reviewer, Read.LIST).allowed:
            return []
        read = Read.TAGS if wanted.tag else Read.LIST
        if read is Read.TAGS:  # which calls carry a tag says what their moments say
            decision = authorise(self.rules, self.reviewer, Read.TAGS)
            if not decision.allowed:
                raise self.service.refuse(self.reviewer, read.value, None, decision)
        query = self._visible(select(CallRow))
        if query is None:
            return []
        if wanted.rep:
            query = query.where(CallRow.rep == wanted.rep)
        if wanted.call_type:
            query = query.where(CallRow.call_type == wanted.call_type)
        if wanted.team:
            query = query.where(CallRow.rep.in_(list(self.rules.teams.get(wanted.team, []))))
        if wanted.has_transcript is not None:
            query = query.where(CallRow.has_transcript.is_(wanted.has_transcript))
        if wanted.tag:
            tagged = select(CallTagRow.package_id).where(CallTagRow.tag == wanted.tag)
            query = query.where(CallRow.package_id.in_(tagged))
        if wanted.since:
            query = query.where(CallRow.started_at >= wanted.since)
        if wanted.until:
            query = query.where(CallRow.started_at < wanted.until)
        query = query.order_by(CallRow.started_at.desc(), CallRow.package_id)
        query = query.limit(min(wanted.limit, 1000)).offset(wanted.offset)
        with self.service.db() as session:
            rows: list[CallRow] = list(session.execute(query).scalars().all())
        return [
            _desk_call(row)
            for row in rows
            if authorise(self.rules, self.reviewer, read, call_ref(row)).allowed
        ]

    def known_tags(self) -> list[str] | None:
        """The tags of the calls this reviewer may list, for the filter's choices; None
        for a role the door does not let filter by tag."""
        if not authorise(self.rules, self.reviewer, Read.TAGS).allowed:
            return None
        query = self._visible(select(CallRow.package_id))
        if query is None:
            return []
        with self.service.db() as session:
            found = session.execute(
                select(CallTagRow.tag).where(CallTagRow.package_id.in_(query)).distinct()
            ).scalars()
            return sorted(found)

    # -- one call ----------------------------------------------------------------------
    def find_row(self, call: str) -> CallRow | None:
        wanted = call if call.startswith("call-") else f"call-{call}"
        with self.service.db() as session:
            return session.get(CallRow, wanted)

    def _grant(self, approval: str | None) -> Grant | None:
        if not approval:
            return None
        with self.service.db() as session:
            row = session.get(ApprovalRow, approval)
        if row is None or row.status != "approved" or row.expires_at is None:
            return None
        return Grant(
            row.id,
            row.reviewer,
            Purpose(row.purpose),
            frozenset(json.loads(row.calls)),
            aware(row.expires_at),
        )

    def decide(self, call: str, read: Read, opening: Opening) -> tuple[CallRow, Decision]:
        """The one door for one call; refusals are audited and raised."""
        row = self.find_row(call)
        ref = call_ref(row) if row is not None else CallRef(call, "")
        decision = authorise(
            self.rules,
            self.reviewer,
            read,
            ref,
            purpose=opening.purpose,
            reason=opening.reason,
            grant=self._grant(opening.approval),
            now=self.service.clock(),
        )
        if row is None:  # no such call: the same answer as one the reviewer may not see
            decision = Decision(False, "desk.calls", "no such call", hidden=True)
        if not decision.allowed:
            raise self.service.refuse(self.reviewer, read.value, call, decision)
        assert row is not None
        return row, decision

    def admit(self, call: str, read: Read, opening: Opening) -> CallRow:
        """The door, then the receipt: after this returns, the read may decrypt."""
        row, decision = self.decide(call, read, opening)
        entry = self.rules.reviewers[self.reviewer]
        self.service.ledger.commit(
            row.rep,
            self.service.clock(),
            actor=self.reviewer,
            actor_name=entry.name,
            role=entry.role,
            role_kind=self.rules.roles[entry.role].kind.value,
            purpose=opening.purpose.value,
            reason=opening.reason.strip(),
            approval=decision.approval,
            action=ACTIONS[read],
            call=row.package_id,
            parts=[p.value for p in decision.parts],
        )
        return row

    def _sealed(self, row: CallRow, name: str) -> bytes:
        """The stored, still encrypted file, checked against the ingested index."""
        encrypted = name + ".age"
        expected = json.loads(row.files).get(encrypted)
        data = self.service.store.get(f"{row.package_id}/{encrypted}")
        if expected is None or data is None or sha256_hex(data) != expected["sha256"]:
            raise UserFacingError(f"{row.package_id}/{encrypted} is missing or damaged.")
        return data

    def _decrypt(self, row: CallRow, name: str) -> bytes:
        return self.service.custodian.decrypt(self._sealed(row, name))

    def open(self, call: str, opening: Opening) -> dict[str, Any]:
        """The call's facts, consent evidence, moments, notes and CRM fields."""
        row = self.admit(call, Read.OPEN, opening)
        manifest = json.loads(self._decrypt(row, MANIFEST))
        shown = ("package_id", "rep", "account", "call_type", "call", "consent", "moments")
        return {key: manifest.get(key) for key in shown} | {
            "crm_fields": manifest.get("crm_fields", {})
        }

    def moments(self, call: str, opening: Opening) -> str:
        row = self.admit(call, Read.MOMENTS, opening)
        return self._decrypt(row, MOMENTS).decode("utf-8")

    def transcript(self, call: str, opening: Opening) -> str:
        row = self.admit(call, Read.TRANSCRIPT, opening)
        return self._decrypt(row, TRANSCRIPT_VTT).decode("utf-8")

    def audio(self, call: str, opening: Opening) -> Iterator[bytes]:
        """The receipt is committed when this returns; the audio is decrypted as it is read."""
        row = self.admit(call, Read.AUDIO, opening)

        def chunks() -> Iterator[bytes]:
            yield from self.service.custodian.decrypt_stream(self._sealed(row, AUDIO), AUDIO_CHUNK)

        return chunks()

    def start_play(self, call: str, opening: Opening, holder: str) -> Play:
        """One play of the call's audio: the door, the receipt "play", then a token for
        the player's byte-range requests. `holder` names who may use it (the web desk
        passes its browser session's hash), so a copied token is of no use elsewhere."""
        row = self.admit(call, Read.AUDIO, opening)
        now = self.service.clock()
        length = timedelta(hours=1)
        if row.started_at and row.ended_at:
            length = aware(row.ended_at) - aware(row.started_at)
        expires = now + min(PLAY_SLACK + 2 * length, PLAY_LONGEST)
        token = secrets.token_urlsafe(32)
        with self.service.db.begin() as session:
            session.execute(delete(PlayRow).where(PlayRow.expires_at < now))
            session.add(
                PlayRow(token_hash=_token_hash(token), reviewer=self.reviewer, holder=holder,
                        call=row.package_id, part=Part.AUDIO.value, purpose=opening.purpose.value,
                        reason=opening.reason.strip(), approval=opening.approval, started_at=now,
                        expires_at=expires)
            )  # fmt: skip
        return Play(token, row.package_id, expires)

    def play_audio(self, call: str, opening: Opening, token: str, holder: str) -> Iterator[bytes]:
        """The audio again within a play already receipted (a seek, more buffering): the
        play must be this reviewer's, this holder's, of this call, for this purpose and
        not over; the door is asked again; no new receipt."""
        wanted = call if call.startswith("call-") else f"call-{call}"
        with self.service.db() as session:
            play = session.get(PlayRow, _token_hash(token)) if token else None
        problem = None
        if (
            play is None
            or play.reviewer != self.reviewer
            or not hmac.compare_digest(play.holder, holder)
            or play.call != wanted
            or play.part != Part.AUDIO.value
        ):
            problem = "this play is not yours; press Play on the call's page"
        elif (play.purpose, play.approval) != (opening.purpose.value, opening.approval):
            problem = "this play was started for another purpose; press Play again"
        elif self.service.clock() >= aware(play.expires_at):
            problem = "this play has ended; press Play again (the rep sees a new receipt)"
        if problem is not None:
            refusal = Decision(False, "desk.plays", problem)
            raise self.service.refuse(self.reviewer, Read.AUDIO.value, wanted, refusal)
        row, _decision = self.decide(wanted, Read.AUDIO, opening)  # the policy may have changed

        def chunks() -> Iterator[bytes]:
            yield from self.service.custodian.decrypt_stream(self._sealed(row, AUDIO), AUDIO_CHUNK)

        return chunks()

    def admitted_export(self, call: str, opening: Opening) -> CallRow:
        return self.admit(call, Read.EXPORT, opening)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
