"""Developer tools that read the repository (``tests/``), so they are not part of the package."""
