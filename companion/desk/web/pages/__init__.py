"""The desk's pages: each asks the service's use cases (`desk.app`) and renders the answer;
none reads the store or decrypts. Refusals of the one door are pages, not tracebacks."""
