"""The organisation's desk: a house of its own, beside the rep's companion.

Managers, enablement, compliance and approvers use it to open calls with a purpose,
approve performance use, place legal holds, export evidence and read the program report.
It is a service (`companion desk serve`) on the organisation's server, the only holder of
the organisation's key; reviewers reach it through its API. It never runs on a rep's
laptop, so:

- it may import `companion.core` (policy, access rules, receipts, package formats) and the
  edges it needs (`companion.edges`: store, sync, secrets, paths, settings);
- it never imports the rep's `companion.app`, `companion.ui` or `companion.cli`, and those
  never import it; import-linter checks both directions in CI;
- the rep's `companion desk ...` verb loads `companion.desk.cli` only when asked for, so a
  laptop whose installation has no `desk/` folder runs the same.

Floors, arrows down: `cli` (and `admin`) -> `api` -> `app` -> `edges` ->
(`companion.edges`, `companion.core`).
"""
