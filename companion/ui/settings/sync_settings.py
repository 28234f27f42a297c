"""Where finished calls go: a folder or S3, credentials into the keyring, a test button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLineEdit, QPushButton, QWidget

from companion.core.errors import UserFacingError, shown
from companion.edges.secrets import SecretStore
from companion.edges.settings import SettingsFile
from companion.edges.sync.configured import TargetChoice
from companion.edges.sync.targets import ConnectionReport
from companion.ui.background import run_in_background
from companion.ui.look.a11y import name_fields
from companion.ui.look.text import plain_label


class SyncSettings(QGroupBox):
    def __init__(
        self,
        settings: SettingsFile,
        secrets: SecretStore,
        test_connection: Callable[[], ConnectionReport],
        not_set_up: str | None = None,  # why nothing can be sent, whatever the target
        parent: QWidget | None = None,
        choice: TargetChoice | None = None,  # the target in force and who chose it
    ) -> None:
        super().__init__("Sync to the organisation", parent)
        self._settings, self._secrets, self._test = settings, secrets, test_connection
        self.pool = QThreadPool(self)
        chosen = settings.load()
        self.by_organisation = choice is not None and choice.by_organisation
        self.folder = QLineEdit(chosen.sync_folder or "")
        self.folder.setPlaceholderText("a network share or synced drive (not set up without one)")
        self.bucket = QLineEdit(chosen.s3_bucket or "")
        self.endpoint = QLineEdit(chosen.s3_endpoint or "")
        self.region = QLineEdit(chosen.s3_region or "")
        self.source = plain_label("")
        self.source.setWordWrap(True)
        if choice is not None and self.by_organisation:
            self._show_organisations(choice)
        self.access_key = QLineEdit()
        self.secret_key = QLineEdit()
        self.secret_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.access_key.setPlaceholderText("kept in the keyring, never in a file")
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test)
        self.result = plain_label(not_set_up or "")
        self.result.setWordWrap(True)
        form = QFormLayout(self)
        if self.by_organisation:
            form.addRow(self.source)
        for label, field in (
            ("Folder", self.folder),
            ("S3 bucket", self.bucket),
            ("S3 endpoint", self.endpoint),
            ("S3 region", self.region),
            ("Access key id", self.access_key),
            ("Secret key", self.secret_key),
        ):
            form.addRow(plain_label(label), field)
        form.addRow(self.save_button, self.test_button)
        form.addRow(self.result)
        name_fields(self)
        self._relays: list[object] = []

    def save(self) -> None:
        def text(field: QLineEdit) -> str | None:
            return field.text().strip() or None

        try:
            if not self.by_organisation:  # the organisation's target is not the rep's to keep
                self._settings.save(
                    self._settings.load().with_changes(
                        sync_folder=text(self.folder),
                        s3_bucket=text(self.bucket),
                        s3_endpoint=text(self.endpoint),
                        s3_region=text(self.region),
                    )
                )
        except UserFacingError as error:
            self.result.setText(error.shown())
            return
        try:
            if self.access_key.text() and self.secret_key.text():
                self._secrets.set("s3-access-key-id", self.access_key.text())
                self._secrets.set("s3-secret-access-key", self.secret_key.text())
        except UserFacingError as error:
            self.result.setText(f"Saved, but the keys could not be stored: {error.shown()}")
            return
        self.secret_key.clear()
        self.result.setText("Saved.")

    def _show_organisations(self, choice: TargetChoice) -> None:
        """The target the organisation set: shown, and read-only (only keys are the rep's)."""
        rules = choice.rules
        for field, value in (
            (self.folder, rules.folder),
            (self.bucket, rules.bucket),
            (self.endpoint, rules.endpoint),
            (self.region, rules.region),
        ):
            field.setText(value or "")
            field.setReadOnly(True)
            field.setToolTip("Set by your organisation")
        self.source.setText(f"Where calls go: {choice.words()}. Only the keys are yours to enter.")

    def test(self) -> None:
        """Save, then try the target off the GUI thread; the answer names the problem."""
        self.save()
        self.result.setText("Testing…")
        self.test_button.setEnabled(False)

        def done(report: object) -> None:
            assert isinstance(report, ConnectionReport)
            self.result.setText("Connection works." if report.ok else report.problem or "")
            self.test_button.setEnabled(True)

        def failed(error: BaseException) -> None:
            self.result.setText(shown(error))
            self.test_button.setEnabled(True)

        self._relays.append(run_in_background(self.pool, self._test, done, failed, self))
