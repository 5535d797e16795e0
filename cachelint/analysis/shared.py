"""Results shared between the projects of one process.

A run analyses each file in a project of its own (and each scan chunk in one), so that a
file's findings do not depend on which other files a worker met before it. Some results are
the same in every project, though: what a module-level name of an imported module holds
after import, or which SDK calls a module makes. Without sharing, every file of a package
works out its `prompts.py` again (on the dense benchmark, half of the module values the
linting computed had been computed by an earlier file of the same worker).

A shared result is kept on the parsed module it belongs to (`ModuleInfo.shared`), so it
lives exactly as long as the module stays in the worker's module cache. It is reused in
another project only as if computed there:

- its dependencies are replayed: every module loaded or looked up by name, and every prompt
  file read, while computing it is loaded, looked up or read again in the reusing project
  (from the same caches, so cheaply), and lands in that project's cache dependencies;
- its evaluation steps are charged to the reusing project's budget (see Evaluator.shared);
- it is never reused by a project for which one of the modules it read is the file being
  linted: there that file is a module object of its own (named by the path the user gave),
  and the result must point into it.

A result is shared only when it is the same in any context: no cycle guard older than its
computation was hit (see Evaluator.memo_end), the budget never ran out inside it (a caught
Budget makes a result depend on the steps left), and it read none of the project's own
files (see above).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# What a computation did that a project records as a dependency: (kind, argument, real path
# of what it resolved to, "" for nothing). Kinds: "load" (a module by path), "name" (a
# module by dotted name), "read" (a prompt file).
Event = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class SharedResult:
    value: Any
    events: tuple[Event, ...]
    paths: frozenset[str]  # real paths of the modules it resolved
    steps: int  # evaluation steps it took


__all__ = ["Event", "SharedResult"]
