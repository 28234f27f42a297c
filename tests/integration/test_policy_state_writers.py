"""Two writers of the remembered policy state at once (the tray's policy watch and a
worker thread, as in a CI run that failed on it) both finish, and the file stays whole."""

from __future__ import annotations

import json
import threading

from companion.edges.policy.state import PolicyState


def test_concurrent_saves_neither_fail_nor_leave_a_partial_file(tmp_path):
    path = tmp_path / "data" / "policy-state.json"
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def write(version: str) -> None:
        start.wait()
        try:
            for _ in range(200):
                PolicyState(True, version).save(path)
        except BaseException as error:  # what crashed the Qt event loop before
            errors.append(error)

    threads = [threading.Thread(target=write, args=(f"2026.12.{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert json.loads(path.read_text(encoding="utf-8"))["key_given"] is True
    assert [p.name for p in path.parent.iterdir()] == ["policy-state.json"]
