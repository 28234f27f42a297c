"""Asking an X server about its windows through libX11 with ctypes.

libX11 comes with trayer. One in-process round trip per query, so polling every few
milliseconds costs the app being watched almost no CPU; spawning `xwininfo` that often
would take a good part of a core.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

IS_VIEWABLE = 2  # XWindowAttributes.map_state


class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong),
        ("c_class", ctypes.c_int),
        ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
IO_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


def _ignore_x_error(_display: int | None, _event: int | None) -> int:
    # Windows come and go while we walk the tree; libX11's default handler would exit().
    return 0


_ignore_x_error_callback = ERROR_HANDLER(_ignore_x_error)
_KEEP_ALIVE: list[object] = []


_ULONG_P = ctypes.POINTER(ctypes.c_ulong)
_DISPLAY, _WINDOW, _ATOM = ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong
# name: (restype, argtypes) of every libX11 call made here; ctypes would guess them wrong
# (a Display* or an XID does not fit the C int it assumes on 64-bit).
_SIGNATURES: dict[str, tuple[type, list[type]]] = {
    "XOpenDisplay": (ctypes.c_void_p, [ctypes.c_char_p]),
    "XCloseDisplay": (ctypes.c_int, [_DISPLAY]),
    "XSetErrorHandler": (ctypes.c_void_p, [ERROR_HANDLER]),
    "XSetIOErrorHandler": (ctypes.c_void_p, [IO_ERROR_HANDLER]),
    "XDefaultRootWindow": (_WINDOW, [_DISPLAY]),
    "XInternAtom": (_ATOM, [_DISPLAY, ctypes.c_char_p, ctypes.c_int]),
    "XGetSelectionOwner": (_WINDOW, [_DISPLAY, _ATOM]),
    "XQueryTree": (
        ctypes.c_int,
        [
            _DISPLAY,
            _WINDOW,
            _ULONG_P,
            _ULONG_P,
            ctypes.POINTER(_ULONG_P),
            ctypes.POINTER(ctypes.c_uint),
        ],
    ),
    "XGetWindowProperty": (
        ctypes.c_int,
        [
            _DISPLAY,
            _WINDOW,
            _ATOM,
            ctypes.c_long,
            ctypes.c_long,
            ctypes.c_int,
            _ATOM,
            _ULONG_P,
            ctypes.POINTER(ctypes.c_int),
            _ULONG_P,
            _ULONG_P,
            ctypes.POINTER(ctypes.c_void_p),
        ],
    ),
    "XGetWindowAttributes": (ctypes.c_int, [_DISPLAY, _WINDOW, ctypes.POINTER(XWindowAttributes)]),
    "XFree": (ctypes.c_int, [ctypes.c_void_p]),
}


def load_libx11() -> ctypes.CDLL:
    """libX11 with the signatures of the calls made here."""
    path = ctypes.util.find_library("X11")
    if path is None:
        raise RuntimeError("libX11 not found (Debian package libx11-6, a dependency of trayer)")
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


class XConnection:
    """The few X requests tests and benchmarks need; every call is a round trip (fresh answers).

    `on_connection_lost` replaces libX11's I/O error handler, which exits the process
    when the X server goes away; libX11 still exits if the replacement returns.
    """

    def __init__(
        self, display: str, on_connection_lost: Callable[[int | None], int] | None = None
    ) -> None:
        self._x = load_libx11()
        self._x.XSetErrorHandler(_ignore_x_error_callback)
        if on_connection_lost is not None:
            # libX11 keeps only the C pointer: the ctypes object must outlive the handler.
            _KEEP_ALIVE.append(IO_ERROR_HANDLER(on_connection_lost))
            self._x.XSetIOErrorHandler(_KEEP_ALIVE[-1])
        self._display = self._x.XOpenDisplay(display.encode())
        if not self._display:
            raise RuntimeError(f"cannot open X display {display}")
        self.root = self._x.XDefaultRootWindow(self._display)
        self._atoms: dict[str, int] = {}

    def close(self) -> None:
        self._x.XCloseDisplay(self._display)

    def atom(self, name: str) -> int:
        if name not in self._atoms:
            self._atoms[name] = self._x.XInternAtom(self._display, name.encode(), False)
        return self._atoms[name]

    def selection_owner(self, selection: str) -> int:
        return self._x.XGetSelectionOwner(self._display, self.atom(selection))

    def children(self, window: int) -> list[int]:
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        kids = ctypes.POINTER(ctypes.c_ulong)()
        count = ctypes.c_uint()
        ok = self._x.XQueryTree(
            self._display,
            window,
            ctypes.byref(root),
            ctypes.byref(parent),
            ctypes.byref(kids),
            ctypes.byref(count),
        )
        if not ok:  # the window is gone
            return []
        try:
            return [kids[i] for i in range(count.value)]
        finally:
            if kids:
                self._x.XFree(kids)

    def descendants(self, window: int) -> list[int]:
        found: list[int] = []
        stack = self.children(window)
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(self.children(child))
        return found

    def _property(self, window: int, name: str) -> tuple[int, bytes | list[int]] | None:
        actual_type, actual_format = ctypes.c_ulong(), ctypes.c_int()
        count, after = ctypes.c_ulong(), ctypes.c_ulong()
        data = ctypes.c_void_p()
        status = self._x.XGetWindowProperty(
            self._display,
            window,
            self.atom(name),
            0,
            1024,
            False,
            0,  # AnyPropertyType
            ctypes.byref(actual_type),
            ctypes.byref(actual_format),
            ctypes.byref(count),
            ctypes.byref(after),
            ctypes.byref(data),
        )
        if status != 0 or not data.value:
            return None
        try:
            if actual_format.value == 8:
                return 8, ctypes.string_at(data.value, count.value)
            if actual_format.value == 32:  # libX11 hands 32-bit items over as C longs
                longs = ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))
                return 32, [longs[i] for i in range(count.value)]
            return None
        finally:
            self._x.XFree(data)

    def pid(self, window: int) -> int | None:
        value = self._property(window, "_NET_WM_PID")
        if value is None or value[0] != 32 or not value[1]:
            return None
        items = value[1]
        assert isinstance(items, list)
        return items[0]

    def wm_class(self, window: int) -> tuple[str, ...]:
        value = self._property(window, "WM_CLASS")
        if value is None or value[0] != 8:
            return ()
        raw = value[1]
        assert isinstance(raw, bytes)
        return tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)

    def viewable(self, window: int) -> bool:
        attributes = XWindowAttributes()
        if not self._x.XGetWindowAttributes(self._display, window, ctypes.byref(attributes)):
            return False
        return attributes.map_state == IS_VIEWABLE
