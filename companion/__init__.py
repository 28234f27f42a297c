"""Rep Companion: a call-recording companion that cannot record without consent."""

__version__ = "0.1.0"
