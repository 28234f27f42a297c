"""Settings: devices, where finished calls go (folder or S3), the transcription engine, and
the calendar that prefills the start dialog.
May use `ui.look`, `ui.calls` (how a meeting is worded) and the app.
"""
