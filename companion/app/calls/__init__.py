"""Calls: starting one, consent, watching for one, recovery after a crash, autosave.

`CallService` (service.py) runs one call at a time through the core's `CallSession`; records.py
writes each transition's evidence and audit entry; history.py prefills the next call, and
calendar.py from the rep's meetings around now; watch.py notices calls from the microphone;
recovery.py repairs recordings a killed process left; unsaved.py keeps what the store refused
(a full disk) until it can be written.
May use `companion.edges` and `companion.core`, and no other room of the app.
"""
