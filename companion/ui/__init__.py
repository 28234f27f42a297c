"""PySide6 only here: thin windows that call services and show state."""
