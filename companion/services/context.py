"""Wiring the app's dependencies once, for the tray and for the command line alike."""

from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from companion.audio.keys import AudioKeys
from companion.audio.sources import SourcePlan, plan_sources
from companion.logs import configure_logging
from companion.messages import MessageChannel
from companion.paths import AppPaths
from companion.policy.source import ActivePolicy, load_active_policy
from companion.secrets import SecretStore
from companion.services.audio_recorder import AudioRecorder
from companion.services.calls import CallService
from companion.services.review import ReviewService
from companion.settings import SettingsFile
from companion.store.database import open_store


@dataclass
class AppContext:
    paths: AppPaths
    messages: MessageChannel
    store: sessionmaker[Session]
    calls: CallService
    rep: str
    audio_keys: AudioKeys
    settings: SettingsFile
    review: ReviewService

    def active_policy(self) -> ActivePolicy:
        return load_active_policy(self.paths)


def current_rep() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): still attribute the action
        return "rep"


def build_context(paths: AppPaths | None = None, log_level: int = logging.INFO) -> AppContext:
    """Directories, rotating log, migrated store, message channel, call service."""
    paths = paths or AppPaths.from_environment()
    paths.ensure()
    configure_logging(paths.log_file, log_level)
    messages = MessageChannel()
    store = open_store(paths.database)
    rep = current_rep()
    keys = AudioKeys(SecretStore())
    settings = SettingsFile(paths.settings_file)

    def chosen_sources() -> SourcePlan:
        choice = settings.load()
        return plan_sources(choice.mic_source, choice.far_end_source, rescan=True)

    recorder = AudioRecorder(paths.recordings_dir, keys.master_key, chosen_sources)
    calls = CallService(store, lambda: load_active_policy(paths), messages, rep, recorder)
    review = ReviewService(store, lambda: load_active_policy(paths), rep)
    return AppContext(paths, messages, store, calls, rep, keys, settings, review)
