"""How each call state looks in the tray: icon and words."""

from __future__ import annotations

from enum import Enum

from PySide6.QtGui import QIcon

from companion.core.calls.session import CallSession, CallState
from companion.edges.paths import resources_dir


class TrayLook(Enum):
    IDLE = ("idle", "No call")
    ASKING = ("asking", "Asking for consent")
    RECORDING = ("recording", "Recording")
    PAUSED = ("paused", "Recording paused")
    NOTES = ("notes", "Notes only, not recording")

    @property
    def icon_name(self) -> str:
        return self.value[0]

    @property
    def words(self) -> str:
        return self.value[1]


_BY_STATE = {
    CallState.PREPARING: TrayLook.ASKING,
    CallState.ASKING: TrayLook.ASKING,
    CallState.AWAITING_RECONSENT: TrayLook.ASKING,
    CallState.CONSENTED: TrayLook.RECORDING,
    CallState.RECORDING: TrayLook.RECORDING,
    CallState.PAUSED: TrayLook.PAUSED,
    CallState.BLOCKED: TrayLook.NOTES,
    CallState.DECLINED: TrayLook.NOTES,
    CallState.STOPPED: TrayLook.NOTES,
    CallState.ENDED: TrayLook.IDLE,
}


def look_for(session: CallSession | None) -> TrayLook:
    return TrayLook.IDLE if session is None else _BY_STATE[session.state]


def icon(look: TrayLook) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{look.icon_name}.svg"))
