"""PySide6 only here: thin windows that call the use cases in app/ and show state.

Rooms: `shell/` (tray, wiring, single instance, process signals, background work),
`look/` (theme, icons, accessible names), `calls/`, `review/`, `library/`, `settings/`.
"""
