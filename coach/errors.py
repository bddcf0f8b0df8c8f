"""The user-error layer's vocabulary: what a user can get wrong, as one printable line.

Every error a user can cause (a bad file, a full disk, a corrupt database, a malformed
argument) is a `UserError`, or an OSError/sqlite3.Error the CLI turns into one line with
`describe()`. Nothing here imports more than the standard library, so the CLI can load it
before any command module (and without OpenCV or MediaPipe)."""

from __future__ import annotations

import errno

#: Exit codes, the same for every command (README "Exit codes").
EXIT_OK = 0
EXIT_INCOMPLETE = 1       # ran, but the result is partial (stopped early, nothing recorded, ...)
EXIT_USER_ERROR = 2       # bad input: a file, an argument, a database; nothing was changed
EXIT_INTERNAL = 3         # a bug in coach: one line here, the traceback in the log file
EXIT_INTERRUPTED = 130    # Ctrl-C / SIGINT / SIGTERM; what was recorded so far is saved


class UserError(Exception):
    """Something the user can fix; str(e) is the whole message, naming the file and problem."""


def os_reason(e: OSError) -> str:
    """A short reason for an OSError, in the user's words."""
    if e.errno == errno.ENOSPC:
        return "the disk is full"
    if e.errno == errno.EFBIG:
        return "the file grew past the size limit"
    if e.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return "it is read-only or you lack permission"
    if e.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a file of that name is in the way"
    if e.errno == errno.EISDIR:
        return "it is a folder, not a file"
    if e.errno == errno.ENOENT:
        return "no such file or folder"
    if e.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return e.strerror or str(e)


def describe(e: BaseException) -> str:
    """The one line the CLI prints for an error a user can cause."""
    if isinstance(e, UserError):
        return _one_line(str(e))
    if isinstance(e, OSError):
        name = e.filename if e.filename is not None else ""
        if e.filename2:
            name = f"{name} -> {e.filename2}"
        return _one_line(f"{name}: {os_reason(e)}" if name else os_reason(e))
    return _one_line(f"{type(e).__name__}: {e}")


def _one_line(text: str) -> str:
    return " ".join(str(text).split()) or "unknown error"
