"""Starting the tray app: its icon first, then the rest, without holding up the GUI thread.

A bare PySide6 tray shows its icon in about 0.3 s; the floors below the ui (SQLAlchemy,
pydantic, the policy, the store) take longer than that just to import. So this module
imports only Qt and the few light pieces the icon needs, shows the icon, and builds the
app from the event loop: the Qt-free floors load and the context is built (database,
settings, policy, keyring handle) on a worker thread, then the tray's windows and
watchers on the GUI thread.

PySide6 replaces `builtins.__import__` with a hook that, for every module imported after
it (and every `from module import name` run later, at call time too), reads the module's
whole source (`inspect.getsource`) to see whether it mentions PySide6, for
`from __feature__ import ...`, which this app does not use; linecache then keeps every
line of every such module for the life of the process. For the app's ~600 modules that
is about 20 MB of idle memory and a good part of a second at start-up (measured,
`tests/bench/startup_memory.py`), so while the app runs, imports are Python's own.
"""

from __future__ import annotations

import builtins
import importlib
import linecache
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from companion.core.errors import UserFacingError
from companion.edges.paths import AppPaths
from companion.edges.profile_lock import ProfileLock
from companion.ui.look.icons import state_icon
from companion.ui.look.theme import Theme, current_palette
from companion.ui.shell.gui_garbage import GuiThreadGarbage
from companion.ui.shell.process import end_on_signals
from companion.ui.shell.single_instance import InstanceServer, claim_profile

if TYPE_CHECKING:
    from companion.app.compose import AppContext
    from companion.ui.shell.app import TrayApp

log = logging.getLogger(__name__)
# The event loop's first turns go to the icon (trayer docks it) before the app is built.
BUILD_DELAY_MS = 20
WORKER_JOIN_SECONDS = 30.0


@contextmanager
def unscanned_imports() -> Iterator[None]:
    """Imports here skip PySide6's source scan (module docstring): Python's own import."""
    scanning = builtins.__import__
    builtins.__import__ = importlib.__import__
    try:
        yield
    finally:
        builtins.__import__ = scanning


def _build_context(paths: AppPaths) -> AppContext:
    """The Qt-free floors, imported and wired; runs on a worker thread."""
    from companion.app.compose import build_context

    return build_context(paths)


class Start(QObject):
    """The app from its icon to up and running; owns what lives until the loop ends."""

    built = Signal(object)  # the AppContext, or the exception that stopped the build

    def __init__(
        self,
        paths: AppPaths,
        app: QApplication,
        icon: QSystemTrayIcon,
        on_started: Callable[[TrayApp], object] | None,
    ) -> None:
        super().__init__()
        self.paths, self.app, self.icon, self.on_started = paths, app, icon, on_started
        self.companion: TrayApp | None = None
        self.server: InstanceServer | None = None
        self.crash: BaseException | None = None  # raised again once the loop has ended
        self.code = 0
        self.worker = threading.Thread(target=self._build, name="start", daemon=True)
        self.built.connect(self._up, Qt.ConnectionType.QueuedConnection)

    def begin(self) -> None:
        self.worker.start()

    def _build(self) -> None:
        try:
            result: object = _build_context(self.paths)
        except BaseException as error:  # handed to the GUI thread
            result = error
        self.built.emit(result)

    def _up(self, result: object) -> None:
        try:
            if isinstance(result, UserFacingError):  # locked, corrupt, newer version
                self.icon.hide()
                self.code = refuse_to_start(result)
                self.app.exit(self.code)
                return
            if isinstance(result, BaseException):
                raise result
            self._show(cast("AppContext", result))  # what the worker built
        except BaseException as error:  # an unexpected crash: raised again after exec()
            self.crash = error
            self.app.exit(1)

    def _show(self, context: AppContext) -> None:
        from companion.ui.shell.app import TrayApp

        companion = TrayApp(context, self.app.quit, self.icon)
        self.companion = companion
        self.server = InstanceServer(self.paths.data_dir, companion.come_forward)
        companion.show()
        log.info("Rep Companion is up on %s", self.paths.data_dir)
        if self.on_started is not None:
            self.on_started(companion)

    def quit(self) -> None:
        """SIGTERM or Ctrl-C: the app's own quit once it is up, else just stop."""
        if self.companion is not None:
            self.companion.quit()
        else:
            self.app.quit()

    def close(self) -> None:
        if self.worker.is_alive():  # quit mid-start: the profile is not let go mid-migration
            self.worker.join(WORKER_JOIN_SECONDS)
        if self.server is not None:
            self.server.close()


def run(paths: AppPaths, on_started: Callable[[TrayApp], object] | None = None) -> int:
    """The tray app on `paths`' profile; `on_started` runs once it is up (drivers, tests)."""
    with unscanned_imports():
        # What the scan read so far (the modules Qt and this one loaded): freed now, its
        # room is reused by the imports to come instead of staying on for the app's life.
        linecache.clearcache()
        return _run(paths, on_started)


def _run(paths: AppPaths, on_started: Callable[[TrayApp], object] | None) -> int:
    app = QApplication(sys.argv)
    app.setApplicationName("Rep Companion")
    app.setQuitOnLastWindowClosed(False)
    Theme(app)  # the OS colour scheme's palette and the style sheet, live; the app owns it
    garbage = GuiThreadGarbage(app)  # no collection on worker threads: Qt objects die here
    lock = ProfileLock(paths.data_dir)
    try:
        if not claim_profile(paths.data_dir, lock):  # one app per profile: hand over to it
            print("Rep Companion is already running on this profile; brought it forward.")
            return 0
    except UserFacingError as error:
        return refuse_to_start(error)
    icon = QSystemTrayIcon(state_icon("idle", current_palette()))
    icon.setToolTip("Rep Companion: starting")
    start = Start(paths, app, icon, on_started)
    waker = end_on_signals(app, start.quit)  # kept: its sockets must outlive exec()
    icon.show()  # after the handlers: an app a rep (or a session's end) can see, quits cleanly
    QTimer.singleShot(BUILD_DELAY_MS, start.begin)
    try:
        code = app.exec()
    finally:
        garbage.stop()
        start.close()
        waker.close()
        lock.release()
    if start.crash is not None:
        raise start.crash
    return code


def refuse_to_start(error: UserFacingError) -> int:
    log.error("cannot start: %s", error)
    print(f"Rep Companion cannot start: {error.shown()}", file=sys.stderr)
    refused = QMessageBox(QMessageBox.Icon.Critical, "Rep Companion cannot start", "")
    refused.setTextFormat(Qt.TextFormat.PlainText)  # a file name is not markup
    refused.setText(error.shown())
    refused.exec()
    return 2
