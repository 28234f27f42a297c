"""The library window: the rep's calls, searched and filtered, opened for review.
May use `ui.look`, `ui.review` (to open a call) and the app.
"""
