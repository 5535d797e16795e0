"""Each rule's VALID and INVALID cases (its documented examples) cover the kinds of code that
change its verdict (rules.md section 1, issue 19): configuration (`stable`), per-user values
(`session`), per-step values (`turn` ahead of static text), conversation loops, dated snapshots
and aliases, OpenAI-compatible providers, models that never cache, and for the cost-aware size
rule the threshold `minimum x cached-price ratio` pinned from both sides for models of different
ratios. The classes are told from what the analysis makes of each case (its rebuilt prompts),
not from how the case is written, and the test names the rule and what its cases lack."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from cachelint.analysis.project import Project
from cachelint.models import compatible_provider, normalise_model_name
from cachelint.prompt import INSTANCE_HISTORY, AssembledPrompt, Stability
from cachelint.rulecases import cases
from cachelint.rules import ALL_RULES
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import is_history
from cachelint.rules.cl201_prefix_below_minimum import pays_from
from cachelint.rules.context import RuleContext
from cachelint.run.check import assemble_module
from cachelint.settings import Settings

CONFIGURATION = "configuration (a stable value: settings, environment, a caller's fixed text)"
PER_USER = "a per-user value (session)"
PER_STEP = "a per-step value (turn) ahead of static text"
CONVERSATION = "a conversation loop (a growing history)"
SNAPSHOT = "a dated snapshot or alias model id"
COMPATIBLE = "an OpenAI-compatible provider"
NO_CACHING = "a model that never caches"
THRESHOLD = "the cost threshold pinned from both sides for two cached-price ratios"

# Which classes change each rule's verdict, and on which side its cases must show them
# (rules.md section 1's table: a `stable` or `session` value before static text is no CL403
# and, for `stable`, no CL101; a `turn` value is both; a growing history silences CL201;
# OpenAI-compatible providers get the ordering rules and, where documented, the size rules;
# a model without caching gets none of CL101/CL102/CL201/CL4xx). The cache-option rules (CL3xx,
# CL402, CL405, CL406) and CL901 judge what is written, which no class changes.
REQUIRED: dict[str, list[tuple[str, str]]] = {
    "CL101": [(CONFIGURATION, "VALID"), (PER_USER, "INVALID"), (PER_STEP, "INVALID"), (CONVERSATION, "VALID"),
              (CONVERSATION, "INVALID"), (COMPATIBLE, "INVALID"), (NO_CACHING, "VALID"), (SNAPSHOT, "INVALID")],
    "CL102": [(PER_STEP, "VALID"), (CONVERSATION, "INVALID"), (COMPATIBLE, "INVALID"), (NO_CACHING, "VALID")],
    "CL103": [(COMPATIBLE, "INVALID"), (CONFIGURATION, "VALID")],
    "CL104": [(COMPATIBLE, "INVALID")],
    "CL202": [(CONFIGURATION, "VALID"), (PER_USER, "VALID"), (PER_STEP, "INVALID"), (COMPATIBLE, "INVALID")],
    # No OpenAI-compatible provider of the table documents both a minimum and a price (Azure,
    # which serves OpenAI's models with OpenAI's caching, is OpenAI to the analysis): CL201 is
    # shown silent there only.
    "CL201": [(CONVERSATION, "VALID"), (THRESHOLD, "both"), (SNAPSHOT, "INVALID"), (COMPATIBLE, "VALID"),
              (NO_CACHING, "VALID"), (CONFIGURATION, "VALID")],
    "CL401": [(SNAPSHOT, "INVALID"), (NO_CACHING, "VALID"), (CONVERSATION, "INVALID")],
    "CL403": [(CONFIGURATION, "VALID"), (PER_USER, "VALID"), (PER_STEP, "INVALID"), (CONVERSATION, "VALID"),
              (SNAPSHOT, "INVALID")],
    "CL404": [(SNAPSHOT, "INVALID"), (SNAPSHOT, "VALID")],
}

_SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3}|latest)$")


@dataclass(frozen=True)
class Size:
    """A case's static tokens and the threshold from which padding it to the minimum pays."""

    tokens: int
    pays_from: int
    ratio: float


def _prompts(case: Valid | Invalid, workdir: Path) -> tuple[list[AssembledPrompt], RuleContext]:
    """What the analysis rebuilds of the case's calls, linted as `workdir/example.py`."""
    (workdir / "pyproject.toml").write_text("[project]\nname = 'example'\n", encoding="utf-8")
    path = workdir / "example.py"
    path.write_text(case.code, encoding="utf-8")
    for name, text in case.files.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    settings = replace(Settings(root=str(workdir)), **case.settings)  # type: ignore[arg-type]
    project = Project(str(workdir))
    mod = project.add(project.linted_module(str(path), case.code, ast.parse(case.code)))
    return assemble_module(mod, project), RuleContext(settings, str(path))


