"""Audio edge: capture through PortAudio, the Opus encoder, the encrypted container,
the recorder and playback."""
