"""The admin console and the permission-gated dialogs the main window opens.

Every module here calls the core for each change. The core checks the role
again, so a disabled button is a convenience and never the only guard.
"""
