"""The result cache, `.cachelint_cache/` in the project root (like `.ruff_cache`).

One JSON file per configuration: `<cache dir>/<version>/<key>.json`, where the key hashes
cachelint's version and code, the settings, the enabled rules and the project root. In it:

- `modules`: what the wrapper scan learnt of each module, by content (see
  cachelint.run.modulefacts), so a warm run looks again only at what changed;
- `shapes`: the statement digests of each module version the scan's verdicts refer to, by
  content hash, for the early cutoff (cachelint.run.cutoff);
- `getters`: what the early cutoff asks of each file version it parses (how it gets hold of
  modules, the words of its strings), by content hash, so that a warm run parses none;
- `files`: for each linted file that could matter (names an SDK or a wrapper), its result,
  valid while the file's content, the wrapper names, and every module and prompt file the
  analysis loaded (or looked for) are unchanged.

Files that cannot matter are not stored: the pre-filter that skips them is as cheap as a
cache look-up. JSON, not pickle: a cache directory checked out with a repository must not
be able to run code. Results are encoded field by field, and only cachelint's own
dataclasses and enums are rebuilt from it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import importlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import IO, Any

from cachelint import __version__
from cachelint.fixes.cst import can_write_fixes
from cachelint.rules._base import Rule
from cachelint.settings import Settings
from cachelint.sources import Refused, Why, read_bytes, read_text

CACHE_DIR_NAME = ".cachelint_cache"
FORMAT = 5
# Marks a missing or unreadable dependency in place of a content hash.
ABSENT = "-"
UNREADABLE = "!"

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by cachelint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def default_cache_dir(root: str) -> str:
    return os.path.join(root, CACHE_DIR_NAME)


# ---- hashing


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class FileHashes:
    """Content hashes of files by real path, each file read at most once: one per run and
    process (files may change between runs)."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def remember(self, real: str, digest: str) -> None:
        """The hash of a file read for another reason (the pre-filter)."""
        self._known[real] = digest

    def __call__(self, real: str) -> str:
        """The content hash of a file; ABSENT or UNREADABLE instead."""
        got = self._known.get(real)
        if got is None:
            got = self._known[real] = file_hash(real)
        return got


def file_hash(real: str) -> str:
    """The content hash of a file, read now; ABSENT or UNREADABLE instead."""
    # Guarded: a prompt file that is a FIFO (refused by the analysis) once hung the run here.
    # Above the read cap (far above what the analysis reads) only the size matters.
    data = read_bytes(real)
    if isinstance(data, bytes):
        return content_hash(data)
    if data.why is Why.MISSING:
        return ABSENT
    if data.why is Why.OS_ERROR:
        return ABSENT if not os.path.lexists(real) else UNREADABLE
    return UNREADABLE


