"""Reviewing a call: the window, its timeline and player, transport, transcript panel, CRM
fields, exports, concerns and transcription progress. May use `ui.look` and the app.
"""
