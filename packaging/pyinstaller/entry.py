"""PyInstaller's entry point for the one-folder bundle: the `companion` command."""

import sys

from companion.cli import main

if __name__ == "__main__":
    sys.exit(main())
