"""The core: policy, the consent state machine and its grant, retention, errors.

Qt-free and I/O-free; every other layer builds on it and it imports none of them.
"""
