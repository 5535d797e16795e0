"""Diagnostics: what a rule reports, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from cachelint.fastinit import fast_init


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(str, Enum):
    """How safe a fix is, in ruff's terms."""

    SAFE = "safe"  # meaning unchanged, e.g. `sorted(...)` around a set
    UNSAFE = "unsafe"  # changes the text the model sees, e.g. moving a placeholder
    DISPLAY_ONLY = "display-only"  # advice; no edit is offered


# Slots: a run with tens of thousands of findings holds them all in the parent process until
# they are sorted and written (a finding with four related places is a dozen of these objects).
@fast_init
@dataclass(frozen=True, order=True, slots=True)
class Span:
    """A source range: 1-based lines, 1-based columns (as editors show them)."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Related:
    """A secondary location, e.g. `SYSTEM_PROMPT defined here (1,842 tokens, o200k_base)`."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace a range of the fix's file with `content`: 1-based lines and columns as in Span,
    the end exclusive; an insertion when the range is empty."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    applicability: Applicability = Applicability.DISPLAY_ONLY
    # Empty: advice only (no edit could be written that is certainly right).
    edits: tuple[Edit, ...] = ()
    # The file the edits land in, when it is not the finding's: the text at fault is written
    # in a helper or prompt module the linted file calls.
    path: str = ""

    def target(self, finding: Span) -> str:
        """The path of the file the edits land in."""
        return self.path or finding.path


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    # A line-independent identity for baselines and SARIF fingerprints.
    fingerprint: str = field(default="", compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path, self.span.line, self.span.column, self.code, self.message)


@dataclass(frozen=True)
class LintError:
    """A file or setting that could not be processed: one line on stderr, exit 2."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class LintWarning(LintError):
    """Worth one line on stderr, though the file was checked and the run does not fail: an
    unknown rule code in a suppression comment on `line`. Travels (and is cached) with the
    file's errors; the command line tells the two apart."""

    line: int = 0


NOT_ANALYSED = "call not fully analysed: evaluation budget exhausted"


@dataclass(frozen=True)
class NotAnalysed(LintWarning):
    """A call on `line` whose prompt rebuilding ran out of its evaluation budget: what was
    rebuilt was checked, the rest was not. Travels (and is cached) with the file's errors like
    a warning, so workers and warm runs report it alike; the command line lists it under
    `--verbose` only and counts it in the summary, and it never fails the run."""
