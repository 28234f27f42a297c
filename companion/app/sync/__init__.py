"""Sync: delivering finished calls and hearing back from the organisation.

sync_pass.py is one pass (policy refresh, then delivery) for the tray and the CLI;
worker.py delivers ready calls with backoff; progress.py says where a pass is;
call_package.py packages a call; policy_refresh.py fetches the organisation's policy;
org_sync.py, org_holds.py and access_receipts.py are the organisation's side of a pass
(the rep's recipient, legal holds, who opened a call); concerns.py sends concerns;
enrolment.py enrols this laptop with the desk (`companion enrol`).
May use `companion.app.calls.service` (what a call is), the edges and the core.
"""
