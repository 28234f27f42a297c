"""The organisation's policy as a typed model: parsing, validation and rules, no files."""
