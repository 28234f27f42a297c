"""Sync: the call package format and the targets it goes to (folder, S3)."""