def classes_of(prompts: Iterable[AssembledPrompt], ctx: RuleContext) -> tuple[set[str], list[Size]]:
    """The classes the case's prompts show, and each prompt's size against its threshold."""
    found: set[str] = set()
    sizes: list[Size] = []
    for p in prompts:
        segs = p.segments
        if any(s.stability == Stability.STABLE and s.text is None for s in segs):
            found.add(CONFIGURATION)
        if any(s.stability == Stability.SESSION for s in segs):
            found.add(PER_USER)
        for i, s in enumerate(segs):
            later_static = any(t.stability == Stability.STATIC and t.text for t in segs[i + 1:])
            if s.stability == Stability.TURN and (s.in_preamble or later_static):
                found.add(PER_STEP)
        if any(is_history(s) and not s.in_preamble for s in segs) and (
                p.in_loop or any(s.cause == INSTANCE_HISTORY for s in segs)):
            found.add(CONVERSATION)
        model = p.call.model
        if model and _SNAPSHOT.search(normalise_model_name(model)):
            found.add(SNAPSHOT)
        if compatible_provider(p.call.base_url, normalise_model_name(model) if model else None,
                               bool(p.call.base_url_unresolved)) is not None:
            found.add(COMPATIBLE)
        m = ctx.model(p)
        if not m.caches:
            found.add(NO_CACHING)
        elif m.price is not None and m.size_facts:
            total = ctx.total_static(p, shortest=False).n
            sizes.append(Size(total, pays_from(m.min_cache_tokens, m.price.ratio), m.price.ratio))
    return found, sizes


def missing(rule: type[Rule], shown: dict[str, tuple[set[str], list[Size]]]) -> list[str]:
    """What the rule's cases lack of REQUIRED, given what each case (by id) shows."""
    have: dict[str, set[str]] = {"VALID": set(), "INVALID": set()}
    near: dict[str, set[float]] = {"VALID": set(), "INVALID": set()}
    for case_id, (found, sizes) in shown.items():
        side = "VALID" if "-VALID-" in case_id else "INVALID"
        have[side] |= found
        for s in sizes:
            # just below the threshold (silent) or at it (reported): within 5%
            below = side == "VALID" and s.pays_from * 0.95 <= s.tokens < s.pays_from
            above = side == "INVALID" and s.pays_from <= s.tokens <= s.pays_from * 1.05
            if below or above:
                near[side].add(s.ratio)
    out = []
    for cls, side in REQUIRED.get(rule.code, []):
        if cls == THRESHOLD:
            if len(near["VALID"] & near["INVALID"]) < 2:
                out.append(f"{rule.code}: no VALID and INVALID cases around {cls} "
                           f"(below: {sorted(near['VALID'])}, at: {sorted(near['INVALID'])})")
        elif cls not in have[side]:
            out.append(f"{rule.code}: no {side} case with {cls}")
    return out


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.code in REQUIRED], ids=lambda r: r.code)
def test_the_cases_cover_what_changes_the_verdict(tmp_path: Path, rule: type[Rule]) -> None:
    shown = {}
    for i, (case_id, case) in enumerate(cases(rule)):
        workdir = tmp_path / str(i)
        workdir.mkdir()
        prompts, ctx = _prompts(case, workdir)
        shown[case_id] = classes_of(prompts, ctx)
    gaps = missing(rule, shown)
    assert not gaps, "\n".join(gaps)


def test_every_rule_in_the_table_exists() -> None:
    assert set(REQUIRED) <= {r.code for r in ALL_RULES}


# --- the check itself must be able to fail


def _rule(code: str) -> type[Rule]:
    return next(r for r in ALL_RULES if r.code == code)


def test_a_class_no_case_shows_is_named(tmp_path: Path) -> None:
    prelude = "from openai import OpenAI\nclient = OpenAI()\nRULES = 'Cite the manual. ' * 400\n"
    per_user = Invalid(prelude + '''
class Agent:
    def __init__(self, user_name):
        self.user_name = user_name
    def ask(self, q):
        return client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"User {self.user_name}. " + RULES}, {"role": "user", "content": q}])
''')
    literal = Valid(prelude + '''
def ask(q):
    return client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": q}])
''')
    shown = {}
    for case_id, case in [("CL101-INVALID-0", per_user), ("CL101-VALID-0", literal)]:
        workdir = tmp_path / case_id
        workdir.mkdir()
        shown[case_id] = classes_of(*_prompts(case, workdir))
    assert PER_USER in shown["CL101-INVALID-0"][0] and SNAPSHOT in shown["CL101-VALID-0"][0]
    gaps = missing(_rule("CL101"), shown)
    assert f"CL101: no INVALID case with {PER_USER}" not in gaps
    assert f"CL101: no VALID case with {CONFIGURATION}" in gaps
    assert f"CL101: no INVALID case with {SNAPSHOT}" in gaps  # shown on the other side only


def test_the_threshold_needs_both_sides_for_two_ratios() -> None:
    at, below = Size(256, 256, 0.25), Size(255, 256, 0.25)
    one_ratio = {"CL201-VALID-0": (set(), [below]), "CL201-INVALID-0": (set(), [at])}
    assert any(THRESHOLD in g for g in missing(_rule("CL201"), one_ratio))
    two = {**one_ratio, "CL201-VALID-1": (set(), [Size(511, 512, 0.5)]),
           "CL201-INVALID-1": (set(), [Size(512, 512, 0.5)])}
    assert not any(THRESHOLD in g for g in missing(_rule("CL201"), two))
    far = {**one_ratio, "CL201-VALID-1": (set(), [Size(100, 512, 0.5)]),
           "CL201-INVALID-1": (set(), [Size(900, 512, 0.5)])}
    assert any(THRESHOLD in g for g in missing(_rule("CL201"), far))