def _digest(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def names_hash(names: Iterable[str]) -> str:
    return _digest(sorted(names))


_code_key: str | None = None


def code_fingerprint() -> str:
    """cachelint's version and the size and mtime of each of its modules: a development
    checkout that changes the analysis must not be served results of the old code."""
    global _code_key
    if _code_key is None:
        package = os.path.dirname(os.path.abspath(__file__))
        stats = []
        for dirpath, dirnames, filenames in os.walk(package):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith(".py"):
                    try:
                        st = os.stat(os.path.join(dirpath, name))
                    except OSError:
                        continue
                    stats.append((os.path.relpath(os.path.join(dirpath, name), package), st.st_size, st.st_mtime_ns))
        _code_key = _digest(__version__, stats)
    return _code_key


def config_key(settings: Settings, rules: Sequence[type[Rule]], search_roots: Sequence[str]) -> str:
    rule_ids = [(r.code, r.__module__, r.__qualname__) for r in rules]
    # Whether libcst is installed decides whether findings carry their fixes' edits.
    return _digest(FORMAT, code_fingerprint(), repr(settings), rule_ids, list(search_roots), can_write_fixes())


# ---- encoding results


class Unsupported(Exception):
    """A value the cache cannot store; the result is then not cached."""


# Each dataclass met by encode: its name as written and its fields' names. The parent encodes
# every finding of a run that writes the cache (5,237 on dense 2,000, a dozen objects each);
# asking dataclasses.fields for each object was a sixth of that process's time.
_DATACLASSES: dict[type, tuple[str, tuple[str, ...]]] = {}


def encode(value: Any) -> Any:
    """A JSON-able form of diagnostics and errors (dataclasses, enums, tuples, lists, dicts)."""
    known = _DATACLASSES.get(type(value))
    if known is not None:
        name, field_names = known
        return {"c": name, "f": {f: encode(getattr(value, f)) for f in field_names}}
    if isinstance(value, enum.Enum):  # first: `class Severity(str, Enum)` is a str too
        return {"e": _class_name(type(value)), "v": encode(value.value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        _DATACLASSES[cls] = (_class_name(cls), tuple(f.name for f in dataclasses.fields(value)))
        return encode(value)
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    raise Unsupported(type(value).__name__)


def decode(data: Any) -> Any:
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        raise Unsupported(type(data).__name__)
    if "t" in data:
        return tuple(decode(v) for v in data["t"])
    if "d" in data:
        return {decode(k): decode(v) for k, v in data["d"]}
    if "e" in data:
        cls = _class(data["e"])
        if not issubclass(cls, enum.Enum):
            raise Unsupported(data["e"])
        return cls(decode(data["v"]))
    if "c" in data:
        cls = _class(data["c"])
        if not dataclasses.is_dataclass(cls):
            raise Unsupported(data["c"])
        values = {k: decode(v) for k, v in data["f"].items()}
        known = {f.name: f for f in dataclasses.fields(cls)}
        if set(values) != set(known):
            raise Unsupported(f"{data['c']}: fields changed")
        obj = object.__new__(cls)
        for name, v in values.items():
            object.__setattr__(obj, name, v)
        return obj
    raise Unsupported("unknown tag")


def _class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _class(name: str) -> type:
    module, _, qual = name.partition(":")
    if module != "cachelint" and not module.startswith("cachelint."):
        raise Unsupported(name)  # only cachelint's own types are ever rebuilt
    try:
        obj: Any = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise Unsupported(name) from None
    if not isinstance(obj, type):
        raise Unsupported(name)
    return obj


# ---- the cache file


class ResultCache:
    """Cached results of one configuration; load() once, look up and store, save() once."""

    def __init__(self, cache_dir: str, key: str, hashes: FileHashes | None = None) -> None:
        self.cache_dir = cache_dir
        self.hashes = hashes if hashes is not None else FileHashes()  # the run's
        self.path = os.path.join(cache_dir, __version__, key + ".json")
        self.modules: dict[str, Any] = {}
        # Each module version's statement digests, by content hash, for the scan's early
        # cutoff (see cachelint.run.cutoff).
        self.shapes: dict[str, Any] = {}
        # What the early cutoff asks of each parsed file version (module getters, string
        # words), by content hash (see cachelint.run.cutoff).
        self.getters: dict[str, Any] = {}
        self.files: dict[str, dict[str, Any]] = {}
        # What the pre-filter learnt of each file, by path, valid while size, mtime and
        # inode are unchanged (see cachelint.run.prefilter.Facts).
        self.facts: dict[str, Any] = {}
        self.changed = False
        self.hits = 0
        self.misses = 0

    def load(self) -> None:
        try:
            text = read_text(self.path)
            if isinstance(text, Refused):
                return  # no cache yet, or not a file cachelint wrote
            data = json.loads(text)
        except ValueError:
            return  # no cache yet, or a damaged one: start afresh
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return
        modules = data.get("modules")
        files = data.get("files")
        facts = data.get("facts")
        shapes = data.get("shapes")
        self.shapes = shapes if isinstance(shapes, dict) else {}
        getters = data.get("getters")
        self.getters = getters if isinstance(getters, dict) else {}
        self.modules = modules if isinstance(modules, dict) else {}
        self.files = files if isinstance(files, dict) else {}
        self.facts = facts if isinstance(facts, dict) else {}

    # -- per-file results

    def lookup(self, path: str, key: str, probe: Any) -> tuple[list[Any], list[Any]] | None:
        """(diagnostics, errors) cached for `path` under `key`, if every dependency is unchanged."""
        entry = self.files.get(path)
        if entry is None or entry.get("key") != key:
            self.misses += 1
            return None
        try:
            if not deps_valid(entry["deps"], entry["probes"], probe, self.hashes):
                self.misses += 1
                return None
            diagnostics = decode(entry["diagnostics"])
            errors = decode(entry["errors"])
        except (KeyError, TypeError, ValueError, Unsupported):
            self.misses += 1
            return None
        if not isinstance(diagnostics, list) or not isinstance(errors, list):
            self.misses += 1
            return None
        self.hits += 1
        return diagnostics, errors

    def store(
        self,
        path: str,
        key: str,
        diagnostics: Sequence[Any],
        errors: Sequence[Any],
        deps: dict[str, str],
        probes: Sequence[tuple[str, str]],
    ) -> None:
        try:
            entry = {
                "key": key,
                "deps": deps,
                "probes": [list(p) for p in probes],
                "diagnostics": encode(list(diagnostics)),
                "errors": encode(list(errors)),
            }
        except Unsupported:
            self.files.pop(path, None)
            return
        self.files[path] = entry
        self.changed = True

    def forget(self, path: str) -> None:
        if self.files.pop(path, None) is not None:
            self.changed = True

    def save(self) -> None:
        """Write the cache atomically; a failure to write it never fails the run."""
        if not self.changed:
            return
        for path in [p for p in self.files if not os.path.lexists(p)]:
            del self.files[path]  # deleted or renamed files
        for path in [p for p in self.facts if not os.path.lexists(p)]:
            del self.facts[path]
        data = {"format": FORMAT, "version": __version__, "modules": self.modules, "shapes": self.shapes,
                "getters": self.getters, "files": self.files, "facts": self.facts}
        try:
            ensure_cache_dir(self.cache_dir)
            folder = os.path.dirname(self.path)
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    write_compact(fh, data)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass  # a read-only checkout: lint without a cache


def write_compact(fh: IO[str], data: dict[str, Any]) -> None:
    """`json.dump(data, fh, separators=(",", ":"))`, through json's C encoder. json.dump
    writes as it goes with the pure-Python encoder: 1.1 s for the 9 MB cache of dense 2,000,
    against 0.2 s with json.dumps, at the end of every run that changed the cache. Encoded
    a value of each top-level table at a time (a file's entry, a file's facts), so the
    whole text of a large cache is never held at once."""
    fh.write("{")
    for i, (key, value) in enumerate(data.items()):
        fh.write(("," if i else "") + json.dumps(key) + ":")
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            fh.write("{")
            for j, (k, v) in enumerate(value.items()):
                fh.write(("," if j else "") + json.dumps(k) + ":" + json.dumps(v, separators=(",", ":")))
            fh.write("}")
        else:
            fh.write(json.dumps(value, separators=(",", ":")))
    fh.write("}")


def ensure_cache_dir(cache_dir: str) -> None:
    """Create the cache folder with a `.gitignore` of `*` (so it is never committed) and a
    CACHEDIR.TAG (so backup tools skip it)."""
    os.makedirs(cache_dir, exist_ok=True)
    for name, text in ((".gitignore", "# Automatically created by cachelint.\n*\n"), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
        target = os.path.join(cache_dir, name)
        if not os.path.exists(target):
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)


def deps_valid(deps: dict[str, str], probes: Sequence[Sequence[str]], probe: Any, hashes: FileHashes) -> bool:
    """Do the recorded dependencies still hash (and resolve) as they did?"""
    for real, digest in deps.items():
        if hashes(real) != digest:
            return False
    return all(probe(qualname) == signature for qualname, signature in probes)
