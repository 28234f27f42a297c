"""The desk service's HTTP JSON API (Starlette, served by uvicorn): every route checks
the caller's signed request, then calls the use cases in `desk.app` (the one door and
the receipts live there, not here). The web desk mounts the same app's use cases."""
