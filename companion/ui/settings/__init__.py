"""Settings: devices, where finished calls go (folder or S3), and the transcription engine.
May use `ui.look` and the app.
"""
