"""Token counts, offline: exact for OpenAI models, labelled estimates for Claude and Gemini.

OpenAI (exact)
    Counts use tiktoken with the model's encoding (``o200k_base``, ``cl100k_base``, or
    ``o200k_harmony`` for gpt-oss, which is o200k_base's ranks and regex plus extra special
    tokens). ``encode_ordinary`` is used: special-token text in a prompt is plain text to us.
    Counts are of the text alone; the few tokens the API adds per message are not included.

    Nothing is downloaded, ever. tiktoken would fetch its BPE files on first use; cachelint
    instead reads the official files from, in order:

    1. ``$CACHELINT_BPE_DIR/o200k_base.tiktoken`` / ``cl100k_base.tiktoken``, when set;
    2. the gzipped copies cachelint ships as package data (``cachelint/data/*.tiktoken.gz``).

    Every file is checked (after decompression) against the sha256 that tiktoken's
    ``tiktoken_ext/openai_public.py`` lists (cross-checked with the values cachelint was released
    with) before use. A file in ``CACHELINT_BPE_DIR`` that fails the check is an error; a shipped
    copy that fails it means a damaged install. The encodings are built by tiktoken's own
    constructors, so the regex and special tokens are exactly tiktoken's.

Claude and Gemini (estimates)
    Neither publishes a tokenizer for current models (Claude's exact counts come only from the
    ``count_tokens`` API). The estimate is the ``cl100k_base`` count times a factor, rounded:

    * Claude: x1.1. Third-party libraries use 1.1 (caching-facts 2.8) and others 1.15; the factor
      is UNCONFIRMED. Expected error for English prose and code on Claude up to 4.6: about
      -10% / +15%. Claude Opus 4.7 introduced a new tokenizer that Anthropic says produces 1.0x
      to 1.35x the tokens of Opus 4.6 for the same text, and third-party measurements with the
      ``count_tokens`` API found up to about 1.47x on English and technical text (CJK unchanged),
      so on Opus 4.7 and later the estimate can be about 30% to 40% low.
    * Gemini: x1.0. Google documents "about 4 characters per token", close to cl100k_base on
      English; UNCONFIRMED, expected error about +-15%, more on non-Latin scripts (Gemini's
      multilingual vocabulary needs fewer tokens there).

    Estimates are shown with a tilde and rounded to 2 significant figures from 100 tokens up
    (``~1,800``); below 100 they are shown as counted (``~87``). Rules that compare an estimate
    with a minimum should allow for the error above (``ESTIMATE_ERROR``).

Unknown models are counted with the fallback row's encoding (see ``cachelint.models``) and are
never marked exact.
"""

from __future__ import annotations

import binascii
import contextlib
import functools
import hashlib
import importlib
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cachelint.models import lookup_model

if TYPE_CHECKING:
    import tiktoken

# ---- estimate method -----------------------------------------------------------------------
ESTIMATE_FACTORS: Final[dict[str, float]] = {"anthropic": 1.1, "gemini": 1.0, "openai": 1.0}
# Relative error bounds of an estimate (real = estimate x (1 + low) .. estimate x (1 + high)).
ESTIMATE_ERROR: Final[dict[str, tuple[float, float]]] = {
    "anthropic": (-0.10, 0.40),  # +40%: Opus 4.7's tokenizer; about +15% before it
    "gemini": (-0.15, 0.15),
    "openai": (-0.15, 0.15),  # unknown OpenAI-compatible models counted with o200k_base
}
COUNT_CACHE_SIZE: Final = 1024  # memoised (encoding, text) counts; prompts are KBs each

# ---- BPE files -----------------------------------------------------------------------------
BPE_DIR_ENV: Final = "CACHELINT_BPE_DIR"
_URL: Final = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
# The sha256 values tiktoken_ext/openai_public.py lists (tiktoken 0.8 to 0.14). tiktoken's own
# values are authoritative at run time; these are the cross-check and the fallback.
EXPECTED_SHA256: Final[dict[str, str]] = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
# Encodings cachelint builds, and the BPE file each one reads.
_BPE_FILE_OF: Final[dict[str, str]] = {
    "o200k_base": "o200k_base",
    "cl100k_base": "cl100k_base",
    "o200k_harmony": "o200k_base",
}
# cachelint's own copies, package data: gzip (-9 -n) of the official files, 2.4 MB for 5.3 MB.
_SHIPPED_DIR: Final = Path(__file__).parent / "data"
# The prefix of the message a file that could not be checked for this reason gets: the command
# line shows those messages once for the run instead of once per file.
UNAVAILABLE: Final = "cannot count tokens: "


