"""Who may see what of a call: access rules, approvals, receipts, legal holds, signed documents.

Qt-free and I/O-free; the desk and the rep's companion both decide with these.
"""
