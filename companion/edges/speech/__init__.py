"""Speech engines behind one `Transcriber` interface: audio in, timed words out, nothing stored."""
