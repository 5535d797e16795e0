"""What the wrapper scan learnt of each module, kept across runs by the module's content.

The scan (cachelint.run.scan) asks three questions of a module, and the answers are kept here,
in the result cache's `modules` table when there is one (in memory for the run otherwise):

- its outline: whether its text is ASCII and each function's name and lines, in walk order
  (a function is named by its index in it); a function of its content alone;
- for a scan pass (its pattern: the SDK names of the first pass, or the wrapper names the
  pass before found; and the names found before it), whether the module is a candidate of
  the pass and, if so, the functions it checks (see mentioning_functions): functions of the
  module's content and the pass;
- for a function checked, whether it forwards a parameter into an SDK call (its verdict: the
  words a call of it is written with, none when it does not):
  a function of its content and of the modules and prompt files the check read, which are
  recorded with their content hashes (and the module names resolved, with what the search
  found) and must be unchanged for the verdicts to be used.

An entry is kept by the module's path and holds its content hash: a module whose content
changed starts afresh, and one whose dependencies changed keeps its outline and mentions
and loses its verdicts. So a warm run checks only the functions of changed modules and of
the modules whose checks read them. Unless the early cutoff (cachelint.run.cutoff) shows
the checks cannot have seen the change: then the verdicts stand, and a module whose edit
added no function keeps its own. JSON, like the rest of the cache: indices are strings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cachelint.analysis.realpaths import real_path
from cachelint.cache import FileHashes
from cachelint.run.cutoff import Cutoff, referenced_hashes

# A scan pass as its key in an entry: the first pass's, or hashes of its pattern and the names found before it.
SDK_PATTERN = "sdk"

# An outline (see cachelint.run.scan.outline): (ASCII text, ((name, first line, last line), ...)).
FunctionLines = tuple[tuple[str, int, int], ...]
Outline = tuple[bool, FunctionLines]

Probe = Callable[[str], str]


class ModuleFacts:
    """One module's entry (see the module's docstring): read and changed in place."""

    __slots__ = ("checked", "cutoff", "data", "dirty", "used")

    def __init__(self, data: dict[str, Any], dirty: bool = False, cutoff: Cutoff | None = None) -> None:
        self.data = data
        self.cutoff = cutoff
        self.checked = False  # verdicts validated against their dependencies in this run
        self.used: set[str] = set()  # pattern keys asked for in this run
        self.dirty = dirty  # changed in this run: the cache is written again

    @property
    def outline(self) -> Outline | None:
        got = self.data.get("o")
        if not (isinstance(got, list) and len(got) == 2 and isinstance(got[1], list)):
            return None
        try:
            return bool(got[0]), tuple((str(n), int(a), int(b)) for n, a, b in got[1])
        except (TypeError, ValueError):
            return None

    def set_outline(self, outline: Outline) -> None:
        self.data["o"] = [outline[0], [list(f) for f in outline[1]]]
        self.dirty = True

    def name(self, index: int) -> str:
        return str(self.data["o"][1][index][0])

    def mentions(self, key: str) -> tuple[bool, list[int] | None]:
        """Whether it is known, and which functions mention the pattern `key` (None: the
        module is no candidate of a pass with it)."""
        self.used.add(key)
        table = self.data.get("m")
        if not isinstance(table, dict) or key not in table:
            return False, None
        got = table[key]
        if got is None:
            return True, None
        if isinstance(got, list) and all(isinstance(i, int) for i in got):
            return True, got
        return False, None

    def set_mentions(self, key: str, indices: Sequence[int] | None) -> None:
        self.used.add(key)
        table = self.data.setdefault("m", {})
        table[key] = None if indices is None else list(indices)
        self.dirty = True

    def verdicts(self, probe: Probe, hashes: FileHashes) -> dict[int, tuple[str, ...]]:
        """The verdicts whose dependencies are unchanged (all of them, or none)."""
        if not self.checked:
            self.checked = True
            try:
                valid = self._deps_valid(probe, hashes)
            except (TypeError, ValueError, AttributeError):
                valid = False
            if not valid:
                self.clear_verdicts()
        table = self.data.get("v")
        if not isinstance(table, dict):
            return {}
        try:
            return {int(i): tuple(str(w) for w in v) for i, v in table.items()}
        except (TypeError, ValueError):
            return {}

    def _deps_valid(self, probe: Probe, hashes: FileHashes) -> bool:
        """Do the verdicts' dependencies resolve as they did, and is every file read unchanged,
        or changed in a way the checks cannot have seen (then the new hashes are recorded)?"""
        deps: dict[str, str] = self.data.get("d", {})
        if not all(probe(qualname) == signature for qualname, signature in self.data.get("p", [])):
            return False
        changed = [(real, digest) for real, digest in deps.items() if hashes(real) != digest]
        if not changed:
            return True
        if self.cutoff is None or not self.cutoff.unaffected(changed, list(deps)):
            return False
        for real, _ in changed:
            deps[real] = hashes(real)
        self.cutoff.kept += 1
        self.dirty = True
        return True

    def clear_verdicts(self) -> None:
        for field in ("v", "d", "p"):
            if self.data.pop(field, None) is not None:
                self.dirty = True

    def add_verdicts(self, verdicts: dict[int, tuple[str, ...]], deps: dict[str, str],
                     probes: Iterable[tuple[str, str]]) -> None:
        """Verdicts of one check, and what it read (added to what earlier checks read)."""
        if not verdicts:
            return
        table = self.data.setdefault("v", {})
        for i, v in verdicts.items():
            table[str(i)] = list(v)
        self.data.setdefault("d", {}).update(deps)
        known = {q: s for q, s in self.data.get("p", [])}
        known.update(probes)
        self.data["p"] = [[q, s] for q, s in sorted(known.items())]
        self.dirty = True

    def prune(self) -> None:
        """Keep only the patterns asked for in this run (older names are of no more use)."""
        table = self.data.get("m")
        if isinstance(table, dict) and self.used:
            for key in [k for k in table if k not in self.used]:
                del table[key]
                self.dirty = True


class FactStore:
    """The entries of a project's modules for one run, over the cache's table (or a new one)."""

    def __init__(self, table: dict[str, Any] | None = None, cutoff: Cutoff | None = None) -> None:
        self.table: dict[str, Any] = table if table is not None else {}
        self.cutoff = cutoff
        self._open: dict[str, ModuleFacts] = {}
        self._dropped = False

    def entry(self, key: str, digest: str) -> ModuleFacts:
        """The entry of the module at `key` (a normalised absolute path) whose content hashes
        to `digest`; a new one when the content changed."""
        got = self._open.get(key)
        if got is not None:
            return got
        data = self.table.get(key)
        if isinstance(data, dict) and data.get("h") == digest:
            got = ModuleFacts(data, cutoff=self.cutoff)
        else:
            got = ModuleFacts(self._carried(key, data, digest), dirty=True, cutoff=self.cutoff)
            self.table[key] = got.data
        self._open[key] = got
        return got

    def _carried(self, key: str, old: Any, digest: str) -> dict[str, Any]:
        """A new entry for the module at `key`, whose content changed from the entry `old`:
        with the old verdicts and mentions when the edit only added statements and no function
        (the functions keep their indices and their text; the verdicts' own check of what they
        read, the module included, then decides whether they stand), else empty. The outline
        (functions' lines, which may have moved) is found again if a pass needs it."""
        fresh: dict[str, Any] = {"h": digest}
        if self.cutoff is None or not isinstance(old, dict) or not isinstance(old.get("v"), dict):
            return fresh
        deps = old.get("d")
        real = real_path(key)
        if not isinstance(deps, dict) or not isinstance(deps.get(real), str):
            return fresh
        added = self.cutoff.added(real, deps[real])
        if added is None or added.defines:
            return fresh
        fresh.update(v=old["v"], d=deps, p=old.get("p", []))
        if isinstance(old.get("m"), dict):
            # A pass' functions are those whose lines mention its pattern: the same functions,
            # as no function was added or changed. (Added text may make the module a candidate
            # of a pass it was not one of: still no function of it to check, as recorded.)
            fresh["m"] = old["m"]
        return fresh

    @property
    def changed(self) -> bool:
        """Has the table changed in this run (so the cache is written again)?"""
        return (self._dropped or any(f.dirty for f in self._open.values())
                or (self.cutoff is not None and self.cutoff.changed))

    def finish(self) -> None:
        """The run is done with the entries: drop patterns no longer asked for, and the
        entries of files that are gone."""
        for facts in self._open.values():
            facts.prune()
        for key in [k for k in self.table if k not in self._open and not os.path.lexists(k)]:
            del self.table[key]
            self._dropped = True
        if self.cutoff is not None:
            self.cutoff.prune(referenced_hashes(self.table))
