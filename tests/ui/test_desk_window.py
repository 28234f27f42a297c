"""The desk's window, driven as a reviewer would: only the role's calls are listed, a
purpose the role lacks is refused in words, and opening writes the receipt first."""

from __future__ import annotations

import pytest
from access_helpers import Org
from desk_helpers import recorded_package
from PySide6.QtCore import Qt

from companion.app.desk.keys import DeskKeys
from companion.app.desk.service import ReviewDesk
from companion.core.policy.access import Purpose
from companion.core.policy.parse import parse_policy
from companion.edges.sync.folder_target import FolderTarget
from companion.edges.sync.org_store import FolderOrgStore, receipt_numbers
from companion.ui.desk_window import DeskWindow


@pytest.fixture
def window(qtbot, tmp_path):
    org = Org()
    for rep, call_id in (("alice", "a1"), ("carol", "c1")):
        package = recorded_package(org, rep, f"5e1f0000-0000-4000-8000-0000000000{call_id}")
        FolderTarget(tmp_path).put_package(package)
    policy = parse_policy(org.policy_text().encode(), "org.toml")
    desk = ReviewDesk(FolderOrgStore(tmp_path), policy, DeskKeys("dana", org.age, org.keys["dana"]))
    shown = DeskWindow(desk)
    qtbot.addWidget(shown)
    return shown


def test_the_window_lists_the_team_and_opens_with_a_reason(qtbot, window):
    assert [window.table.item(r, 1).text() for r in range(window.table.rowCount())] == ["alice"]
    window.table.selectRow(0)
    qtbot.mouseClick(window.buttons["open"], Qt.MouseButton.LeftButton)
    assert "Say why you open this call" in window.problem.text()
    qtbot.keyClicks(window.reason, "objection handling")
    qtbot.mouseClick(window.buttons["open"], Qt.MouseButton.LeftButton)
    assert window.problem.text() == ""
    assert "[Objection] price too high" in window.shown.toPlainText()
    assert receipt_numbers(window.desk.store, "alice") == [1]


def test_a_purpose_the_role_lacks_is_refused_in_words(qtbot, window):
    window.table.selectRow(0)
    window.purpose.setCurrentIndex(window.purpose.findData(Purpose.HR_REVIEW.value))
    qtbot.keyClicks(window.reason, "curious")
    qtbot.mouseClick(window.buttons["play"], Qt.MouseButton.LeftButton)
    assert "may not open calls for hr review" in window.problem.text()
    assert receipt_numbers(window.desk.store, "alice") == []
