"""Reviewing an ended call: its moments, its CRM fields, and marking it ready to sync."""
