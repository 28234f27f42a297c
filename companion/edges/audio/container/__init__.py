"""The sealed audio container: Ogg Opus pages in AES-GCM records, never plaintext on disk.

format.py is the file layout; writer.py appends and flushes about once a second (a crash
loses at most a second); reader.py decrypts for playback, export and transcription;
keys.py keeps the master key in the OS keyring and wraps each file's own key.
May use `companion.edges.secrets` and `companion.core`.
"""
