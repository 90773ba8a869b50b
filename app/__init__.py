"""histkg: a knowledge graph of historical events.

The version lives in one place, ``pyproject.toml``; it is read back from the installed
distribution's metadata so the CLI, the web app and the docs never disagree.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("histkg")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
