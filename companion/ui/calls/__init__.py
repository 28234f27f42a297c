"""A call on screen: the prompt when one starts, the details and consent script, the block
reason, the call window, the always-on-top call bar and the global moment keys.
May use `ui.look` and the app's use cases.
"""
