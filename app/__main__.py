"""``python -m app`` runs the CLI, so tests and containers need no installed console script."""

from app.cli import main

main()
