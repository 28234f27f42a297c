"""What a sync pass does for the organisation's side: the rep's own age recipient first,
then the rep's access receipts and the organisation's legal holds.

Only with an organisation that has reviewers (receipts) or approvers (holds) in its
policy. A failure here never fails the delivery: the summary says what waits, and the
next pass tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from companion.app.sync.profile import SyncProfile
from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy
from companion.edges.sync.targets import SyncTarget

log = logging.getLogger(__name__)


@dataclass
class OrgSync:
    context: SyncProfile
    target: SyncTarget
    policy: Policy
    identity: Any = None  # the rep's age identity (pyrage), once the keyring gave it
    device_key: Any = None  # signs packages, for an organisation with a desk service
    problem: str | None = None  # why receipts cannot be read this pass

    @classmethod
    def begin(cls, context: SyncProfile, target: SyncTarget, policy: Policy) -> OrgSync:
        """Make (first time) and publish the rep's recipient, before any package goes."""
        pass_ = cls(context, target, policy)
        if not policy.access.reviewers:
            return pass_
        from companion.app.sync.access_receipts import publish_recipient, rep_identity
        from companion.edges.sync.org_store import org_store_for

        try:
            pass_.identity = rep_identity(context.secrets)
        except UserFacingError as error:  # a locked or missing keyring
            pass_.problem = f"access receipts need the keyring ({error})"
            return pass_
        try:
            publish_recipient(org_store_for(target), pass_.identity, context.rep)
        except Exception as error:  # OSError or botocore's: delivery says why
            log.warning("recipient not published: %s", error)
        if policy.access.service is not None:
            pass_._device(context, target)
        return pass_

    def _device(self, context: SyncProfile, target: SyncTarget) -> None:
        from companion.app.sync.device_key import device_key, publish_device_key
        from companion.edges.sync.org_store import org_store_for

        try:
            self.device_key = device_key(context.secrets)
            publish_device_key(org_store_for(target), self.device_key, context.rep)
        except UserFacingError as error:  # packages go unsigned; the desk quarantines them
            self.problem = f"packages cannot be signed ({error})"
        except Exception as error:  # OSError or botocore's: the next pass publishes it
            log.warning("device key not published: %s", error)

    def finish(self, summary: str) -> str:
        return self._holds(self._receipts(summary))

    def _receipts(self, summary: str) -> str:
        if self.problem:
            return f"{summary}; {self.problem}"
        if self.identity is None:
            return summary
        from companion.app.sync.access_receipts import BOOK, fetch_receipts
        from companion.edges.sync.org_store import org_store_for

        context = self.context
        try:
            report = fetch_receipts(
                org_store_for(self.target),
                self.identity,
                self.policy,
                context.rep,
                context.paths.data_dir / BOOK,
                context.store,
            )
        except Exception as error:  # OSError, botocore's, a damaged store: the next pass tries
            return f"{summary}; access receipts wait for the next sync ({error})"
        warned = f", {len(report.warnings)} warning(s)" if report.warnings else ""
        # sealed before this companion published its key: not tampering, they come later
        waiting = f", {len(report.waiting)} waiting for your key" if report.waiting else ""
        return f"{summary}; {len(report.receipts)} access receipt(s){warned}{waiting}"

    def _holds(self, summary: str) -> str:
        if not self.policy.access.approvers:
            return summary
        from companion.app.sync.org_holds import missing_holds, sync_holds
        from companion.edges.sync.org_store import org_store_for

        context = self.context
        try:
            holds = sync_holds(
                org_store_for(self.target),
                self.policy,
                context.rep,
                context.paths.data_dir,
                context.store,
            )
        except Exception as error:  # OSError, botocore's: the holds known so far still stand
            return f"{summary}; legal holds wait for the next sync ({error})"
        missing = missing_holds(context.paths.data_dir)
        if missing:  # kept in force: only a signed release lifts a hold
            log.warning("legal holds missing from the store, kept: %s", ", ".join(missing))
            gone = f", {len(missing)} missing from the store (still in force)"
        else:
            gone = ""
        return f"{summary}; {len(holds)} legal hold(s){gone}" if holds else summary
