"""Wiring the app's dependencies once, for the tray and for the command line alike."""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from companion.app.calls.calendar import CalendarPrefill
from companion.app.calls.history import CallHistory
from companion.app.calls.service import CallService
from companion.app.calls.watch import CallWatch
from companion.app.library.exports import CallExports
from companion.app.library.search import LibraryQuery, LibraryRow, search_calls
from companion.app.messages import MessageChannel
from companion.app.review.service import ReviewService
from companion.app.review.transcript_view import CallTranscripts
from companion.app.transcripts.transcription import CallTranscriber
from companion.app.transcripts.worker import TranscriptionWorker, engine_for
from companion.core.calls.recorder import Recorder
from companion.core.calls.session import CallState
from companion.core.policy.active import ActivePolicy
from companion.core.policy.model import Transcription
from companion.edges.audio.container.keys import AudioKeys
from companion.edges.audio.mic_watch import MicWatch
from companion.edges.audio.recorder import AudioRecorder
from companion.edges.audio.sources import SourcePlan, plan_sources
from companion.edges.global_keys import GlobalKeys
from companion.edges.logs import configure_logging
from companion.edges.managed import ManagedSettings, load_managed
from companion.edges.paths import AppPaths, free_bytes
from companion.edges.platform.choose import far_end_for, global_keys_for, mic_watch_for
from companion.edges.policy.files import load_active_policy
from companion.edges.secrets import SecretStore, SecretStoreError
from companion.edges.settings import SettingsFile
from companion.edges.store.database import open_store
from companion.edges.store.transcripts import TranscriptFiles, TranscriptJobs
from companion.edges.sync.enrolment import load_enrolment
from companion.edges.sync.sealed_cache import SealedCache

log = logging.getLogger(__name__)


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
    secrets: SecretStore
    recorder: Recorder
    clock: Callable[[], datetime]
    call_watch: CallWatch
    exports: CallExports
    history: CallHistory
    global_keys: GlobalKeys
    transcripts: TranscriptFiles
    transcription: TranscriptionWorker
    transcript_view: CallTranscripts
    managed: ManagedSettings = field(default_factory=ManagedSettings)  # IT's, in /etc

    def active_policy(self) -> ActivePolicy:
        return load_active_policy(self.paths)

    def calendar(self) -> CalendarPrefill:
        """The start dialog's prefill from the rep's calendar (read only when asked)."""
        return CalendarPrefill(
            self.settings, self.history, lambda: self.active_policy().policy, self.clock
        )

    def search_calls(self, query: LibraryQuery) -> list[LibraryRow]:
        """The library's search: notes, moments, CRM text, and what was said."""
        return search_calls(self.store, query, self.active_policy().policy, self._said)

    def _said(self, text: str) -> set[str] | None:
        try:
            return self.transcripts.matching_calls(text)
        except SecretStoreError as error:  # a locked keyring: notes are still searched
            logging.getLogger(__name__).info("transcripts not searched: %s", error)
            return None


def current_rep() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): still attribute the action
        return "rep"


def build_context(
    paths: AppPaths | None = None,
    log_level: int = logging.INFO,
    *,
    secrets: SecretStore | None = None,
    recorder: Recorder | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    mic: MicWatch | None = None,
    keys_anywhere: GlobalKeys | None = None,
) -> AppContext:
    """Directories, rotating log, migrated store, message channel, call and review services.

    Every default is the real thing (the OS keyring, PortAudio capture, the wall clock);
    tests pass a test keyring, a `NullRecorder` or a settable clock instead.
    """
    paths = paths or AppPaths.from_environment()
    tightened = paths.ensure()
    configure_logging(paths.log_file, log_level)
    if tightened:  # an older version's profile: said once, as the next start finds none
        log.info("the profile was readable by others: %d entries now the rep's only", tightened)
    messages = MessageChannel()
    managed = load_managed(paths.system_config)  # IT's settings first; broken: no start
    settings = SettingsFile(paths.settings_file)
    settings.load()  # an unknown key stops the start with its name, not later mid-call
    store = open_store(paths.database)
    enrolled = load_enrolment(paths.config_dir)  # `companion enrol`: the desk's id for the rep
    rep = managed.rep(current_rep(), enrolled.rep if enrolled else None)  # IT's wins
    secrets = secrets or SecretStore()
    keys = AudioKeys(secrets)

    def chosen_sources() -> SourcePlan:
        choice = settings.load()
        return plan_sources(choice.mic_source, choice.far_end_source, rescan=True)

    if recorder is None:
        recorder = AudioRecorder(
            paths.recordings_dir, keys.master_key, chosen_sources, far_end_for()
        )
    policy = lambda: load_active_policy(paths)  # noqa: E731  (read afresh: refreshes apply)
    free_space = lambda: free_bytes(paths.data_dir)  # noqa: E731  (read at each check)
    calls = CallService(
        store,
        policy,
        messages,
        rep,
        recorder,
        clock,
        free_space,
        SealedCache.in_data(paths.data_dir),
    )
    review = ReviewService(store, policy, rep, clock)
    call_watch = CallWatch(mic or mic_watch_for(), policy, settings)
    exports = CallExports(store, rep, lambda: load_active_policy(paths).policy, keys.master_key)
    transcripts = TranscriptFiles(store, paths.transcripts_dir, keys.master_key)
    transcription = transcription_worker(
        store, transcripts, keys.master_key, review, calls, settings, paths, rep, clock
    )
    return AppContext(
        paths,
        messages,
        store,
        calls,
        rep,
        keys,
        settings,
        review,
        secrets,
        recorder,
        clock,
        call_watch,
        exports,
        CallHistory(store),
        keys_anywhere or global_keys_for(),
        transcripts,
        transcription,
        CallTranscripts(transcripts, TranscriptJobs(store), min_word_confidence(paths)),
        managed,
    )


def min_word_confidence(paths: AppPaths) -> Callable[[], float]:
    """The policy's threshold below which the transcript view marks a word."""

    def read() -> float:
        policy = load_active_policy(paths).policy
        return (policy.transcription if policy else Transcription()).min_word_confidence

    return read


def transcription_worker(
    store: sessionmaker[Session],
    transcripts: TranscriptFiles,
    master_key: Callable[[], bytes],
    review: ReviewService,
    calls: CallService,
    settings: SettingsFile,
    paths: AppPaths,
    rep: str,
    clock: Callable[[], datetime],
) -> TranscriptionWorker:
    """Transcription after each call; the thread starts with the tray, not here."""
    worker = TranscriptionWorker(
        TranscriptJobs(store),
        CallTranscriber(store, transcripts, master_key, review, rep, clock),
        lambda: load_active_policy(paths).policy,
        lambda policy: engine_for(policy, settings),
        lambda: calls.current is not None and calls.current.state is CallState.RECORDING,
        clock,
    )
    calls.subscribe(
        lambda session: (
            worker.kick() if session is None or session.state is CallState.ENDED else None
        )
    )
    return worker
