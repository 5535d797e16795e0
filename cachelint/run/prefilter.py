"""The pre-filter: read each file once and tell from its text whether it can matter.

A file that names no SDK and no wrapper cannot hold a recognised call and is never parsed.
What reading a file told is kept in the result cache by size, mtime and inode, so a warm run
reads only the files that changed.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from cachelint.analysis.hierarchy import NO_CLASSES, ClassFacts, ClassIndex, class_facts
from cachelint.analysis.project import MAX_MODULE_BYTES, mentions_sdk, names_in, names_in_words, text_words
from cachelint.cache import FileHashes, ResultCache, content_hash
from cachelint.directives import has_directives
from cachelint.run.tracked import TrackedProject
from cachelint.sources import SourceError, decode_source, read_file

# A file modified this close to the start of a run may change again within the same mtime
# tick: its facts are not kept by size and mtime (as git does with "racily clean" files).
_RACY_NS = 2_000_000_000


@dataclass
class Facts:
    """What reading a file told: enough to pre-filter it (and key its cache entry) without
    reading it again. Kept in the cache by size, mtime and inode, like ruff's and git's."""

    digest: str  # content hash ("" without a cache)
    mentions: bool = False  # names an SDK
    declared: bool = False  # names a declared wrapper
    error: str = ""  # why it does not decode
    named_key: str = ""  # the wrapper names (hash) `named_hit` was tested against
    named_hit: bool = False
    classes: ClassFacts = NO_CLASSES  # for the run's class index
    directives: bool = False  # holds a suppression comment of cachelint's (see has_directives)

    def to_json(self, st: os.stat_result) -> list[object]:
        return [st.st_size, st.st_mtime_ns, st.st_ino, self.digest, self.mentions, self.declared, self.error,
                self.named_key, self.named_hit, [list(part) for part in self.classes], self.directives]

    @classmethod
    def from_json(cls, data: object, st: os.stat_result) -> Facts | None:
        if not isinstance(data, list) or len(data) != 11 or data[:3] != [st.st_size, st.st_mtime_ns, st.st_ino]:
            return None
        digest, mentions, declared, error, named_key, named_hit, classes, directives = data[3:]
        if not (isinstance(digest, str) and isinstance(error, str) and isinstance(named_key, str)):
            return None
        if not (isinstance(classes, list) and len(classes) == 3
                and all(isinstance(names, list) and all(isinstance(n, str) for n in names) for names in classes)):
            return None
        return cls(digest, bool(mentions), bool(declared), error, named_key, bool(named_hit),
                   (tuple(classes[0]), tuple(classes[1]), tuple(classes[2])), bool(directives))


TEXT_BUDGET = 8 << 20  # characters of source the reader keeps (see Reader.text)


class Reader:
    """Reads files for the pre-filter and the scan, each at most once per run, and not at
    all when the cache holds their facts and their size, mtime and inode are unchanged."""

    def __init__(self, project: TrackedProject, rc: ResultCache | None, keep_texts: bool = True,
                 hashes: FileHashes | None = None) -> None:
        self.project = project
        self.rc = rc
        self.hashes = hashes if hashes is not None else FileHashes()  # the run's, told what is read
        self.trust_before = time.time_ns() - _RACY_NS
        self.memo: dict[str, Facts | None] = {}
        self.declared = sorted(project.declared_short_names())
        self.cwd = os.path.realpath(os.getcwd())
        # Texts kept for the scan's later passes, which ask every file again whether it names
        # a wrapper found in the pass before: reading and decoding each file again took ~0.1 s
        # a pass on 1,000 files, in the parent, while the workers waited (~0.3 s on 2,000).
        # Only for a project whose whole source fits in TEXT_BUDGET, which holds the
        # benchmark's dense 2,000 (4.6 MB): this process keeps them, not the workers, which
        # fork once the first files are read (see `mentioning`). A much larger tree (10,000
        # files, 23 MB) reads most files again anyway, and its parent stays small.
        self._keep = keep_texts
        self._texts: dict[str, str] = {}
        self._kept = 0
        # The words of each kept text, for the same questions: a later pass asks whether a file
        # holds one of thousands of wrapper names (dense 1,000: 3,453, then 878, then the 4,331
        # of the linting), and splitting every text into words again for each question took
        # ~0.1 s of this process, with the workers waiting. Found by a thread while the workers
        # run the first pass (see indexing), which leaves this process waiting on them.
        self._words: dict[str, frozenset[str]] = {}
        self._indexer: threading.Thread | None = None
        # Files read so far (not known from the cache) that name an SDK: once enough do, the
        # scan's first pass is sure to be shared out, and the run starts its processes while
        # the rest is read (see cachelint.run.lint). A warm run may scan nothing.
        self.mentioning = 0

    def key(self, path: str) -> str:
        return os.path.normpath(os.path.join(self.cwd, path))

    def facts(self, path: str) -> Facts | None:
        """None: not a regular file of at most MAX_MODULE_BYTES that can be read."""
        key = self.key(path)
        if key in self.memo:
            return self.memo[key]
        got = self._facts(key)
        self.memo[key] = got
        return got

    def _facts(self, key: str) -> Facts | None:
        try:
            st = os.stat(key)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MODULE_BYTES:
            return None  # a FIFO is never opened; a huge module is never followed
        rc = self.rc
        if rc is not None:
            known = Facts.from_json(rc.facts.get(key), st)
            if known is not None:
                self._remember(key, known.digest)
                return known
        data, _ = read_file(key)
        if data is None:
            return None
        text, facts = self._decode(key, data)
        if self._keep and text is not None and self._kept + len(text) <= TEXT_BUDGET:
            self._texts[key] = text
            self._kept += len(text)
        if rc is not None and st.st_mtime_ns < self.trust_before:
            rc.facts[key] = facts.to_json(st)
            rc.changed = True
        return facts

    def _decode(self, key: str, data: bytes) -> tuple[str | None, Facts]:
        digest = ""
        if self.rc is not None:
            digest = content_hash(data)
            self._remember(key, digest)
        try:
            text = decode_source(data)
        except SourceError as exc:
            return None, Facts(digest, error=str(exc))
        facts = Facts(digest, mentions_sdk(text), any(n in text for n in self.declared), classes=class_facts(text),
                      directives=has_directives(text))
        self.mentioning += facts.mentions
        return text, facts

    def _remember(self, key: str, digest: str) -> None:
        self.hashes.remember(os.path.realpath(key) if os.path.islink(key) else key, digest)

    def forget_texts(self) -> None:
        """Drop the texts kept, and keep no more (the pre-filter is done with them)."""
        self.wait_for_words()
        self._keep = False
        self._texts.clear()
        self._words.clear()
        self._kept = 0

    @contextmanager
    def indexing(self) -> Iterator[Callable[[], None]]:
        """`index_words` for use inside the block; the thread it starts has ended when the block
        does, however it ends. Forking while a thread runs is unsafe: the thread is started
        only once the run's processes are (see scan_wrappers' `meanwhile`), and nothing forks
        inside the block after that, so every fork (a later run's, say) comes after the join."""
        try:
            yield self.index_words
        finally:
            self.wait_for_words()

    def index_words(self) -> None:
        """Find the words of every kept text in a thread of this process, from now on (see
        indexing: only inside its block, and once the processes of the run are started)."""
        if self._indexer is None and self._texts:
            self._indexer = threading.Thread(target=self._index_words, args=(list(self._texts.items()),),
                                             name="cachelint-words", daemon=True)
            self._indexer.start()

    def _index_words(self, texts: list[tuple[str, str]]) -> None:
        words = self._words
        for key, text in texts:
            if key not in words:
                words[key] = text_words(text)

    def wait_for_words(self) -> None:
        if self._indexer is not None:
            self._indexer.join()
            self._indexer = None

    def _names_in(self, path: str, names: frozenset[str]) -> bool:
        """Does the file hold one of `names` as a whole word (see names_in)?"""
        key = self.key(path)
        text = self._texts.get(key)
        if text is not None:
            self.wait_for_words()
            words = self._words.get(key)
            if words is None:
                words = self._words[key] = text_words(text)
            got = names_in_words(words, names)
            if got is not None:
                return got
        text = self.text(path)
        return text is not None and names_in(text, names)

    def text(self, path: str) -> str | None:
        key = self.key(path)
        kept = self._texts.get(key)
        if kept is not None:
            return kept
        data, _ = read_file(key)
        if data is None:
            return None
        try:
            return decode_source(data)
        except SourceError:
            return None

    def names(self, path: str, facts: Facts, names_key: str, names: frozenset[str]) -> bool:
        """Does the file name one of the wrapper `names` (hashed as `names_key`)?"""
        if facts.named_key != names_key:
            facts.named_key, facts.named_hit = names_key, self._names_in(path, names)
            key = self.key(path)
            if self.rc is not None and key in self.rc.facts:
                try:
                    st = os.stat(key)
                except OSError:
                    return facts.named_hit
                if self.rc.facts[key][:3] == [st.st_size, st.st_mtime_ns, st.st_ino]:
                    self.rc.facts[key] = facts.to_json(st)
                    self.rc.changed = True
        return facts.named_hit

    def identify(self, path: str) -> tuple[str, str] | None:
        """The file's key (its absolute path) and content hash ("" without a cache), or None
        when it is not a module the scan reads (see facts) or does not decode."""
        facts = self.facts(path)
        if facts is None or facts.error:
            return None
        return self.key(path), facts.digest

    def is_candidate(self, path: str, names: frozenset[str] | None) -> bool:
        """Does a scan pass parse this file? (see cachelint.run.scan.CandidateTest)"""
        facts = self.facts(path)
        if facts is None or facts.error:
            return False
        if names is None:
            return facts.mentions
        return self._names_in(path, names)

    def class_index(self, files: Sequence[str]) -> ClassIndex:
        """The class index of `files`, from their facts (read now if they were not yet)."""
        out = []
        for path in files:
            facts = self.facts(path)
            if facts is not None and any(facts.classes):
                out.append((path, facts.classes))
        return ClassIndex.of(out)
