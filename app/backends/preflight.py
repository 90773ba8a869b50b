"""Before the embedded store is opened: a usable directory, a clear error, nothing left behind.

RocksDB (under pyoxigraph) creates only the last directory of a store path, and when it cannot
open a store it reports the operating system's words ("IO error: While appending to file: ...:
File too large") and leaves behind the directory and the ``LOCK`` and ``LOG`` files it had made.
So a first ``histkg serve`` with the default store failed on a machine without
``~/.local/share/histkg``, and a full disk left a half-created store. Here:

* ``store_directory`` creates the missing directories of the path (refusing at once, with the
  offending component named, when one of them is a file) and, if opening then fails, deletes
  the directories it created, so the file system is as it was;
* ``open_failure`` turns the ``OSError`` of a failed open into a ``StoreError`` that says what
  is wrong (busy, unwritable, disk full) and what to do;
* ``undo_new_store`` does the same for a command whose store was created by this process but
  whose first load failed (a disk that fills up during the load): an empty, half-made store
  would otherwise be left where there was none.

A directory counts as created by this process only when its own ``mkdir`` succeeded, so a store
another process created at the same moment is never deleted.
"""

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.errors import StoreBusy, StoreError

_CREATED: dict[Path, Path] = {}
"""Store directories this process created (absolute paths), each with the outermost directory
created along with it (the store itself, or a parent that was missing too)."""

_FULL = ("no space left on device", "file too large", "disk quota exceeded")
_DENIED = ("permission denied", "operation not permitted", "read-only file system")
_FULL_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_DENIED_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)


@contextmanager
def store_directory(location: str) -> Iterator[Path]:
    """Yield the store's directory path, created if missing; undo the creation on failure."""
    path = Path(location).expanduser().absolute()
    created = _make_directories(path)
    try:
        yield path
    except BaseException:
        if created is not None:
            _CREATED.pop(path, None)
            shutil.rmtree(created, ignore_errors=True)
        raise


def open_failure(path: Path, error: OSError) -> StoreError:
    """The ``StoreError`` for a store that exists or was just created but does not open."""
    text = str(error).lower()
    if "lock" in text:
        return StoreBusy(
            f"Cannot open the store at {path}: another process holds it ({error}).",
            hint="Another histkg process (such as `histkg serve`) has it open: stop it first.",
        )
    if any(words in text for words in _FULL):
        return _full(path, error)
    if any(words in text for words in _DENIED):
        return _denied(path, path, error)
    return StoreError(
        f"Cannot open the store at {path}: {error}",
        hint="Check that the directory is a histkg store and writable, or set HISTKG_STORE "
        "elsewhere; nothing was changed.",
    )


@contextmanager
def undo_new_store(location: str) -> Iterator[None]:
    """Delete the store at ``location`` if the block created it and then fails.

    For commands that create a store and load into it at once (``histkg load``, the first
    ``histkg serve``): a load that fails, say on a full disk, leaves no empty store behind.
    A store made before the block (by an earlier command of the same process) is kept.
    """
    on_disk = location != "memory" and not location.startswith(("http://", "https://"))
    path = Path(location).expanduser().absolute()
    _CREATED.pop(path, None)  # whatever was made before the block is not the block's to undo
    try:
        yield
    except BaseException:
        created = _CREATED.pop(path, None)
        if on_disk and created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    _CREATED.pop(path, None)


def _make_directories(path: Path) -> Path | None:
    """Create ``path`` and its missing parents; return the outermost one created, if any."""
    missing: list[Path] = []
    current = path
    while not _exists(path, current):
        if current.is_symlink():  # a dangling link: RocksDB would fail obscurely on it
            raise StoreError(
                f"Cannot use {path} as the store: {current} is a link to nothing.",
                hint="Remove the link or point HISTKG_STORE elsewhere.",
            )
        missing.append(current)
        current = current.parent
    if not current.is_dir():
        raise StoreError(
            f"Cannot use {path} as the store: {current} is a file, not a directory.",
            hint=f"Set HISTKG_STORE to a directory path (histkg creates it when missing), or "
            f"move {current} out of the way.",
        )
    outermost: Path | None = None
    made: list[Path] = []
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:  # created by someone else meanwhile: theirs, not ours
            if not directory.is_dir():
                raise StoreError(
                    f"Cannot use {path} as the store: {directory} is a file, not a directory.",
                    hint="Set HISTKG_STORE to a directory path.",
                ) from None
            continue
        except OSError as error:
            if outermost is not None:
                shutil.rmtree(outermost, ignore_errors=True)
            if error.errno in _FULL_ERRNOS:
                raise _full(path, error) from None
            if error.errno in _DENIED_ERRNOS:
                raise _denied(path, directory.parent, error) from None
            raise StoreError(
                f"Cannot create the store directory {directory}: {error.strerror}.",
                hint="Set HISTKG_STORE to a directory on a writable disk.",
            ) from None
        outermost = outermost or directory
        made.append(directory)
    if path in made and outermost is not None:
        _CREATED[path] = outermost
    return outermost


def _exists(path: Path, candidate: Path) -> bool:
    """``candidate.exists()``, but a directory we may not look into is a clear error."""
    try:
        return candidate.exists()
    except OSError as error:  # EACCES on a parent: exists() only swallows "not there" errors
        raise _denied(path, candidate.parent, error) from None


def _full(path: Path, error: OSError) -> StoreError:
    return StoreError(
        f"Cannot write the store at {path}: the disk is full or a file size limit was reached "
        f"({error}).",
        hint=f"Free space on the disk holding {path} (or raise the limit), or set HISTKG_STORE "
        "to a directory on another disk; the store was left as it was.",
    )


def _denied(path: Path, where: Path, error: OSError) -> StoreError:
    return StoreError(
        f"Cannot write the store at {path}: {where} is not writable ({error}).",
        hint=f"Give this user write access to {where}, or set HISTKG_STORE to a writable "
        "directory; nothing was changed.",
    )
