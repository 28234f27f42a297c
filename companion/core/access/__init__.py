"""Who may see what of a call: the one door (`door.authorise`), the access rules it reads
from the policy's `[access]`, approvals, receipts, legal holds, devices, signed documents.

Qt-free and I/O-free; the desk service and the rep's companion both decide with these.
"""
