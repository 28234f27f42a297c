"""The edges: the world behind small interfaces (store, audio, sync, keyring, files)."""
