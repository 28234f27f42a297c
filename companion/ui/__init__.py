"""PySide6 only here: thin windows that call the use cases in app/ and show state."""
