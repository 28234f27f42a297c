"""Transcripts as data: call time across pauses, masking, key phrases, CRM drafts, formats."""
