"""``python -m teleprinter``."""

from teleprinter.cli import entry

entry()
