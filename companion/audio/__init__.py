"""Audio edge: devices and capture through PortAudio (sounddevice)."""
