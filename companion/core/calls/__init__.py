"""A call's lifecycle and the capture gate that consent alone opens; which meeting a call
is likely for (calendar.py)."""
