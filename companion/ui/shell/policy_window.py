"""The policy, purpose first: why we record, then the rules a rep works under."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from companion.core.policy.active import ActivePolicy
from companion.ui.look.text import plain_label


def policy_html(active: ActivePolicy) -> str:
    if active.policy is None:
        problems = active.error.problems if active.error else []
        items = "".join(
            f"<li><b>{html.escape(p.field)}</b>: {html.escape(p.message)}</li>" for p in problems
        )
        return (
            f"<h2>The policy cannot be used</h2><p>{html.escape(str(active.path))}</p>"
            f"<ul>{items}</ul><p>Calls are notes only until it is fixed.</p>"
        )
    p = active.policy
    e = html.escape
    kinds = "".join(
        f"<li>{e(k.label)}: {'recorded with consent' if k.record else e(k.reason or 'never')}</li>"
        for k in p.call_types.values()
    )
    rules = "".join(
        f"<li>{e(name)}: kept {r.local_days} days on this computer, "
        f"{r.organisation_days} days by the organisation</li>"
        for name, r in p.retention.items()
    )
    tags = ", ".join(e(t.label) for t in p.tags.values())
    script, _ = p.consent_script()
    status = "" if p.recording_enabled else "<p><b>Recording is switched off.</b></p>"
    return (
        f"<h2>Why we record</h2><p>{e(p.purpose)}</p>{status}"
        f"<h3>How we ask</h3><p><i>{e(script)}</i></p>"
        f"<p>If the customer declines: <i>{e(p.decline_script())}</i></p>"
        f"<h3>What is recorded</h3><ul>{kinds}</ul>"
        f"<h3>How long it is kept</h3><ul>{rules}</ul>"
        f"<h3>Tags</h3><p>{tags}</p>"
        f"<p>Policy {e(p.version)} from {e(p.organisation)}"
        f"{' (signed)' if active.signed else ''}.</p>"
    )


class PolicyWindow(QWidget):
    def __init__(self, active: ActivePolicy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recording policy")
        self.resize(560, 640)
        layout = QVBoxLayout(self)
        self.heading = plain_label("Recording policy")
        self.heading.setProperty("role", "title")
        self.body = QTextBrowser()
        self.body.setAccessibleName("The recording policy in force")
        self.body.setHtml(policy_html(active))
        layout.addWidget(self.heading)
        layout.addWidget(self.body)
