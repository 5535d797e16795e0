"""Model facts: provider, minimum cacheable prefix, cached-price ratio and tokenizer of each model.

WHERE TO UPDATE: this module is the single place for per-model and per-provider caching facts.
Provider model tables change several times a year; when a provider publishes new numbers, edit
the matching row of ``MODELS`` or ``COMPATIBLE`` (or add one), set its source to the tag and URL
of the new source and its date to the source's ISO date, and keep the tag in step with the
source index of ``shared/reference/caching-facts.md``. A source page that shows no date is
dated by the day it was read for this table (its source says "read"). ``tests/analysis/test_models.py``
fails when a row lacks a source or a date, and pins the important lookups.

Each row is a model family (``pattern``) with the ids the table knows by name (``ids``: dated
snapshots, ``-latest`` aliases, variants). An id the table does not list but whose family it
knows takes the family's row (``ModelLookup.listed`` is False, and messages say so).

Matching: a model name is normalised (``normalise_model_name``) and looked up among the listed
ids first, then compared with each row's ``pattern``. A pattern matches a normalised name that
equals it or continues it with a separator (``gpt-4.1`` matches ``gpt-4.1-2025-04-14``;
``gpt-4`` does not match ``gpt-4o``). A continuation that is itself a short version number
(``claude-opus-4`` + ``-9``, ``gpt-4`` + ``.2``) is a different, unknown model and does not
match. A pattern ending in ``*`` matches any continuation (``gpt-5.*`` covers every gpt-5.x).
The longest matching pattern wins.

Unknown facts stay unknown: a row whose cached price no source gives has ``cached_ratio`` None
(and says why in ``note``); the size rules say nothing for it.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import urlsplit

Provider = Literal["openai", "anthropic", "gemini"]

# Encodings cachelint can load offline (see cachelint/tokens.py). Counts under these are exact
# for OpenAI models; for Claude and Gemini the encoding only feeds an estimate.
EXACT_ENCODINGS: Final = frozenset({"o200k_base", "cl100k_base", "o200k_harmony"})


@dataclass(frozen=True)
class Price:
    """Cached input price as a fraction of the uncached input price, with where it is from."""

    ratio: float
    source: str  # "TAG url" (several separated by "; ")
    date: str  # ISO date of the source


@dataclass(frozen=True)
class ModelInfo:
    """One row of the model table: a model family."""

    pattern: str  # family name, matched against normalised model names (see module docstring)
    provider: Provider
    min_cache_tokens: int  # minimum cacheable prefix, in the provider's own tokens
    encoding: str  # tiktoken encoding: exact for OpenAI, the basis of the estimate otherwise
    caches: bool  # False for models without prompt caching (gpt-4, gpt-3.5, Claude 2, ...)
    source: str  # "TAG url" from the source index of caching-facts.md
    date: str  # ISO date of the source
    note: str = ""  # caveat worth showing with the numbers (conflicts, assumptions)
    price: Price | None = None  # cached-price ratio; None: no source gives it (size rules silent)
    ids: tuple[str, ...] = ()  # normalised ids of this family the table knows by name

    @property
    def cached_ratio(self) -> float | None:
        return self.price.ratio if self.price is not None else None


@dataclass(frozen=True)
class Compatible:
    """An OpenAI-compatible provider reached through the OpenAI SDK (``base_url=``)."""

    key: str  # "deepseek"
    label: str  # "DeepSeek"
    hosts: tuple[str, ...]  # host names, or suffixes starting with "."
    model_prefixes: tuple[str, ...]  # normalised model names that only this provider serves
    # True when the provider serves OpenAI's own models with OpenAI's caching (Azure): the model
    # rows apply unchanged. Otherwise only the ordering rules apply unless both facts are known.
    openai_rows: bool
    minimum: int | None  # documented minimum cacheable prefix; None: not documented
    price: Price | None  # documented cached-price ratio; None: not documented or per model
    source: str
    date: str
    note: str = ""


@dataclass(frozen=True)
class ModelLookup:
    """The result of ``lookup_model``: the row and how it was found."""

    info: ModelInfo
    name: str  # the normalised name that was looked up
    known: bool  # False: no row matched and ``info`` is a provider fallback
    exact_tokens: bool  # True only for known OpenAI models: counts are the model's own
    defaulted: bool = False  # True: no model was given and the configured default was used
    listed: bool = True  # False: the id is not in the table, its family's row (or a fallback) is used
    via: Compatible | None = None  # an OpenAI-compatible provider serves the call
    # True: the call names no model and no default model is configured: the row used
    # (cachelint's own default) only counts tokens; its minimum and price are not the call's.
    assumed: bool = False
    # Where the code gives the model when `model=` is not a literal: "the default of parameter
    # `model`", "the default `self.MODEL`" (said in messages).
    origin: str = ""

    @property
    def provider(self) -> Provider:
        return self.info.provider

    @property
    def min_cache_tokens(self) -> int:
        """The minimum the ordering rules compare with. A compatible provider's own documented
        minimum, else the model row's (OpenAI's 1,024 for an unknown model)."""
        if self.via is not None and not self.via.openai_rows and self.via.minimum is not None:
            return self.via.minimum
        return self.info.min_cache_tokens

    @property
    def encoding(self) -> str:
        return self.info.encoding

    @property
    def caches(self) -> bool:
        return self.info.caches

    @property
    def price(self) -> Price | None:
        if self.via is not None and not self.via.openai_rows:
            return self.via.price
        return self.info.price if self.known else None

    @property
    def size_facts(self) -> bool:
        """Are both the minimum and the cached price known, so the size rules may speak?
        (A compatible provider that documents neither gets only the ordering rules.)"""
        if self.assumed or not self.caches or self.price is None:
            return False
        if self.via is not None and not self.via.openai_rows:
            return self.via.minimum is not None
        return self.known

    def family_note(self) -> str:
        """"" for a listed id; else how its facts were found, for messages."""
        if self.listed or not self.known:
            return ""
        family = self.info.pattern.replace(".*", ".x").rstrip("*-")
        return f"`{self.name}` is not in the model table: the {family} family's facts are assumed"

    def describe(self) -> str:
        """A phrase for messages, e.g. ``unknown model `foo`, assuming OpenAI defaults (...)``."""
        facts = f"{self.min_cache_tokens:,}-token minimum, {self.info.encoding}"
        if self.via is not None and not self.via.openai_rows:
            return f"`{self.name or '?'}` on {self.via.label} ({facts})"
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

# --- sources (tags as in the source index of caching-facts.md; new tags are marked NEW) -------
_TIKTOKEN = "TIKTOKEN https://github.com/openai/tiktoken/blob/4e71bbe0/tiktoken/model.py"
_OAI_GUIDE_NEW = (
    "OAI-GUIDE-NEW via W3C-MIRROR "
    "https://www.w3cschool.cn/openai_api/openai-api-docs-prompt-caching.html"
)
_OAI_GUIDE_OLD = "OAI-GUIDE-OLD https://developers.openai.com/api/docs/guides/prompt-caching.md"
_OAI_COOKBOOK = (
    "OAI-COOKBOOK-201 "
    "https://github.com/openai/openai-cookbook/blob/0dee719e/examples/Prompt_Caching_201.ipynb"
)
_ANT_SKILL = (
    "ANT-SKILL https://github.com/anthropics/skills/blob/fc9191c8/"
    "skills/claude-api/shared/prompt-caching.md"
)
_ANT_1194 = "ANT-1194 https://github.com/anthropics/anthropic-sdk-python/issues/1194"
_ORQ = "ORQ https://docs.orq.ai/docs/proxy/prompt-caching"
_GEM_DOCS = "GEM-DOCS https://ai.google.dev/gemini-api/docs/caching"
_GEM_DOCS_OCT = "GEM-DOCS-OCT https://ai.google.dev/gemini-api/docs/caching"
_GEM_DOCS_48 = "GEM-DOCS-48 https://ai.google.dev/gemini-api/docs/caching?authuser=48"
_VERTEX = (
    "VERTEX https://docs.cloud.google.com/vertex-ai/generative-ai/docs/context-cache/"
    "context-cache-overview"
)
_GROQ = "GROQ https://console.groq.com/docs/prompt-caching"
# NEW sources, found for the facts caching-facts.md lacks (cached prices, older models).
_OAI_LAUNCH = (  # OpenAI's launch post of 2024-10-01, quoted whole in this pull request
    "OAI-CACHING-LAUNCH https://openai.com/index/api-prompt-caching/ "
    "(quoted in https://github.com/affaan-m/ECC/pull/3173)"
)
_DIPPIN_225 = "DIPPIN-225 https://github.com/2389-research/dippin-lang/issues/225"
_TALON_399 = "TALON-399 https://github.com/dativo-io/talon/issues/399"
_ROO_2691 = "ROO-2691 https://github.com/RooCodeInc/Roo-Code/pull/2691"
_AIBOOK_218 = "AIBOOK-218 https://github.com/bojieli/ai-agent-book/issues/218"
_CODEXOMETER = "CODEXOMETER https://github.com/merefield/codexometer/releases/tag/v0.18.4"
_PROMPTFUEL = "PROMPTFUEL https://github.com/TheKrush/PromptFuel/releases/tag/v1.0.24"
_GPT45 = "GPT45-PRICE https://github.com/appatalks/chatgpt-html/issues/82"
_MORPH = "MORPH https://www.morphllm.com/openai-api-pricing"
_TRUEFOUNDRY = "TRUEFOUNDRY https://docs.truefoundry.com/gateway/chat-completions-prompt-caching"
_LLM_PRICES_45 = "LLM-PRICES-45 https://github.com/simonw/llm-prices/issues/45"
_DEEPSEEK = "DEEPSEEK https://api-docs.deepseek.com/guides/kv_cache"
_XAI_BP = "XAI-BP https://docs.x.ai/developers/advanced-api-usage/prompt-caching/best-practices"
_MISTRAL = "MISTRAL https://docs.mistral.ai/studio-api/conversations/advanced/prompt-caching"
_TOGETHER = "TOGETHER https://docs.together.ai/docs/inference/chat/prompt-caching"
_FIREWORKS = "FIREWORKS https://docs.fireworks.ai/guides/prompt-caching.md"
_OPENROUTER = "OPENROUTER https://openrouter.ai/docs/features/prompt-caching"
_AZURE = "AZURE https://learn.microsoft.com/azure/foundry/openai/how-to/prompt-caching"

# Dates. Undated pages carry the day they were read for this table (_D_READ).
_D_READ: Final = "2026-12-07"
_D_OAI_GUIDE_NEW: Final = "2026-11-04"  # W3C-MIRROR "2026-11-04 更新"
_D_TIKTOKEN: Final = "2026-08-16"  # tiktoken commit 4e71bbe0
_D_ANT_SKILL: Final = "2026-08-21"  # fc9191c8 cites a beta dated 2026-08-21 (the page is later)
_D_GEM_DOCS_OCT: Final = "2026-10-13"  # "Last updated 2026-10-13"

# --- cached-price ratios (cached input price / input price) -----------------------------------
# gpt-4o generation: half price (launch post: gpt-4o-2024-08-06 $2.50/$1.25, gpt-4o-mini
# $0.15/$0.075, o1-preview $15/$7.50, o1-mini $3/$1.50; DIPPIN-225 and TALON-399 restate it from
# the pricing page in 2026 for gpt-4o, gpt-4o-mini, o1, o1-mini, o3-mini).
_HALF: Final = Price(0.5, f"{_OAI_LAUNCH}; {_DIPPIN_225}", "2026-08-10")
_HALF_O: Final = Price(0.5, f"{_OAI_LAUNCH}; {_TALON_399}", "2026-07-26")
_GPT45_HALF: Final = Price(0.5, _GPT45, "2025-02-27")  # $75 / $37.50, from the launch page
# gpt-4.1 family: a quarter ($2.00/$0.50, $0.40/$0.10, $0.10/$0.025).
_QUARTER_41: Final = Price(0.25, f"{_DIPPIN_225}; {_OAI_COOKBOOK}", "2026-08-10")
# o3 ($10/$2.50 at launch; the later cut kept the ratio) and o4-mini ($1.10/$0.275).
_QUARTER_O: Final = Price(0.25, _ROO_2691, "2025-04-16")
# gpt-5 family: a tenth (gpt-5 mini $0.25/$0.025; gpt-5.2, gpt-5.4 likewise; gpt-5-nano 90%).
_TENTH_5: Final = Price(0.1, f"{_DIPPIN_225}; {_OAI_COOKBOOK}", "2026-08-10")
# gpt-5.4 to gpt-5.6 Sol/Terra/Luna: a tenth, from the pricing page; reads 0.1x from gpt-5.6 on.
_TENTH_56: Final = Price(0.1, f"{_AIBOOK_218}; {_OAI_GUIDE_NEW}", "2026-07-22")
_TENTH_6: Final = Price(0.1, _CODEXOMETER, "2026-09-22")  # GPT-6 Sol $2/$0.20, Luna $0.10/$0.01
_TWENTIETH_61: Final = Price(0.05, f"{_OAI_GUIDE_NEW}; {_PROMPTFUEL}", "2026-11-04")  # 6.1: 0.05x
# Anthropic: reads at 0.1x on most models, 0.025x on Claude Fable 5.1.
_ANT_TENTH: Final = Price(0.1, _ANT_SKILL, _D_ANT_SKILL)
_ANT_FABLE_51: Final = Price(0.025, _ANT_SKILL, _D_ANT_SKILL)
# Gemini 2.5 and newer: implicit cache hits at a 90% discount (Vertex; AI Studio's Gemini 3
# prices agree).
_GEM_TENTH: Final = Price(0.1, f"{_VERTEX}; {_LLM_PRICES_45}", "2025-12-19")

_NO_PRICE = "no source gives a cached price: the size rules stay silent"
_PRO_NO_PRICE = "no cached input price listed (MORPH, June 2026): the size rules stay silent"


def _openai(
    pattern: str,
    price: Price | None,
    *ids: str,
    encoding: str = "o200k_base",
    caches: bool = True,
    source: str = f"{_OAI_GUIDE_NEW}; {_TIKTOKEN}",
    date: str = _D_OAI_GUIDE_NEW,
    note: str = "",
) -> ModelInfo:
    # OpenAI: 1,024 tokens for every caching model (caching-facts 1.2), encoding per 1.9.
    if price is None and caches and not note:
        note = _NO_PRICE
    return ModelInfo(pattern, "openai", 1024, encoding, caches, source, date, note, price, ids)


def _claude(
    pattern: str,
    minimum: int,
    *ids: str,
    price: Price | None = _ANT_TENTH,
    source: str = _ANT_SKILL,
    date: str = _D_ANT_SKILL,
    note: str = "",
) -> ModelInfo:
    # Claude has no public tokenizer: cl100k_base is the basis of an estimate (caching-facts 2.8).
    return ModelInfo(pattern, "anthropic", minimum, "cl100k_base", True, source, date, note, price, ids)


def _gemini(
    pattern: str,
    minimum: int,
    *ids: str,
    source: str = _GEM_DOCS_OCT,
    date: str = _D_GEM_DOCS_OCT,
    note: str = "",
) -> ModelInfo:
    # Gemini: implicit caching minimums, newest table (caching-facts 3.1); estimate on cl100k_base.
    return ModelInfo(pattern, "gemini", minimum, "cl100k_base", True, source, date, note, _GEM_TENTH, ids)


def _never(pattern: str, provider: Provider, *ids: str, encoding: str, source: str, date: str,
           note: str) -> ModelInfo:
    # No prompt caching at all. The minimum is the provider's usual one only so the field is
    # meaningful; rules check `caches` first.
    minimum = 4096 if provider == "gemini" else 1024
    return ModelInfo(pattern, provider, minimum, encoding, False, source, date, note, None, ids)


def _dated(base: str, *dates: str) -> tuple[str, ...]:
    """``base`` and its dated snapshots: _dated("gpt-4.1", "2025-04-14")."""
    return (base, *(f"{base}-{d}" for d in dates))


_PRE_CACHING = "predates prompt caching (gpt-4o and newer only): never caches"
_OLD_OAI_SOURCE = f"{_OAI_GUIDE_OLD}; {_TIKTOKEN}"
_GEM_NO_IMPLICIT = ("no implicit caching (Gemini 2.5 and newer only): a request caches only "
                    "through an explicit `caches.create` cache")

MODELS: Final[tuple[ModelInfo, ...]] = (
    # ---- OpenAI (caching-facts 1.2 minimum, 1.8 prices, 1.9 tokenizers) -----------------------
    _openai("gpt-4o", _HALF, *_dated("gpt-4o", "2024-08-06", "2024-11-20")),
    # The launch post applies caching to "the latest versions of GPT-4o" and names 2024-08-06;
    # the first snapshot is not among them.
    _openai("gpt-4o-2024-05-13", None, caches=False, source=_OAI_LAUNCH, date="2024-10-01",
            note="older than the GPT-4o versions prompt caching was launched on"),
    _openai("gpt-4o-mini", _HALF, *_dated("gpt-4o-mini", "2024-07-18")),
    _openai("chatgpt-4o", None, "chatgpt-4o-latest"),
    _openai("gpt-4.5", _GPT45_HALF, *_dated("gpt-4.5-preview", "2025-02-27")),
    _openai("gpt-4.1", _QUARTER_41, *_dated("gpt-4.1", "2025-04-14")),
    _openai("gpt-4.1-mini", _QUARTER_41, *_dated("gpt-4.1-mini", "2025-04-14")),
    _openai("gpt-4.1-nano", _QUARTER_41, *_dated("gpt-4.1-nano", "2025-04-14")),
    _openai("o1", _HALF_O, *_dated("o1", "2024-12-17"), *_dated("o1-preview", "2024-09-12"),
            *_dated("o1-mini", "2024-09-12")),
    _openai("o1-pro", None, *_dated("o1-pro", "2025-03-19"), note=_PRO_NO_PRICE),
    _openai("o3", _QUARTER_O, *_dated("o3", "2025-04-16")),
    _openai("o3-mini", _HALF_O, *_dated("o3-mini", "2025-01-31")),
    _openai("o3-pro", None, *_dated("o3-pro", "2025-06-10"), note=_PRO_NO_PRICE),
    _openai("o4-mini", _QUARTER_O, *_dated("o4-mini", "2025-04-16")),
    _openai("gpt-5", _TENTH_5, *_dated("gpt-5", "2025-08-07"), *_dated("gpt-5-mini", "2025-08-07"),
            *_dated("gpt-5-nano", "2025-08-07"), "gpt-5-chat-latest", "gpt-5-codex"),
    _openai("gpt-5-pro", None, *_dated("gpt-5-pro", "2025-10-06"), note=_PRO_NO_PRICE),
    # Every gpt-5.x: tiktoken maps the prefix "gpt-5" to o200k_base. UNCONFIRMED that gpt-5.6+
    # really use o200k_base (tiktoken has no separate entry).
    _openai("gpt-5.*", _TENTH_56,
            "gpt-5.1", "gpt-5.1-chat-latest", "gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1-codex-max",
            "gpt-5.2", "gpt-5.2-chat-latest", "gpt-5.2-codex", "gpt-5.3-codex",
            "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.5",
            "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna",
            note="gpt-5.6+: o200k_base by tiktoken's prefix rule, UNCONFIRMED"),
    _openai("gpt-5.2-pro", None, note=_PRO_NO_PRICE),
    _openai("gpt-5.4-pro", None, note=_PRO_NO_PRICE),
    _openai("gpt-5.5-pro", None, note=_PRO_NO_PRICE),
    _openai("gpt-6", _TENTH_6, "gpt-6-sol", "gpt-6-luna",
            note="o200k_base assumed (tiktoken has no gpt-6 entry), UNCONFIRMED"),
    _openai("gpt-6.1", _TWENTIETH_61, "gpt-6.1-sol", "gpt-6.1-terra",
            note="o200k_base assumed (tiktoken has no gpt-6 entry), UNCONFIRMED"),
    # gpt-oss is open-weight, served by third parties through OpenAI-compatible APIs; the
    # 1,024 minimum is an assumption (UNCONFIRMED per provider). Its encoding o200k_harmony is
    # o200k_base's ranks and regex plus extra special tokens, so ordinary text counts the same
    # and tokens.py builds it from the verified o200k_base file: counts are exact.
    _openai("gpt-oss", None, "gpt-oss-120b", "gpt-oss-20b", encoding="o200k_harmony",
            source=f"{_GROQ}; {_TIKTOKEN}", date=_D_TIKTOKEN,
            note="minimum assumed (OpenAI default); caching and price depend on the serving provider"),
    # Older than prompt caching: counted with cl100k_base, never cached.
    _never("gpt-4", "openai", *_dated("gpt-4-turbo", "2024-04-09"), "gpt-4-0125-preview",
           "gpt-4-1106-preview", "gpt-4-0613", "gpt-4-32k", encoding="cl100k_base",
           source=_OLD_OAI_SOURCE, date=_D_TIKTOKEN, note=_PRE_CACHING),
    _never("gpt-3.5", "openai", "gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-1106",
           "gpt-3.5-turbo-instruct", encoding="cl100k_base", source=_OLD_OAI_SOURCE, date=_D_TIKTOKEN,
           note=_PRE_CACHING),
    _never("gpt-35-turbo", "openai", encoding="cl100k_base",  # Azure deployment name
           source=_OLD_OAI_SOURCE, date=_D_TIKTOKEN, note=_PRE_CACHING),
    # ---- Anthropic (caching-facts 2.2; ANT-SKILL newest). Re-check often: the June 2026 copy of
    # the same skill gave Opus 4.8 4,096. The minimum is NOT monotonic across generations. ------
    _claude("claude-opus-5", 512),
    _claude("claude-fable-5", 512),
    _claude("claude-fable-5-1", 512, price=_ANT_FABLE_51),
    _claude("claude-mythos-5", 512),
    _claude("claude-mythos-5-1", 512),
    _claude("claude-opus-4-8", 1024),
    _claude("claude-sonnet-5", 1024),
    _claude("claude-sonnet-4-5", 1024, "claude-sonnet-4-5-20250929"),
    _claude("claude-opus-4-1", 1024, "claude-opus-4-1-20250805"),
    _claude("claude-opus-4", 1024, "claude-opus-4-20250514"),
    _claude("claude-sonnet-4", 1024, "claude-sonnet-4-20250514"),
    _claude("claude-3-7-sonnet", 1024, "claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest",
            source=f"{_ORQ}; {_ANT_1194}"),
    _claude("claude-3-5-sonnet", 1024, "claude-3-5-sonnet-20240620", "claude-3-5-sonnet-20241022",
            "claude-3-5-sonnet-latest", source=f"{_TRUEFOUNDRY} (read)", date=_D_READ),
    _claude("claude-3-opus", 1024, "claude-3-opus-20240229", "claude-3-opus-latest",
            source=f"{_TRUEFOUNDRY} (read)", date=_D_READ),
    # CONFLICTING: 1,024 in the newest ANT-SKILL and LITELLM-DOCS; 2,048 in ORQ, the June 2026
    # skill (ANT-SKILL-JUN) and a user measurement (ANT-1194). The newest source wins.
    _claude("claude-sonnet-4-6", 1024, note="CONFLICTING: some sources say 2,048"),
    _claude("claude-opus-4-7", 2048),
    _claude("claude-mythos-preview", 2048),
    _claude("claude-3-5-haiku", 2048, "claude-3-5-haiku-20241022", "claude-3-5-haiku-latest",
            source=f"{_ANT_SKILL}; {_ANT_1194}"),
    _claude("claude-3-haiku", 2048, "claude-3-haiku-20240307", source=f"{_ANT_SKILL}; {_ANT_1194}"),
    _claude("claude-opus-4-6", 4096),
    _claude("claude-opus-4-5", 4096, "claude-opus-4-5-20251101"),
    _claude("claude-haiku-4-5", 4096, "claude-haiku-4-5-20251001"),
    # Claude 2 and Instant: not among the models prompt caching supports (TRUEFOUNDRY lists
    # Claude 3 and later; rules.md section 1 names Claude 2 as never caching).
    _never("claude-2", "anthropic", "claude-2-0", encoding="cl100k_base", source=f"{_TRUEFOUNDRY} (read)",
           date=_D_READ, note="Claude 2: no prompt caching"),
    _never("claude-2-1", "anthropic", encoding="cl100k_base", source=f"{_TRUEFOUNDRY} (read)",
           date=_D_READ, note="Claude 2: no prompt caching"),
    _never("claude-instant", "anthropic", "claude-instant-1-2", encoding="cl100k_base",
           source=f"{_TRUEFOUNDRY} (read)", date=_D_READ, note="Claude Instant: no prompt caching"),
    # ---- Gemini (caching-facts 3.1, newest table "Last updated 2026-10-13") -------------------
    # CONFLICTING: the older generateContent page (GEM-DOCS-MD) gives 2.5 Flash 1,024 and
    # 2.5 Pro 4,096; the newest table wins.
    _gemini("gemini-4-argon", 4096),
    _gemini("gemini-3.8-flash", 4096),
    _gemini("gemini-3.7-flash", 4096, source=_GEM_DOCS_48, note="from another copy of the page"),
    _gemini("gemini-3.6-flash", 4096),
    _gemini("gemini-3.5-flash", 4096, source=_GEM_DOCS_48, note="from another copy of the page"),
    _gemini("gemini-3.1-pro", 4096, "gemini-3.1-pro-preview"),
    _gemini("gemini-2.5-flash", 2048),
    _gemini("gemini-2.5-pro", 2048),
    # Implicit caching is on "for Gemini 2.5 and newer" only (caching-facts 3.1).
    _never("gemini-2.0-flash", "gemini", "gemini-2.0-flash-001", "gemini-2.0-flash-lite",
           "gemini-2.0-flash-lite-001", encoding="cl100k_base", source=f"{_GEM_DOCS} (read)",
           date=_D_READ, note=_GEM_NO_IMPLICIT),
    _never("gemini-1.5-pro", "gemini", "gemini-1.5-pro-001", "gemini-1.5-pro-002", encoding="cl100k_base",
           source=f"{_GEM_DOCS} (read)", date=_D_READ, note=_GEM_NO_IMPLICIT),
    _never("gemini-1.5-flash", "gemini", "gemini-1.5-flash-001", "gemini-1.5-flash-002",
           "gemini-1.5-flash-8b", encoding="cl100k_base", source=f"{_GEM_DOCS} (read)", date=_D_READ,
           note=_GEM_NO_IMPLICIT),
)

# Fallbacks for names no row matches (known=False): "unknown model, assuming ...". No price:
# the size rules stay silent for a model the table does not know.
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

# ---- OpenAI-compatible providers (caching-facts section 4) ----------------------------------
# Reached through the OpenAI SDK with `base_url=` (or recognised by a model name only they
# serve). Without a documented minimum and cached price, only the ordering rules apply.
COMPATIBLE: Final[tuple[Compatible, ...]] = (
    Compatible("azure", "Azure OpenAI", (".openai.azure.com", ".cognitiveservices.azure.com",
                                         ".services.ai.azure.com"), (), True, None, None,
               f"{_AZURE} (read)", _D_READ,
               "serves OpenAI's models with OpenAI's caching (GPT-4o and newer): the model rows apply"),
    Compatible("deepseek", "DeepSeek", ("api.deepseek.com",), ("deepseek",), False, None, None,
               f"{_DEEPSEEK} (read)", _D_READ,
               "caches on disk by default in prefix units, with no 1,024-token minimum (unit size "
               "UNCONFIRMED); hit price only third-party: ordering rules only"),
    Compatible("xai", "xAI", ("api.x.ai",), ("grok",), False, None, None, f"{_XAI_BP} (read)", _D_READ,
               "automatic on all Grok models; minimum not documented, 0.25x price UNCONFIRMED"),
    Compatible("groq", "Groq", ("api.groq.com",), (), False, None, Price(0.5, f"{_GROQ} (read)", _D_READ),
               f"{_GROQ} (read)", _D_READ, "automatic, 50% off cached tokens; minimum not documented"),
    Compatible("together", "Together AI", ("api.together.xyz", "api.together.ai"), (), False, None, None,
               f"{_TOGETHER} (read)", _D_READ, "automatic; minimum and price not documented"),
    Compatible("fireworks", "Fireworks", ("api.fireworks.ai",), (), False, None, None,
               f"{_FIREWORKS} (read)", _D_READ,
               "on by default; cached discount varies by model (50% by default); minimum not documented"),
    Compatible("openrouter", "OpenRouter", ("openrouter.ai",), (), False, None, None,
               f"{_OPENROUTER} (read)", _D_READ, "caching and price depend on the routed provider"),
    Compatible("mistral", "Mistral", ("api.mistral.ai", "codestral.mistral.ai"),
               ("mistral", "codestral", "magistral", "ministral", "pixtral", "devstral", "open-mistral",
                "open-mixtral"), False, None, Price(0.1, f"{_MISTRAL} (read)", _D_READ),
               f"{_MISTRAL} (read)", _D_READ, "cached tokens cost 10%; minimum UNCONFIRMED"),
    Compatible("local", "a local server", (), (), False, None, None, "RULES rules.md section 1 (read)",
               _D_READ, "vLLM, Ollama, LM Studio and other servers on this machine or network: "
               "their caching is the server's configuration"),
    Compatible("unknown", "an endpoint of unknown provider", (), (), False, None, None,
               "RULES rules.md section 1 (read)", _D_READ,
               "a base_url that is not an OpenAI endpoint, or that the analysis cannot follow: "
               "whose caching facts apply is not known"),
)
_COMPATIBLE_BY_KEY: Final[dict[str, Compatible]] = {c.key: c for c in COMPATIBLE}
UNKNOWN_ENDPOINT: Final = _COMPATIBLE_BY_KEY["unknown"]
# OpenAI's own API hosts (api.openai.com, and regional ones such as eu.api.openai.com).
_OPENAI_HOSTS: Final = ("api.openai.com", ".api.openai.com")
_LOCAL_NAMES: Final = frozenset({"localhost", "host.docker.internal", "ollama", "vllm", "lmstudio"})

_BY_PATTERN: Final[dict[str, ModelInfo]] = {row.pattern: row for row in MODELS}
# Every id the table knows by name (and each family's own name), for the exact lookup.
_BY_ID: Final[dict[str, ModelInfo]] = {
    **{row.pattern: row for row in MODELS if not row.pattern.endswith("*")},
    **{model_id: row for row in MODELS for model_id in row.ids},
}
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
def lookup_model(name: str | None, default: str, base_url: str | None = None,
                 base_url_unresolved: bool = False) -> ModelLookup:
    """Find the row for a model name; ``default`` is used when the call's model is not known.

    ``base_url`` is the OpenAI client's ``base_url=`` when known: an OpenAI-compatible provider
    found there (or by a model name only it serves) is recorded in ``via``;
    ``base_url_unresolved`` says the client is given one the analysis cannot follow (then
    ``via`` is the unknown endpoint). Never raises: a name no row matches gets a fallback row
    by provider guess, with ``known=False``, so messages can say "unknown model, assuming ...".
    """
    defaulted = name is None or not name.strip()
    raw = default if defaulted or name is None else name
    normalised = normalise_model_name(raw)
    via = compatible_provider(base_url, normalised, base_url_unresolved)
    row = _BY_ID.get(normalised)
    listed = row is not None
    if row is None:
        row = _match(normalised)
    if row is None:
        return ModelLookup(_fallback(normalised), normalised, False, False, defaulted, False, via)
    exact = row.provider == "openai" and row.encoding in EXACT_ENCODINGS
    return ModelLookup(row, normalised, True, exact, defaulted, listed, via)


def runs_on(provider: str, model: str, base_url: str | None = None, base_url_unresolved: bool = False) -> bool:
    """Can an SDK call of `provider` (its client's `base_url` when known) serve `model`? False
    only when the model is in the table as another provider's and the SDK cannot reach it:
    the Anthropic and Gemini SDKs serve their own models, the OpenAI SDK without a `base_url`
    serves OpenAI's. A model no row knows, or an OpenAI client pointed elsewhere (a gateway
    may serve any model), may run anywhere."""
    m = lookup_model(model, model, base_url, base_url_unresolved)
    if not m.known or m.provider == provider or m.via is not None:
        return True
    return provider == "openai" and (base_url is not None or base_url_unresolved)


@functools.lru_cache(maxsize=256)
def compatible_provider(base_url: str | None, model: str | None = None,
                        base_url_unresolved: bool = False) -> Compatible | None:
    """The OpenAI-compatible provider a call reaches: by its client's ``base_url`` host, else by
    a model name only that provider serves (``deepseek-chat``, ``grok-3``). None for OpenAI
    itself, or when neither tells. A ``base_url`` that is not OpenAI's and names no provider
    of the table, or one the analysis cannot follow (``base_url_unresolved``), is the unknown
    endpoint: a gateway or server whose caching facts are not known."""
    if base_url_unresolved:
        return UNKNOWN_ENDPOINT
    if base_url:
        host = _host(base_url)
        if any(host == h or (h.startswith(".") and host.endswith(h)) for h in _OPENAI_HOSTS):
            return None
        for c in COMPATIBLE:
            if any(host == h or (h.startswith(".") and host.endswith(h)) for h in c.hosts):
                return c
        if host and _is_local(host):
            return _COMPATIBLE_BY_KEY["local"]
        return UNKNOWN_ENDPOINT
    if model:
        for c in COMPATIBLE:
            if any(model == p or model.startswith(p + "-") for p in c.model_prefixes):
                return c
    return None


def _host(url: str) -> str:
    text = url.strip()
    if "://" not in text:
        text = "http://" + text  # "localhost:11434/v1" as some code writes it
    try:
        return (urlsplit(text).hostname or "").lower()
    except ValueError:
        return ""


def _is_local(host: str) -> bool:
    if host in _LOCAL_NAMES or host.endswith((".local", ".internal", ".localhost")):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_unspecified


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
