"""The desk's use cases: listing and opening calls by role and purpose, receipts, approvals,
legal holds, evidence bundles and the program report. May use `companion.core` and
`companion.edges`; never `companion.app` or `companion.ui`."""
