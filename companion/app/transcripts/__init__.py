"""Transcripts on the laptop: the engines' use cases, drafts, masking, the job queue.

transcription.py transcribes a finished call side by side and masks it; worker.py is the
low-priority job thread that never runs while a call records; drafts.py turns a transcript
into moments and CRM text the rep confirms; transcribe_file.py is `companion transcribe`.
May use `companion.app.review` (drafts land in a review), the edges and the core.
"""
