"""A call's lifecycle and the capture gate that consent alone opens."""
