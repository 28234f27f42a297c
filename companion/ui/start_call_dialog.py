"""Start call: who the call is with, what kind of call, where the customer is."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from companion.app.calls import CallRequest
from companion.core.policy.model import Policy
from companion.core.policy.rules import UNKNOWN_REGION
from companion.ui.text import plain_label

UNKNOWN_LABEL = "Other / not sure (strictest rules apply)"


class StartCallDialog(QDialog):
    def __init__(self, policy: Policy | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start call")
        self.account = QLineEdit()
        self.account.setPlaceholderText("Account or contact")
        self.call_type = QComboBox()
        self.region = QComboBox()
        self.language = QComboBox()
        self._fill(policy)
        form = QFormLayout(self)
        if policy is None:
            warning = plain_label(
                "The recording policy cannot be used: this call will be notes only."
            )
            warning.setWordWrap(True)
            form.addRow(warning)
        form.addRow(plain_label("Account or contact"), self.account)
        form.addRow(plain_label("Call type"), self.call_type)
        form.addRow(plain_label("Customer region"), self.region)
        form.addRow(plain_label("Consent script language"), self.language)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start call")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.account.textChanged.connect(self._update_ok)
        self._update_ok()

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

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.account.text().strip()))

    def request(self) -> CallRequest:
        return CallRequest(
            account=self.account.text().strip(),
            call_type=str(self.call_type.currentData()),
            region=str(self.region.currentData()),
            language=self.language.currentData(),
        )
