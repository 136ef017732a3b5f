"""Files the project writes are whole or absent, and one run at a time owns a folder.

Every output (results.json, report.pdf, compare.pdf, pytest-benchmark's JSON and log) is
written to a temporary file in its own folder, flushed, synced, renamed over the target and
the folder synced: a crash, a kill or a full disk leaves the old file or the new one, never
half of one. The temporary file is created like a normal `open` would (mode 0666 less the
umask), so the result gets the same permissions as any other file the user creates.

A failure to write raises `WriteError` (an OSError naming the file and the cause in words: a
full disk, a folder or working folder that no longer exists, or the system's own words); the
temporary file is removed and the target is untouched.

`FolderLock` is an exclusive `fcntl.flock` on a lock file inside an output folder, holding
the owner's pid, so that a second run or resume into the same folder stops at once and says
which process has it; the file is removed when the lock is released. Standard library only.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import signal
import threading
from pathlib import Path

LOCK_FILE = ".bench.lock"
# .<target name>.<8 hex>.tmp: the temporary files of this module (and .results-*.tmp, the
# ones mkstemp made before it existed), removed by remove_stray_temporaries
_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$|^\.results-.+\.tmp$")


FULL = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded"}


def _missing_folder(path):
    """What no longer exists when path cannot be written for ENOENT: the working folder (for
    a relative path), the folder path lies in, or None."""
    path = Path(path)
    if not path.is_absolute():
        try:
            os.getcwd()
        except FileNotFoundError:
            return "the working folder"
    parent = path.parent
    if not parent.is_dir():
        while not parent.parent.is_dir() and parent.parent != parent:
            parent = parent.parent
        return f"the folder {parent}"
    return None


def _reason(path, cause):
    """Why path could not be written, in words."""
    code = getattr(cause, "errno", None)
    words = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
    if code in FULL:
        return f"{FULL[code]} ({words})"
    if code == errno.ENOENT:
        missing = _missing_folder(path)
        if missing:
            return f"{missing} no longer exists"
    return words


class WriteError(OSError):
    """A file that could not be written (or a folder that could not be made or locked)."""

    def __init__(self, path, cause):
        super().__init__(getattr(cause, "errno", None),
                         f"cannot write {path}: {_reason(path, cause)}")
        self.path = Path(path)
        self.cause = cause

    @property
    def disk_full(self):
        """Whether there was no room (ENOSPC, or the quota): making room will let it write."""
        return self.errno in FULL

    def __str__(self):
        return self.strerror


class FolderLocked(RuntimeError):
    """The folder is locked by another run."""

    def __init__(self, folder, pid):
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"{folder} is in use by {holder} (lock file {Path(folder) / LOCK_FILE}"
                         f"); wait for it to finish or stop it")
        self.folder = Path(folder)
        self.pid = pid


def temporary_name(path):
    """A fresh temporary path beside path (same folder, so the rename is atomic)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def fsync_dir(folder):
    """Sync a folder, so that a rename in it survives a crash."""
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def make_folder(folder):
    """Create folder (and its parents); WriteError naming it if that is impossible."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:  # a file in the way
        raise WriteError(folder, OSError(errno.ENOTDIR, "a file is in the way")) from error
    except OSError as error:
        raise WriteError(folder, error) from error
    if not folder.is_dir():
        raise WriteError(folder, OSError(errno.ENOTDIR, "not a folder"))
    return folder


@contextlib.contextmanager
def replacing(path):
    """Context: a temporary path beside path, for a writer that wants a file name (such as
    pytest-benchmark's --benchmark-json). On a clean exit, if the writer created it, it is
    synced and renamed over path; otherwise (or on an error) it is removed."""
    path = Path(path)
    temporary = temporary_name(path)
    try:
        yield temporary
        if temporary.exists():
            try:
                descriptor = os.open(temporary, os.O_RDONLY)
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
                os.replace(temporary, path)
                fsync_dir(path.parent)
            except OSError as error:
                raise WriteError(path, error) from error
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_open(path, mode="w", encoding="utf-8"):
    """Context: a stream writing to a temporary file that becomes path on a clean exit
    (flushed, synced, renamed over path, folder synced). An OSError on the way is raised as
    WriteError naming path; any error leaves path untouched and no temporary file."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes text ('w') or bytes ('wb'), not {mode!r}")
    path = Path(path)
    temporary = temporary_name(path)
    done = False
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise WriteError(path, error) from error
    try:
        with os.fdopen(descriptor, mode, **({} if mode == "wb" else {"encoding": encoding})
                       ) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        done = True
        fsync_dir(path.parent)
    except OSError as error:
        if isinstance(error, WriteError):
            raise
        raise WriteError(path, error) from error
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def atomic_write_bytes(path, data):
    """Write data to path atomically (see atomic_open); returns path."""
    with atomic_open(path, "wb") as stream:
        stream.write(data)
    return Path(path)


