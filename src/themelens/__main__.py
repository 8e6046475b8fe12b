"""``python -m themelens`` runs the command line."""

from themelens.cli import main

main()
