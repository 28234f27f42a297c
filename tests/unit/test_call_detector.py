"""The call detector: which microphone users are calls, and when to say so."""

from __future__ import annotations

from companion.core.calls.detection import CallAppGone, CallDetector, CallStarting, MicUser
from companion.core.policy.model import CallDetection

RULES = CallDetection()
ZOOM = MicUser("ZOOM VoiceEngine", "zoom")
CHROME = MicUser("Google Chrome", "chrome")
RECORDER = MicUser("GNOME Sound Recorder", "gnome-sound-recorder")


def test_a_call_app_that_holds_the_mic_is_offered_once_after_the_pause():
    detector = CallDetector(RULES)
    assert detector.observe(0.0, frozenset({ZOOM})) == []
    assert detector.observe(0.9, frozenset({ZOOM})) == []  # a notification sound is shorter
    assert detector.observe(1.0, frozenset({ZOOM})) == [CallStarting("ZOOM VoiceEngine")]
    assert detector.observe(5.0, frozenset({ZOOM})) == []  # said once


def test_a_short_mic_open_is_not_a_call():
    detector = CallDetector(RULES)
    detector.observe(0.0, frozenset({ZOOM}))
    assert detector.observe(0.3, frozenset()) == []
    assert detector.observe(3.0, frozenset()) == []
    assert detector.observe(3.1, frozenset({ZOOM})) == []  # the pause starts again


def test_only_call_apps_count_and_the_rep_can_ignore_one():
    assert CallDetector(RULES).observe(9.0, frozenset({RECORDER})) == []
    detector = CallDetector(RULES, ignored=frozenset({"chrome"}))
    detector.observe(0.0, frozenset({CHROME, ZOOM}))
    assert detector.observe(2.0, frozenset({CHROME, ZOOM})) == [CallStarting("ZOOM VoiceEngine")]


def test_the_app_letting_the_mic_go_is_said_and_a_new_call_can_follow():
    detector = CallDetector(RULES)
    detector.observe(0.0, frozenset({ZOOM}))
    detector.observe(1.5, frozenset({ZOOM}))
    assert detector.observe(60.0, frozenset()) == [CallAppGone("ZOOM VoiceEngine")]
    detector.observe(61.0, frozenset({CHROME}))
    assert detector.observe(62.0, frozenset({CHROME})) == [CallStarting("Google Chrome")]


def test_detection_switched_off_by_the_policy_says_nothing():
    detector = CallDetector(CallDetection(enabled=False))
    detector.observe(0.0, frozenset({ZOOM}))
    assert detector.observe(10.0, frozenset({ZOOM})) == []
