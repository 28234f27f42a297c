"""The shell: the tray, its wiring (app.py), one app per profile, signals, background work,
messages and questions, and the windows that belong to no call (policy, retention warning).
May use every other ui room; only the shell wires them together.
"""
