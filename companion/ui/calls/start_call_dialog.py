"""Start call: who the call is with, what kind of call, where the customer is.

`CallDetailsForm` is prefilled from what the rep did before: recent accounts complete
as they type, the call type and region follow the account's last call (or the rep's
last call), and the script's language follows the region. With a calendar set, the
meetings around now are offered above (the one in progress first) and the first fills
the form, unless the rep has typed already.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from companion.app.calls.history import LastCall
from companion.app.calls.service import CallRequest
from companion.core.calls.calendar import CalendarOffer
from companion.core.policy.model import Policy
from companion.core.policy.rules import UNKNOWN_REGION, language_for
from companion.ui.look.a11y import name_fields
from companion.ui.look.fit import widen_popup
from companion.ui.look.text import plain_label

UNKNOWN_LABEL = "Other / not sure (strictest rules apply)"
NO_MEETING = "None of these: I fill it in"
TITLE_CHARS = 48  # a longer meeting title is cut, so the dialog stays a laptop's width
# Said next to the buttons it keeps disabled, so a disabled button always has its reason.
NEEDS_ACCOUNT = (
    "Type the account or contact above first: the call and its consent are filed under it."
)


def missing_label() -> QLabel:
    """What is missing before the call can start; shown only while something is."""
    label = plain_label(NEEDS_ACCOUNT)
    label.setWordWrap(True)
    label.setProperty("role", "muted")
    return label


class CallDetailsForm(QWidget):
    changed = Signal()

    def __init__(self, policy: Policy | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._policy = policy
        self.account = QLineEdit()
        self.account.setPlaceholderText("Account or contact")
        self.call_type = QComboBox()
        self.region = QComboBox()
        self.language = QComboBox()
        self.calendar = QComboBox()  # shown once the calendar has offered a meeting
        self.calendar.setAccessibleName("Meeting from your calendar")
        self.calendar_label = plain_label("From your calendar")
        self.reading = plain_label("Reading your calendar…")
        self.reading.setProperty("role", "muted")
        for widget in (self.calendar, self.calendar_label, self.reading):
            widget.setVisible(False)
        self._fill(policy)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        if policy is None:
            warning = plain_label(
                "The recording policy cannot be used: this call will be notes only."
            )
            warning.setWordWrap(True)
            form.addRow(warning)
        form.addRow(self.calendar_label, self.calendar)
        form.addRow(self.reading)
        form.addRow(plain_label("Account or contact"), self.account)
        form.addRow(plain_label("Call type"), self.call_type)
        form.addRow(plain_label("Customer region"), self.region)
        form.addRow(plain_label("Consent script language"), self.language)
        self.account.textChanged.connect(lambda _t: self.changed.emit())
        self.call_type.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.region.currentIndexChanged.connect(self._region_chosen)
        self.language.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.calendar.activated.connect(self._meeting_chosen)
        name_fields(self)

    def _fill(self, policy: Policy | None) -> None:
        if policy is None:
            self.call_type.addItem("Call", "unknown")
            self.region.addItem(UNKNOWN_LABEL, UNKNOWN_REGION)
            return
        for key, kind in policy.call_types.items():
            suffix = "" if kind.record else " (never recorded)"
            self.call_type.addItem(kind.label + suffix, key)
        for code, place in sorted(policy.jurisdictions.items(), key=lambda i: i[1].name):
            self.region.addItem(f"{place.name} ({code})", code)
        self.region.addItem(UNKNOWN_LABEL, UNKNOWN_REGION)
        for lang in policy.consent.scripts:
            self.language.addItem(lang, lang)
        self.language.setCurrentIndex(self.language.findData(policy.default_language))

    def prefill(self, accounts: list[str], last: LastCall | None, account: bool) -> None:
        """Recent accounts complete as the rep types; `account`: start from the last one."""
        completer = QCompleter(accounts, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.account.setCompleter(completer)
        widen_popup(completer, accounts, self.account)  # a long account is read whole
        if last is None:
            return
        if account:
            self.account.setText(last.account)
            self.account.selectAll()  # typing replaces it: a new account is one keystroke away
        self.follow(last)

    def reading_calendar(self, on: bool) -> None:
        self.reading.setVisible(on)

    def offer_calendar(self, offers: list[CalendarOffer]) -> None:
        """The meetings around now; the first fills the form if the rep has not typed."""
        self.reading.setVisible(False)
        if not offers:
            return
        self.calendar.clear()
        for offer in offers:
            self.calendar.addItem(meeting_words(offer), offer)
        self.calendar.addItem(NO_MEETING, None)
        self.calendar.setCurrentIndex(0)
        self.calendar.setVisible(True)
        self.calendar_label.setVisible(True)
        if not self.account.text().strip():
            self.use_meeting(offers[0])
        else:  # the rep was quicker: their words stay, the offer waits to be chosen
            self.calendar.setCurrentIndex(self.calendar.count() - 1)

    def _meeting_chosen(self, index: int) -> None:
        offer = self.calendar.itemData(index)
        if isinstance(offer, CalendarOffer):
            self.use_meeting(offer)

    def use_meeting(self, offer: CalendarOffer) -> None:
        """The meeting's account (its last call brings type and region), then its type."""
        self.account.setText(offer.account)
        self.account.selectAll()  # typing replaces it: another account is one keystroke away
        if offer.call_type is not None:
            index = self.call_type.findData(offer.call_type)
            if index >= 0:
                self.call_type.setCurrentIndex(index)

    def follow(self, last: LastCall) -> None:
        """The call type and region of `last` (the account's previous call)."""
        for box, value in ((self.call_type, last.call_type), (self.region, last.region)):
            index = box.findData(value)
            if index >= 0:
                box.setCurrentIndex(index)

    def _region_chosen(self) -> None:
        if self._policy is not None:
            language = language_for(self._policy, str(self.region.currentData()))
            self.language.setCurrentIndex(max(0, self.language.findData(language)))
        self.changed.emit()

    def request(self) -> CallRequest:
        return CallRequest(
            account=self.account.text().strip(),
            call_type=str(self.call_type.currentData()),
            region=str(self.region.currentData()),
            language=self.language.currentData(),
        )


def meeting_words(offer: CalendarOffer) -> str:
    """'Now: Acme weekly (09:00-10:00)', in this computer's time zone."""
    start, end = offer.meeting.start.astimezone(), offer.meeting.end.astimezone()
    when = "Now" if offer.in_progress else f"At {start:%H:%M}"
    title = offer.meeting.title or "(no title)"
    title = title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"
    return f"{when}: {title} ({start:%H:%M}-{end:%H:%M})"


class StartCallDialog(QDialog):
    def __init__(self, policy: Policy | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start call")
        self.details = CallDetailsForm(policy)
        # The form's fields, by the names the rest of the UI (and its tests) use.
        self.account, self.call_type = self.details.account, self.details.call_type
        self.region, self.language = self.details.region, self.details.language
        form = QFormLayout(self)
        form.addRow(self.details)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start call")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.missing = missing_label()
        form.addRow(self.missing)
        form.addRow(self.buttons)
        self.details.changed.connect(self._update_ok)
        self._update_ok()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        has_account = bool(self.account.text().strip())
        ok.setEnabled(has_account)
        self.missing.setVisible(not has_account)

    def request(self) -> CallRequest:
        return self.details.request()