class TokenizerUnavailable(RuntimeError):
    """An encoding's BPE file is missing or fails its sha256 check; the message is one line."""


@dataclass(frozen=True)
class TokenCount:
    n: int
    exact: bool
    encoding: str  # the tiktoken encoding counted with (the basis of the estimate if not exact)

    def display(self) -> str:
        """``1,842`` when exact; ``~1,800`` for an estimate (2 significant figures from 100)."""
        if self.exact:
            return f"{self.n:,}"
        return f"~{round_estimate(self.n):,}"

    def amount(self, noun: str = "token") -> str:
        """The count and its noun, plural unless the count is one: ``1 token``, ``~1,800 static tokens``."""
        return f"{self.display()} {noun}{'' if self.n == 1 else 's'}"

    def basis(self) -> str:
        """How it was counted, for messages: the encoding when exact, else ``estimated`` (an
        estimate is not a count in that encoding: a Claude estimate is cl100k_base x1.1)."""
        return self.encoding if self.exact else "estimated"


def round_estimate(n: int) -> int:
    """Round to 2 significant figures from 100 up (half up); smaller values unchanged."""
    if n < 100:
        return n
    step = int("1" + "0" * (len(str(n)) - 2))  # 10 ** (digits - 2)
    return (n + step // 2) // step * step


# ---- locating and verifying files ----------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    path: Path
    origin: str  # "CACHELINT_BPE_DIR", "cachelint package"
    strict: bool  # True: a mismatch is an error, not a reason to try the next candidate
    gzipped: bool


def _candidates(bpe: str) -> Iterator[_Candidate]:
    user_dir = os.environ.get(BPE_DIR_ENV)
    if user_dir:
        yield _Candidate(Path(user_dir) / f"{bpe}.tiktoken", BPE_DIR_ENV, strict=True, gzipped=False)
    yield _Candidate(_SHIPPED_DIR / f"{bpe}.tiktoken.gz", "cachelint package", strict=False, gzipped=True)


def _gunzip(data: bytes) -> bytes | None:
    """The decompressed bytes, or None when `data` is not a whole gzip stream (a damaged copy)."""
    try:
        return zlib.decompress(data, wbits=zlib.MAX_WBITS | 16)
    except zlib.error:
        return None


def _expected_sha256(bpe: str, from_tiktoken: str | None) -> str:
    """tiktoken's listed hash when it gave one, else the value cachelint was released with."""
    if from_tiktoken:
        if from_tiktoken != EXPECTED_SHA256.get(bpe, from_tiktoken):
            _NOTES[bpe] = (
                f"tiktoken lists sha256 {from_tiktoken[:12]}... for {bpe}, cachelint was "
                f"released with {EXPECTED_SHA256[bpe][:12]}...; using tiktoken's"
            )
        return from_tiktoken
    try:
        return EXPECTED_SHA256[bpe]
    except KeyError:
        raise TokenizerUnavailable(f"no known sha256 for BPE file {bpe}") from None


def _read_verified(bpe: str, expected: str) -> tuple[bytes, str]:
    """The bytes of the first candidate file whose sha256 matches, and where it came from."""
    tried: list[str] = []
    for cand in _candidates(bpe):
        try:
            raw = cand.path.read_bytes()
        except FileNotFoundError:
            tried.append(f"{cand.path} (missing)")
            continue
        except OSError as exc:
            if cand.strict:
                raise TokenizerUnavailable(
                    f"cannot read {cand.path} ({exc.strerror or exc}); "
                    f"fix it or unset {BPE_DIR_ENV}"
                ) from None
            tried.append(f"{cand.path} (unreadable)")
            continue
        data = _gunzip(raw) if cand.gzipped else raw
        actual = hashlib.sha256(data).hexdigest() if data is not None else "not gzip"
        if data is not None and actual == expected:
            return data, f"{cand.path} ({cand.origin}, sha256 verified)"
        if cand.strict:
            raise TokenizerUnavailable(
                f"{cand.path} fails its sha256 check (got {actual[:12]}..., expected "
                f"{expected[:12]}...); replace it with the official {_URL.format(bpe)} "
                f"or unset {BPE_DIR_ENV}"
            )
        tried.append(f"{cand.path} ({'sha256 mismatch' if data is not None else 'not a gzip file'})")
    where = "; ".join(tried) if tried else "no candidate locations"
    raise TokenizerUnavailable(
        f"no verified copy of {bpe}.tiktoken (tried: {where}); the install is damaged: reinstall "
        f"cachelint, or set {BPE_DIR_ENV} to a directory holding the official {_URL.format(bpe)}"
    )


def _parse_ranks(data: bytes, origin: str) -> dict[bytes, int]:
    """Parse the .tiktoken format: one ``<base64 token> <rank>`` pair per line.

    The bytes were sha256-verified, so this only has to be fast (it runs once per encoding).
    """
    parts = data.split()
    if len(parts) % 2:
        raise TokenizerUnavailable(f"{origin}: malformed BPE file (odd number of fields)")
    try:
        return dict(zip(map(binascii.a2b_base64, parts[0::2]), map(int, parts[1::2]), strict=True))
    except (ValueError, binascii.Error):
        raise TokenizerUnavailable(f"{origin}: malformed BPE file") from None


# ---- building encodings --------------------------------------------------------------------
_LOCK = threading.RLock()
_SOURCES: dict[str, str] = {}  # BPE file -> where it was loaded from
_NOTES: dict[str, str] = {}  # BPE file -> cross-check disagreement, if any
_FAILED: dict[str, TokenizerUnavailable] = {}  # encoding -> the error, so it is not retried


def _verified_loader(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """Stands in for tiktoken's ``load_tiktoken_bpe``: reads a verified local copy, no network."""
    bpe = url.rsplit("/", 1)[-1].removesuffix(".tiktoken")
    if bpe not in EXPECTED_SHA256:
        raise TokenizerUnavailable(f"{bpe} is not an encoding cachelint can load offline")
    data, origin = _read_verified(bpe, _expected_sha256(bpe, expected_hash))
    _SOURCES[bpe] = origin
    return _parse_ranks(data, origin)


def _openai_public() -> Any:
    # tiktoken_ext ships no type information; importing it by name keeps mypy --strict quiet.
    return importlib.import_module("tiktoken_ext.openai_public")


def _tiktoken_params(name: str) -> dict[str, Any]:
    """Call tiktoken's own constructor for ``name`` with the network loader swapped out."""
    public = _openai_public()
    constructor: Callable[[], dict[str, Any]] | None = getattr(public, name, None)
    if constructor is None and name == "o200k_harmony":
        # Older tiktoken has no o200k_harmony. For encode_ordinary it is o200k_base exactly.
        params = _tiktoken_params("o200k_base")
        return {**params, "name": "o200k_harmony"}
    if constructor is None:
        raise TokenizerUnavailable(f"tiktoken has no constructor for {name}")
    original = public.load_tiktoken_bpe
    public.load_tiktoken_bpe = _verified_loader
    try:
        return constructor()
    finally:
        public.load_tiktoken_bpe = original


@functools.cache
def _encoding(name: str) -> tiktoken.Encoding:
    if name not in _BPE_FILE_OF:
        raise ValueError(f"unsupported encoding {name!r}; expected one of {sorted(_BPE_FILE_OF)}")
    with _LOCK:
        if name in _FAILED:
            raise _FAILED[name]
        try:
            params = _tiktoken_params(name)
        except TokenizerUnavailable as exc:
            _FAILED[name] = exc
            raise
        # A parallel run's main process never counts (its counting process does), and
        # why: importing tiktoken at the top delayed the start of every run.
        import tiktoken

        enc = tiktoken.Encoding(**params)
        # The encoding keeps the ranks twice: in its Rust core, which does all the counting, and
        # as a Python dict of 200,000 bytes objects used only to pickle the encoding (which
        # cachelint never does). Dropping the dict saves ~18 MB per encoding in every process.
        if isinstance(getattr(enc, "_mergeable_ranks", None), dict):
            enc._mergeable_ranks = {}
        return enc


# The encodings a run's counting process builds before it is asked (every model row's).
PRELOAD: Final = ("o200k_base", "cl100k_base")


def preload(names: tuple[str, ...] = PRELOAD) -> None:
    """Build these encodings now (in the process that will count with them, or one about to
    fork such processes). One that cannot be built is left to fail where it is used, with
    its message."""
    for name in names:
        with contextlib.suppress(TokenizerUnavailable):
            _encoding(name)


def load_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, built offline from a verified file (loaded once)."""
    return _encoding(name)


# Longest text handed to tiktoken at once. Its pre-tokenizer overflows its stack on a run of
# about a million spaces (a Rust panic, which `except Exception` does not catch), and is slow
# on very long runs; longer texts are counted in pieces.
_PIECE = 100_000


def _pieces(text: str) -> Iterator[str]:
    """`text` in pieces of at most _PIECE characters, each cut just before a space that follows
    a non-space character. No pre-token of tiktoken's encodings spans such a point (a pre-token
    never holds a non-space followed by a space) and none looks behind, so the counts of the
    pieces add up to the count of the whole. A run with no such point (a million spaces, or one
    word) is cut where the piece ends, which may change the count by a token at the cut."""
    start = 0
    while len(text) - start > _PIECE:
        end = start + _PIECE
        cut = text.rfind(" ", start + 1, end + 1)
        while cut > start and text[cut - 1].isspace():
            cut = text.rfind(" ", start + 1, cut)
        if cut <= start:
            cut = end
        yield text[start:cut]
        start = cut
    yield text[start:]


# Counts this process asks another for (a worker asks the run's counting process, see
# cachelint.tokenserver), or None: counted here.
_counter: Callable[[str, str], int] | None = None


def set_counter(counter: Callable[[str, str], int] | None) -> None:
    """Count with `counter(text, encoding_name)` from now on (None: here). Counts already
    memoised are kept: they are the same whoever counted them."""
    global _counter
    _counter = counter


@functools.lru_cache(maxsize=COUNT_CACHE_SIZE)
def _count(text: str, encoding_name: str) -> int:
    if _counter is not None:
        return _counter(text, encoding_name)
    enc = _encoding(encoding_name)
    if len(text) <= _PIECE:
        return len(enc.encode_ordinary(text))
    return sum(len(enc.encode_ordinary(piece)) for piece in _pieces(text))


def count_for_encoding(text: str, encoding_name: str) -> int:
    """Exact token count of ``text`` under a tiktoken encoding (memoised)."""
    if not text:
        return 0
    return _count(text, encoding_name)


def count_tokens(text: str, model: str | None, default_model: str) -> TokenCount:
    """Tokens of ``text`` for ``model`` (``default_model`` when None): exact or an estimate.

    Raises ``TokenizerUnavailable`` when the encoding's BPE file cannot be loaded.
    """
    found = lookup_model(model, default_model)
    encoding = found.info.encoding
    base = count_for_encoding(text, encoding)
    if found.exact_tokens or base == 0:
        return TokenCount(base, True, encoding)
    factor = ESTIMATE_FACTORS.get(found.info.provider, 1.0)
    return TokenCount(int(base * factor + 0.5), False, encoding)


def bpe_sources() -> list[str]:
    """Where each BPE file comes from, for diagnostics (``cachelint --version``)."""
    lines: list[str] = []
    for bpe in EXPECTED_SHA256:
        with _LOCK:
            origin = _SOURCES.get(bpe)
            if origin is None:
                try:
                    _, origin = _read_verified(bpe, _tiktoken_expected(bpe))
                except TokenizerUnavailable as exc:
                    origin = f"unavailable: {exc}"
        note = f" [{_NOTES[bpe]}]" if bpe in _NOTES else ""
        lines.append(f"{bpe}: {origin}{note}")
    return lines


def _tiktoken_expected(bpe: str) -> str:
    """The sha256 tiktoken lists for ``bpe`` (read without loading anything)."""
    captured: list[str | None] = []

    class _Stop(Exception):
        pass

    def capture(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        captured.append(expected_hash)
        raise _Stop

    public = _openai_public()
    constructor: Callable[[], dict[str, Any]] | None = getattr(public, bpe, None)
    if constructor is not None:
        original = public.load_tiktoken_bpe
        public.load_tiktoken_bpe = capture
        try:
            constructor()
        except _Stop:
            pass
        except Exception:  # tiktoken's shape changed: use cachelint's own value
            captured.clear()
        finally:
            public.load_tiktoken_bpe = original
    return _expected_sha256(bpe, captured[0] if captured else None)


def clear_caches() -> None:
    """Forget loaded encodings, counts and errors (tests; a changed CACHELINT_BPE_DIR)."""
    with _LOCK:
        _encoding.cache_clear()
        _count.cache_clear()
        _SOURCES.clear()
        _NOTES.clear()
        _FAILED.clear()
