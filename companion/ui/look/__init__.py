"""The look: the theme as data (spacing, type, colours of each call state, one style sheet),
icons, how each call state looks, accessible names, plain text, table badges.
Imports nothing of the other ui rooms; they all use it.
"""
