"""Swap two directories in one atomic step: Linux ``renameat2(RENAME_EXCHANGE)``.

Why: a big load is written into a staged copy of the store (``app.backends.embedded``), which
must then take the live store's place so that a crash at any moment leaves one or the other,
never neither. Two ``rename`` calls have a gap between them where the store path is empty;
``RENAME_EXCHANGE`` swaps both names in the kernel at once (Linux 3.15+, on ext4, XFS, Btrfs,
tmpfs and others). Python's ``os`` module does not wrap ``renameat2`` and no maintained PyPI
package does more than the ten lines below, so they call glibc through ``ctypes``.

Where the call is missing (another OS, an old libc) or the file system refuses it,
``supported`` says so and the caller writes through a transaction instead.
"""

import ctypes
import errno
import os
import tempfile
from pathlib import Path

EXCHANGE_PREFIX = ".histkg-exchange-"
"""Prefix of the probe directory of ``supported`` (then a pid), swept like a staged load's."""
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2() -> "ctypes._NamedFuncPointer | None":
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not glibc 2.28+, or not Linux
        return None


_CALL = _renameat2()


def exchange(first: Path, second: Path) -> None:
    """Atomically swap the directories ``first`` and ``second``; ``OSError`` if it cannot."""
    if _CALL is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available on this system")
    if _CALL(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        raise OSError(code, f"cannot exchange {first} and {second}: {os.strerror(code)}")
    _sync_directory(first.parent)
    if second.parent != first.parent:
        _sync_directory(second.parent)


def supported(directory: Path) -> bool:
    """True if two directories inside ``directory`` can be exchanged (tried on empty ones)."""
    try:
        prefix = f"{EXCHANGE_PREFIX}{os.getpid()}-"
        with tempfile.TemporaryDirectory(prefix=prefix, dir=directory) as probe:
            (Path(probe) / "a").mkdir()
            (Path(probe) / "b").mkdir()
            exchange(Path(probe) / "a", Path(probe) / "b")
    except OSError:  # refused, or no room for the probe: a staged load could not work either
        return False
    return True


def _sync_directory(directory: Path) -> None:
    """Make the renaming durable: fsync the directory that holds the names."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
