"""How each call state looks in the tray, the call bar and the call window: icon and words.

The colours are the theme's (`companion.ui.look.theme`), by the look's name.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtGui import QIcon

from companion.core.calls.session import CallSession, CallState
from companion.ui.look.icons import state_icon
from companion.ui.look.theme import current_palette


class TrayLook(Enum):
    IDLE = ("idle", "No call")
    ASKING = ("asking", "Asking for consent")
    RECORDING = ("recording", "Recording")
    PAUSED = ("paused", "Recording paused")
    NOTES = ("notes", "Notes only, not recording")
    BLOCKED = ("blocked", "Not recorded (blocked), notes only")

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
    CallState.BLOCKED: TrayLook.BLOCKED,
    CallState.DECLINED: TrayLook.NOTES,
    CallState.STOPPED: TrayLook.NOTES,
    CallState.ENDED: TrayLook.IDLE,
}


def look_for(session: CallSession | None) -> TrayLook:
    return TrayLook.IDLE if session is None else _BY_STATE[session.state]


def icon(look: TrayLook) -> QIcon:
    """The look's icon in the colour scheme in force, at every tray size."""
    return state_icon(look.icon_name, current_palette())
