"""The review desk on a profile: its policy, its store (the profile's sync target), its keys."""

from __future__ import annotations

from companion.app.compose import AppContext
from companion.app.desk.keys import desk_keys
from companion.app.desk.service import ReviewDesk
from companion.app.org_access import org_store_for
from companion.app.sync_pass import sync_target
from companion.core.errors import UserFacingError


def open_desk(context: AppContext) -> ReviewDesk:
    policy = context.active_policy().policy
    if policy is None:
        raise UserFacingError(
            "The desk has no usable policy, so nothing can be opened.",
            "Put the organisation's signed policy in this profile's config folder.",
        )
    return ReviewDesk(
        org_store_for(sync_target(context)), policy, desk_keys(context.secrets), context.clock
    )
