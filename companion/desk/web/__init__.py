"""The web desk: the desk service's face for managers, enablement, compliance and approvers.

Server-rendered pages (Starlette + Jinja2 with autoescape; a little JavaScript served as a
file, never inline), mounted at `/web` in the same ASGI app as the service's JSON routes.
Rooms: `signin/` (local accounts with argon2 hashes, OpenID Connect with Authlib, sessions
in HttpOnly cookies, sign-in rate limits) and `pages/` (calls, one call, approvals, holds,
receipts, the program report, evidence export).

Every page that shows a call goes through the service's use cases (`desk.app`), which
ask the one door (`core.access.door.authorise`) and write the receipt before decrypting:
this floor never reads the store and never decrypts. Its own tables (accounts, sessions,
failed sign-ins) live in the service's database, so service processes stay stateless.
"""
