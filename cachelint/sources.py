"""The one way cachelint reads a file: guarded read, decode, parse.

Every file cachelint reads (modules to lint or follow, notebooks, prompt files the analysed
code opens, the files the result cache hashes, configuration, baselines, .gitignore files, the
cache itself) goes through `read_bytes`. It reads only a regular file: a FIFO would block the
run forever and `/dev/zero` behind a symlink named `x.py` would never end, so anything else is
refused after a stat and again after opening (with O_NONBLOCK, so that opening a FIFO swapped
in after the stat does not wait for a writer), and it reads at most a size cap.

A leaf module: it imports nothing from cachelint, so any layer may use it.
"""

from __future__ import annotations

import ast
import errno
import io
import os
import stat
import tokenize
from dataclasses import dataclass
from enum import Enum

# Larger files are not read at all: a 60 MB generated module is not a prompt's home.
MAX_READ_BYTES = 64 * 1024 * 1024

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class SourceError(Exception):
    """A file that cannot be decoded or parsed; the message is one line for stderr. A syntax
    error keeps Python's line and words (`lineno`, `msg`), for callers that explain it."""

    def __init__(self, message: str, lineno: int | None = None, msg: str = "") -> None:
        super().__init__(message)
        self.lineno = lineno
        self.msg = msg


class Why(Enum):
    """Why a file was not read."""

    MISSING = "missing"  # no such file (at the stat, or gone by the open)
    DIRECTORY = "directory"
    SPECIAL = "special"  # a FIFO, socket or device: never waited on
    TOO_LARGE = "too large"
    OS_ERROR = "os error"  # see `error` and `stage`


@dataclass(frozen=True)
class Refused:
    """A file not read: why, at which step ("stat", "open" or "read"), and the OSError if any.

    Each reader words this in its own terms (the messages users see predate this module)."""

    why: Why
    stage: str
    error: OSError | None = None

    @property
    def opened(self) -> bool:
        """Was the file opened before it was refused?"""
        return self.stage == "read"

    def strerror(self) -> str:
        """The OS's words for the failure (as `OSError.strerror`), or the kind of refusal."""
        if self.error is not None:
            return str(self.error.strerror or self.error)
        if self.why is Why.DIRECTORY:
            return os.strerror(errno.EISDIR)
        if self.why is Why.SPECIAL:
            return "not a regular file"
        return f"larger than {MAX_READ_BYTES >> 20} MiB"


def read_bytes(path: str, limit: int = MAX_READ_BYTES, *, follow: bool = True) -> bytes | Refused:
    """The bytes of the regular file at `path` (at most `limit` of them), or why not.

    `follow=False` refuses a symlink as the last component (O_NOFOLLOW, where the OS has it).
    Never blocks on a FIFO or device and never raises OSError."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        return Refused(Why.MISSING, "stat", exc)
    except OSError as exc:
        return Refused(Why.OS_ERROR, "stat", exc)
    if stat.S_ISDIR(st.st_mode):
        return Refused(Why.DIRECTORY, "stat")
    if not stat.S_ISREG(st.st_mode):
        return Refused(Why.SPECIAL, "stat")
    if st.st_size > limit:
        return Refused(Why.TOO_LARGE, "stat")
    flags = _OPEN_FLAGS if follow else _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        return Refused(Why.MISSING, "open", exc)
    except IsADirectoryError as exc:
        return Refused(Why.DIRECTORY, "open", exc)
    except OSError as exc:
        return Refused(Why.OS_ERROR, "open", exc)
    try:
        st = os.fstat(fd)  # what was opened, should the path have been swapped since the stat
        if not stat.S_ISREG(st.st_mode):
            return Refused(Why.SPECIAL, "read")
        if st.st_size > limit:
            return Refused(Why.TOO_LARGE, "read")
        data = read_fd(fd, st.st_size, limit)
    except OSError as exc:
        return Refused(Why.OS_ERROR, "read", exc)
    finally:
        os.close(fd)
    return Refused(Why.TOO_LARGE, "read") if len(data) > limit else data


def read_fd(fd: int, size: int, limit: int) -> bytes:
    """What `os.fdopen(fd, "rb").read(limit + 1)` reads (up to its end, or one byte past
    `limit`), `size` being the file's size by fstat: all of it asked for at once, then one
    more read to see the end. The buffered reader asked for a buffer of `limit` bytes (64 MiB)
    for every file, and showed in profiles of reading a thousand small ones."""
    parts: list[bytes] = []
    total = 0
    want = min(size, limit) + 1
    while total <= limit:
        chunk = os.read(fd, want)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
        want = min(limit + 1 - total, 1 << 16)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_file(path: str) -> tuple[bytes | None, str]:
    """A file to lint: its bytes, or None and why it could not be read (one line for stderr)."""
    got = read_bytes(path)
    if isinstance(got, bytes):
        return got, ""
    return None, lint_message(got)


def lint_message(refused: Refused) -> str:
    """How the linter words a file it could not read."""
    if refused.why is Why.MISSING:
        return "file vanished or does not exist"
    if refused.why is Why.DIRECTORY:
        return "is a directory"
    if refused.why is Why.SPECIAL:
        return "not a regular file"
    if refused.why is Why.TOO_LARGE:
        return f"larger than {MAX_READ_BYTES >> 20} MiB: not read"
    return f"cannot read: {refused.strerror()}"


def read_text(path: str, errors: str = "strict") -> str | Refused:
    """A UTF-8 text file as `open(path, encoding="utf-8", errors=errors).read()` reads it
    (universal newlines), guarded as `read_bytes`. Raises UnicodeDecodeError as that would."""
    got = read_bytes(path)
    if isinstance(got, Refused):
        return got
    text = got.decode("utf-8", errors)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_module(path: str, limit: int) -> str | None:
    """A module's decoded source, or None when it is not a readable regular file of at most
    `limit` bytes that decodes."""
    got = read_bytes(path, limit)
    if isinstance(got, Refused):
        return None
    try:
        return decode_source(got)
    except SourceError:
        return None


def decode_source(data: bytes) -> str:
    """Decode Python source bytes honouring a BOM and PEP 263 coding cookies."""
    if not data.startswith(b"\xef\xbb\xbf"):
        # Without a BOM, tokenize.detect_encoding answers UTF-8 unless one of the first two
        # lines holds a cookie, which needs the word `coding`: most files are decoded at once.
        # Bytes that are not UTF-8 go the long way, which words the error as before.
        second = data.find(b"\n", data.find(b"\n") + 1)
        if b"coding" not in (data if second < 0 else data[:second]):
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an unknown or malformed coding cookie
        raise SourceError(f"cannot decode: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise SourceError(f"cannot decode as {encoding}: {reason}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse_source(text: str, path: str) -> ast.Module:
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        raise SourceError(f"syntax error at {where}: {exc.msg}", exc.lineno, exc.msg) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        # ValueError: NUL bytes; RecursionError, MemoryError: absurdly nested code (`not not ... x`
        # 50,000 times raises a MemoryError with no message).
        detail = (str(exc).splitlines() or ["nested too deeply for Python's parser"])[0]
        raise SourceError(f"cannot parse: {type(exc).__name__}: {detail}") from None
