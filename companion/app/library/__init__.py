"""The library: every call the rep made, searched and filtered, and what leaves it.

search.py finds calls by notes, moments, CRM text, accounts and what was said; exports.py
and its formats (notes_export, audio_export, transcript_export) write a call out for the
rep's own use, always audited. May use `companion.edges`, `companion.core`.
"""
