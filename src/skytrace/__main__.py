"""``python -m skytrace`` runs the command line."""

from skytrace.cli.main import entry

entry()
