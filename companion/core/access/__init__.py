"""Access to the organisation's calls: the one door (`door.authorise`), the rules it reads
from the policy's `[access]`, approvals, legal holds, signed documents and receipts."""
