"""Model facts: provider, minimum cacheable prefix and tokenizer of each model family.

WHERE TO UPDATE: this module is the single place for per-model facts. Provider model tables
change several times a year; when a provider publishes new numbers, edit the matching row of
``MODELS`` (or add one), set ``source`` to the tag and URL of the new source and ``date`` to its
ISO date, and keep the tag in step with the source index of
``shared/reference/caching-facts.md``. ``tests/test_models.py`` pins the important lookups.

Matching: a model name is normalised (``normalise_model_name``) and compared with each row's
``pattern``. A pattern matches a normalised name that equals it or continues it with a
separator (``gpt-4.1`` matches ``gpt-4.1-2025-04-14``; ``gpt-4`` does not match ``gpt-4o``).
A continuation that is itself a short version number (``claude-opus-4`` + ``-9``, ``gpt-4`` +
``.2``) is a different, unknown model and does not match. A pattern ending in ``*`` matches any
continuation (``gpt-5.*`` covers every gpt-5.x). The longest matching pattern wins.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final, Literal

Provider = Literal["openai", "anthropic", "gemini"]

# Encodings cachelint can load offline (see cachelint/tokens.py). Counts under these are exact
# for OpenAI models; for Claude and Gemini the encoding only feeds an estimate.
EXACT_ENCODINGS: Final = frozenset({"o200k_base", "cl100k_base", "o200k_harmony"})


@dataclass(frozen=True)
class ModelInfo:
    """One row of the model table."""

    pattern: str  # family name, matched against normalised model names (see module docstring)
    provider: Provider
    min_cache_tokens: int  # minimum cacheable prefix, in the provider's own tokens
    encoding: str  # tiktoken encoding: exact for OpenAI, the basis of the estimate otherwise
    caches: bool  # False for models that predate prompt caching (gpt-4, gpt-3.5)
    source: str  # "TAG url" from the source index of caching-facts.md
    date: str  # ISO date of the source
    note: str = ""  # caveat worth showing with the numbers (conflicts, assumptions)


@dataclass(frozen=True)
class ModelLookup:
    """The result of ``lookup_model``: the row and how it was found."""

    info: ModelInfo
    name: str  # the normalised name that was looked up
    known: bool  # False: no row matched and ``info`` is a provider fallback
    exact_tokens: bool  # True only for known OpenAI models: counts are the model's own
    defaulted: bool = False  # True: no model was given and the configured default was used

    @property
    def provider(self) -> Provider:
        return self.info.provider

    @property
    def min_cache_tokens(self) -> int:
        return self.info.min_cache_tokens

    @property
    def encoding(self) -> str:
        return self.info.encoding

    @property
    def caches(self) -> bool:
        return self.info.caches

    def describe(self) -> str:
        """A phrase for messages, e.g. ``unknown model `foo`, assuming OpenAI defaults (...)``."""
        facts = f"{self.info.min_cache_tokens:,}-token minimum, {self.info.encoding}"
        if self.known:
            return f"`{self.name}` ({facts})"
        label = _PROVIDER_LABEL[self.info.provider]
        shown = self.name or "?"
        return f"unknown model `{shown}`, assuming {label} defaults ({facts})"


_PROVIDER_LABEL: Final[dict[Provider, str]] = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "gemini": "Gemini",
}

# --- sources (tags as in the source index of caching-facts.md) --------------------------------
_TIKTOKEN = "TIKTOKEN https://github.com/openai/tiktoken/blob/4e71bbe0/tiktoken/model.py"
_OAI_GUIDE_NEW = (
    "OAI-GUIDE-NEW via W3C-MIRROR "
    "https://www.w3cschool.cn/openai_api/openai-api-docs-prompt-caching.html"
)
_OAI_GUIDE_OLD = "OAI-GUIDE-OLD https://developers.openai.com/api/docs/guides/prompt-caching.md"
_ANT_SKILL = (
    "ANT-SKILL https://github.com/anthropics/skills/blob/fc9191c8/"
    "skills/claude-api/shared/prompt-caching.md"
)
_ANT_1194 = "ANT-1194 https://github.com/anthropics/anthropic-sdk-python/issues/1194"
_ORQ = "ORQ https://docs.orq.ai/docs/proxy/prompt-caching"
_GEM_DOCS_OCT = "GEM-DOCS-OCT https://ai.google.dev/gemini-api/docs/caching"
_GEM_DOCS_48 = "GEM-DOCS-48 https://ai.google.dev/gemini-api/docs/caching?authuser=48"
_GROQ = "GROQ https://console.groq.com/docs/prompt-caching"

# Dates. Sources with no date on the page use the date of the copy caching-facts.md cites.
_D_OAI_GUIDE_NEW: Final = "2026-11-04"  # W3C-MIRROR "2026-11-04 更新"
_D_TIKTOKEN: Final = "2026-08-16"  # tiktoken commit 4e71bbe0
_D_ANT_SKILL: Final = "2026-08-21"  # fc9191c8 cites a beta dated 2026-08-21 (the page is later)
_D_GEM_DOCS_OCT: Final = "2026-10-13"  # "Last updated 2026-10-13"


def _openai(
    pattern: str,
    encoding: str = "o200k_base",
    *,
    caches: bool = True,
    source: str = f"{_OAI_GUIDE_NEW}; {_TIKTOKEN}",
    date: str = _D_OAI_GUIDE_NEW,
    note: str = "",
) -> ModelInfo:
    # OpenAI: 1,024 tokens for every caching model (caching-facts 1.2), encoding per 1.9.
    return ModelInfo(pattern, "openai", 1024, encoding, caches, source, date, note)


def _claude(pattern: str, minimum: int, *, source: str = _ANT_SKILL, note: str = "") -> ModelInfo:
    # Claude has no public tokenizer: cl100k_base is the basis of an estimate (caching-facts 2.8).
    return ModelInfo(pattern, "anthropic", minimum, "cl100k_base", True, source, _D_ANT_SKILL, note)


def _gemini(
    pattern: str,
    minimum: int,
    *,
    source: str = _GEM_DOCS_OCT,
    date: str = _D_GEM_DOCS_OCT,
    note: str = "",
) -> ModelInfo:
    # Gemini: implicit caching minimums, newest table (caching-facts 3.1); estimate on cl100k_base.
    return ModelInfo(pattern, "gemini", minimum, "cl100k_base", True, source, date, note)


_PRE_CACHING = "predates prompt caching (gpt-4o and newer only): never caches"

MODELS: Final[tuple[ModelInfo, ...]] = (
    # ---- OpenAI (caching-facts 1.2 minimum, 1.9 tokenizers) ------------------------------------
    _openai("gpt-5", note="gpt-5, -mini, -nano, -codex, -chat-latest, -pro"),
    # Every gpt-5.x (gpt-5.1 … gpt-5.6-sol): tiktoken maps the prefix "gpt-5" to o200k_base.
    # UNCONFIRMED that gpt-5.6+ really use o200k_base (tiktoken has no separate entry).
    _openai("gpt-5.*", note="gpt-5.6+: o200k_base by tiktoken's prefix rule, UNCONFIRMED"),
    _openai("gpt-4.5"),
    _openai("gpt-4.1"),
    _openai("gpt-4.1-mini"),
    _openai("gpt-4.1-nano"),
    _openai("gpt-4o"),
    _openai("gpt-4o-mini"),
    _openai("chatgpt-4o"),
    _openai("o1"),
    _openai("o3"),
    _openai("o4-mini"),
    # gpt-oss is open-weight, served by third parties through OpenAI-compatible APIs; the
    # 1,024 minimum is an assumption (UNCONFIRMED per provider). Its encoding o200k_harmony is
    # o200k_base's ranks and regex plus extra special tokens, so ordinary text counts the same
    # and tokens.py builds it from the verified o200k_base file: counts are exact.
    _openai(
        "gpt-oss",
        "o200k_harmony",
        source=f"{_GROQ}; {_TIKTOKEN}",
        date=_D_TIKTOKEN,
        note="minimum assumed (OpenAI default); caching depends on the serving provider",
    ),
    # Older than prompt caching: counted with cl100k_base, never cached. The minimum is kept at
    # OpenAI's 1,024 only so the field is meaningful; rules must check `caches` first.
    _openai(
        "gpt-4",
        "cl100k_base",
        caches=False,
        source=f"{_OAI_GUIDE_OLD}; {_TIKTOKEN}",
        date=_D_TIKTOKEN,
        note=_PRE_CACHING,
    ),
    _openai(
        "gpt-3.5",
        "cl100k_base",
        caches=False,
        source=f"{_OAI_GUIDE_OLD}; {_TIKTOKEN}",
        date=_D_TIKTOKEN,
        note=_PRE_CACHING,
    ),
    _openai(
        "gpt-35-turbo",  # Azure deployment name
        "cl100k_base",
        caches=False,
        source=f"{_OAI_GUIDE_OLD}; {_TIKTOKEN}",
        date=_D_TIKTOKEN,
        note=_PRE_CACHING,
    ),
    # ---- Anthropic (caching-facts 2.2; ANT-SKILL newest). Re-check often: the June 2026 copy of
    # the same skill gave Opus 4.8 4,096. The minimum is NOT monotonic across generations. ------
    _claude("claude-opus-5", 512),
    _claude("claude-fable-5", 512),
    _claude("claude-fable-5-1", 512),
    _claude("claude-mythos-5", 512),
    _claude("claude-mythos-5-1", 512),
    _claude("claude-opus-4-8", 1024),
    _claude("claude-sonnet-5", 1024),
    _claude("claude-sonnet-4-5", 1024),
    _claude("claude-opus-4-1", 1024),
    _claude("claude-opus-4", 1024),
    _claude("claude-sonnet-4", 1024),
    _claude("claude-3-7-sonnet", 1024, source=f"{_ORQ}; {_ANT_1194}"),
    # CONFLICTING: 1,024 in the newest ANT-SKILL and LITELLM-DOCS; 2,048 in ORQ, the June 2026
    # skill (ANT-SKILL-JUN) and a user measurement (ANT-1194). The newest source wins.
    _claude(
        "claude-sonnet-4-6",
        1024,
        note="CONFLICTING: some sources say 2,048",
    ),
    _claude("claude-opus-4-7", 2048),
    _claude("claude-mythos-preview", 2048),
    _claude("claude-3-5-haiku", 2048, source=f"{_ANT_SKILL}; {_ANT_1194}"),
    _claude("claude-3-haiku", 2048, source=f"{_ANT_SKILL}; {_ANT_1194}"),
    _claude("claude-opus-4-6", 4096),
    _claude("claude-opus-4-5", 4096),
    _claude("claude-haiku-4-5", 4096),
    # ---- Gemini (caching-facts 3.1, newest table "Last updated 2026-10-13") -------------------
    # CONFLICTING: the older generateContent page (GEM-DOCS-MD) gives 2.5 Flash 1,024 and
    # 2.5 Pro 4,096; the newest table wins.
    _gemini("gemini-4-argon", 4096),
    _gemini("gemini-3.8-flash", 4096),
    _gemini("gemini-3.7-flash", 4096, source=_GEM_DOCS_48, note="from another copy of the page"),
    _gemini("gemini-3.6-flash", 4096),
    _gemini("gemini-3.5-flash", 4096, source=_GEM_DOCS_48, note="from another copy of the page"),
    _gemini("gemini-3.1-pro", 4096),
    _gemini("gemini-2.5-flash", 2048),
    _gemini("gemini-2.5-pro", 2048),
)

# Fallbacks for names no row matches (known=False): "unknown model, assuming ...".
FALLBACK_OPENAI: Final = ModelInfo(
    "*", "openai", 1024, "o200k_base", True, f"{_OAI_GUIDE_NEW}; {_TIKTOKEN}", _D_OAI_GUIDE_NEW,
    "unknown model: OpenAI's 1,024-token minimum and o200k_base assumed",
)
FALLBACK_ANTHROPIC: Final = ModelInfo(
    "claude*", "anthropic", 1024, "cl100k_base", True, _ANT_SKILL, _D_ANT_SKILL,
    "unknown Claude model: 1,024-token minimum assumed (512 to 4,096 by model)",
)
FALLBACK_GEMINI: Final = ModelInfo(
    "gemini*", "gemini", 4096, "cl100k_base", True, _GEM_DOCS_OCT, _D_GEM_DOCS_OCT,
    "unknown Gemini model: 4,096-token minimum assumed (the newest models' value)",
)

_BY_PATTERN: Final[dict[str, ModelInfo]] = {row.pattern: row for row in MODELS}
# Longest pattern first, so the first match is the longest.
_ORDERED: Final[tuple[ModelInfo, ...]] = tuple(
    sorted(MODELS, key=lambda row: len(row.pattern.rstrip("*")), reverse=True)
)

# A continuation that is a short version number: "-9", ".2", "-1" before a separator or the end.
_VERSION_CONTINUATION = re.compile(r"[-.]\d{1,2}(?:$|[-.@:_])")
_SEPARATORS = frozenset("-.@:_")
# Bedrock ids: "anthropic.claude-…", "us.anthropic.claude-…", "openai.gpt-oss-…"; suffix "-v1:0".
_BEDROCK_PREFIX = re.compile(r"^(?:[a-z]{2,6}(?:-[a-z]+)?\.)?(?:anthropic|openai|google|meta)\.")
_BEDROCK_SUFFIX = re.compile(r"-v\d+(?::\d+)?$|-\d+:\d+$")
# Anthropic's "-0" aliases: claude-opus-4-0 is claude-opus-4.
_CLAUDE_ZERO_MINOR = re.compile(r"^(claude-[a-z]+-\d)-0(?=$|-)")
# Claude names come in two orders: claude-3-5-haiku (Claude 3.x) and claude-haiku-4-5 (Claude 4+).
_CLAUDE_OLD_ORDER = re.compile(r"^claude-(\d)((?:-\d)?)-(opus|sonnet|haiku|fable|mythos)(?=$|-)")
_CLAUDE_NEW_ORDER = re.compile(r"^claude-(opus|sonnet|haiku|fable|mythos)-(\d)((?:-\d)?)(?=$|-)")


# The tables are constants, so a name's answer never changes: each linted call asks again
# (every rule of every call site), for the few model names a project uses.
@functools.lru_cache(maxsize=1024)
def normalise_model_name(name: str) -> str:
    """Lowercase a model name and strip provider prefixes, deployment suffixes and aliases.

    ``openai/gpt-4o`` → ``gpt-4o``; ``us.anthropic.claude-sonnet-4-5-20250929-v1:0`` →
    ``claude-sonnet-4-5-20250929``; ``claude-opus-4-1@20250805`` → ``claude-opus-4-1``;
    ``ft:gpt-4o:org::id`` → ``gpt-4o``; ``claude-sonnet-4.5`` → ``claude-sonnet-4-5``.
    Claude names are put in Anthropic's own order for their generation: ``claude-3-5-haiku``
    for Claude 3.x, ``claude-haiku-4-5`` for Claude 4 and later.
    """
    s = name.strip().lower()
    if s.startswith("ft:"):  # fine-tune: ft:<base model>:<org>:<suffix>:<id>
        s = s[3:].split(":", 1)[0]
    s = s.rsplit("/", 1)[-1]  # openai/…, models/…, projects/…/models/…, bedrock ARNs
    s = s.split("@", 1)[0]  # Vertex: claude-opus-4-1@20250805
    s, bedrock = _BEDROCK_PREFIX.subn("", s)
    if bedrock or ":" in s:
        s = _BEDROCK_SUFFIX.sub("", s)
    if s.startswith("claude"):
        s = s.replace(".", "-")  # OpenRouter style: claude-sonnet-4.5, claude-3.7-sonnet
        old = _CLAUDE_OLD_ORDER.match(s)
        if old and int(old.group(1)) >= 4:  # claude-4-sonnet → claude-sonnet-4
            s = f"claude-{old.group(3)}-{old.group(1)}{old.group(2)}{s[old.end():]}"
        new = _CLAUDE_NEW_ORDER.match(s)
        if new and int(new.group(2)) <= 3:  # claude-haiku-3-5 → claude-3-5-haiku
            s = f"claude-{new.group(2)}{new.group(3)}-{new.group(1)}{s[new.end():]}"
        s = _CLAUDE_ZERO_MINOR.sub(r"\1", s)
    return s


def _matches(pattern: str, name: str) -> bool:
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    if not name.startswith(pattern):
        return False
    rest = name[len(pattern):]
    if not rest:
        return True
    if rest[0] not in _SEPARATORS:
        return False  # gpt-4 vs gpt-4o
    return _VERSION_CONTINUATION.match(rest) is None  # claude-opus-4 vs claude-opus-4-9


def _match(name: str) -> ModelInfo | None:
    for row in _ORDERED:
        if _matches(row.pattern, name):
            return row
    return None


def _guess_provider(name: str) -> Provider | None:
    if name.startswith("claude"):
        return "anthropic"
    if name.startswith("gemini"):
        return "gemini"
    if name.startswith(("gpt", "chatgpt", "o1", "o3", "o4")):
        return "openai"
    return None


def _fallback(name: str) -> ModelInfo:
    provider = _guess_provider(name)
    if provider == "anthropic":
        return FALLBACK_ANTHROPIC
    if provider == "gemini":
        return FALLBACK_GEMINI
    return FALLBACK_OPENAI  # OpenAI and everything else (OpenAI-compatible is the common case)


@functools.lru_cache(maxsize=1024)
def lookup_model(name: str | None, default: str) -> ModelLookup:
    """Find the row for a model name; ``default`` is used when the call's model is not known.

    Never raises: a name no row matches gets a fallback row by provider guess, with
    ``known=False``, so messages can say "unknown model, assuming ...".
    """
    defaulted = name is None or not name.strip()
    raw = default if defaulted or name is None else name
    normalised = normalise_model_name(raw)
    row = _match(normalised)
    if row is None:
        return ModelLookup(_fallback(normalised), normalised, False, False, defaulted)
    exact = row.provider == "openai" and row.encoding in EXACT_ENCODINGS
    return ModelLookup(row, normalised, True, exact, defaulted)


def provider_of_model(name: str) -> str | None:
    """``"openai"``, ``"anthropic"`` or ``"gemini"`` for a model name; None if it cannot tell."""
    normalised = normalise_model_name(name)
    row = _match(normalised)
    if row is not None:
        return row.provider
    return _guess_provider(normalised)


def model_row(pattern: str) -> ModelInfo:
    """The row with exactly this pattern (KeyError if none); for tests and documentation."""
    return _BY_PATTERN[pattern]