def atomic_write_text(path, text, encoding="utf-8"):
    """Write text to path atomically (see atomic_open); returns path."""
    with atomic_open(path, "w", encoding=encoding) as stream:
        stream.write(text)
    return Path(path)


def identity(path):
    """(device, inode) of the file at path, or None: an atomic write puts a new file there."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def ignore_interrupts():
    """From now on SIGINT (Ctrl-C) is ignored: the work is done (main thread only)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def last_write(write, path):
    """write(), a command's last piece of work, which puts a file at path atomically; its
    result. Once the file is in place the work is done: SIGINT is ignored from then on, and
    a KeyboardInterrupt that landed after the file was put in place is dropped (the result
    is then path), so that a Ctrl-C at the end cannot turn success into failure."""
    before = identity(path)
    try:
        result = write()
        ignore_interrupts()
        return result
    except KeyboardInterrupt:
        if identity(path) in (None, before):
            raise
        ignore_interrupts()
        return Path(path)


def remove_stray_temporaries(folder):
    """Remove the temporary files a crash left in folder (not recursive); their names."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if _TEMPORARY.match(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


class FolderLock:
    """An exclusive lock on an output folder for the life of a run (a context manager).

    The lock is fcntl.flock on folder/.bench.lock, which holds the owner's pid; the kernel
    drops it when the process ends, however it ends, and release removes the file, so that a
    finished run leaves none. acquire raises FolderLocked (naming the holder) if another
    process has it, WriteError if the folder cannot be written."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.descriptor = None

    def _is_the_file(self, descriptor):
        """Whether descriptor is still the file at self.path (a holder that released the
        lock removes it: a lock on the removed file excludes no one)."""
        try:
            here, there = os.fstat(descriptor), os.stat(self.path)
        except FileNotFoundError:
            return False
        return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)

    def _locked_descriptor(self):
        """A descriptor of the lock file, locked by this process."""
        while True:
            try:
                descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as error:
                raise WriteError(self.path, error) from error
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                pid = None
                with contextlib.suppress(OSError, ValueError):
                    pid = int(os.pread(descriptor, 32, 0).decode("ascii").strip() or 0) or None
                os.close(descriptor)
                if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise FolderLocked(self.folder, pid) from None
                raise WriteError(self.path, error) from error
            if self._is_the_file(descriptor):
                return descriptor
            os.close(descriptor)        # removed by the holder meanwhile: lock the new one

    def acquire(self):
        descriptor = self._locked_descriptor()
        try:
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError as error:
            os.close(descriptor)
            raise WriteError(self.path, error) from error
        self.descriptor = descriptor
        return self

    def release(self):
        """Remove the lock file (while holding the lock: a process that opened it meanwhile
        sees it gone and locks a new one), then drop the lock."""
        if self.descriptor is not None:
            if self._is_the_file(self.descriptor):
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
            os.close(self.descriptor)  # closing drops the flock
            self.descriptor = None

    def __enter__(self):
        return self if self.descriptor is not None else self.acquire()

    def __exit__(self, *exc):
        self.release()
