"""The rep's use cases and their wiring; they own threads and lifecycles, know no widget.

Rooms, one per thing a rep does: `calls/` (start, consent, watch, recovery, autosave),
`review/` (moments, CRM, audio, transcript view), `library/` (search, exports),
`transcripts/` (transcription job, drafts, `companion transcribe`), `sync/` (passes,
delivery, packages, policy refresh, the organisation's side of a pass). At this level:
`compose.py` wires the edges into them (`build_context`), `messages.py` is the one message
channel, `doctor.py` and `retention_sweep.py` serve the command line and the tray.
May use `companion.edges` and `companion.core`; never `companion.ui` or `companion.desk`.
"""
