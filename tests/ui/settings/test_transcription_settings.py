"""Settings says which engine transcribes, and the rep's choice is kept."""

from __future__ import annotations

from companion.app.transcripts.worker import engine_words
from companion.edges.settings import SettingsFile
from companion.ui.settings.transcription_settings import TranscriptionSettings


def test_choosing_an_engine_without_a_model_folder_says_what_is_missing(qtbot, tmp_path):
    settings = SettingsFile(tmp_path / "settings.json")
    box = TranscriptionSettings(settings, lambda: engine_words(None, settings))
    qtbot.addWidget(box)
    bundled = "faster-whisper, model whisper-base (bundled), language per call"
    assert box.status.text() == bundled
    box.engine.setCurrentIndex(box.engine.findData("pocketsphinx"))
    assert settings.load().transcription_engine == "pocketsphinx"
    assert box.status.text() == "pocketsphinx, model en-us (bundled), language en"
    box.engine.setCurrentIndex(box.engine.findData("faster-whisper"))
    assert settings.load().transcription_engine == "faster-whisper"
    assert box.status.text() == bundled
    box.model_dir.setText(str(tmp_path / "whisper-small"))
    box.model_dir.editingFinished.emit()
    assert settings.load().transcription_model_dir == str(tmp_path / "whisper-small")
    assert box.status.text() == (
        f"faster-whisper, model {tmp_path / 'whisper-small'}, language per call"
    )
    box.engine.setCurrentIndex(box.engine.findData(None))
    assert settings.load().transcription_engine is None
