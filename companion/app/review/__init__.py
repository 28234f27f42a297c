"""Reviewing an ended call: its moments, CRM fields, audio, transcript, and readiness to sync.

May use `companion.app.calls.service` (the call's records), the edges and the core.
"""
