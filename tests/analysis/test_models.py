"""The model table: normalisation, longest-pattern matching, fallbacks, sources."""

from __future__ import annotations

import datetime
import re

import pytest

from cachelint.models import (
    COMPATIBLE,
    EXACT_ENCODINGS,
    FALLBACK_ANTHROPIC,
    FALLBACK_GEMINI,
    FALLBACK_OPENAI,
    MODELS,
    compatible_provider,
    lookup_model,
    model_row,
    normalise_model_name,
    provider_of_model,
)
from cachelint.rules.cl201_prefix_below_minimum import pays_from, saving

DEFAULT = "gpt-4.1"

OAI, ANT, GEM = "openai", "anthropic", "gemini"
O200K, CL = "o200k_base", "cl100k_base"

# name as written -> (row pattern, provider, minimum, encoding, exact token counts)
CASES = [
    # OpenAI
    ("gpt-4.1", "gpt-4.1", OAI, 1024, O200K, True),
    ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini", OAI, 1024, O200K, True),
    ("gpt-4.1-nano", "gpt-4.1-nano", OAI, 1024, O200K, True),
    ("gpt-4o-2024-08-06", "gpt-4o", OAI, 1024, O200K, True),
    ("gpt-4o-mini", "gpt-4o-mini", OAI, 1024, O200K, True),
    ("ft:gpt-4o:org::id", "gpt-4o", OAI, 1024, O200K, True),
    ("ft:gpt-4o-mini-2024-07-18:acme:custom:abc123", "gpt-4o-mini", OAI, 1024, O200K, True),
    ("chatgpt-4o-latest", "chatgpt-4o", OAI, 1024, O200K, True),
    ("gpt-4.5-preview", "gpt-4.5", OAI, 1024, O200K, True),
    ("gpt-5", "gpt-5", OAI, 1024, O200K, True),
    ("gpt-5-mini-2025-08-07", "gpt-5", OAI, 1024, O200K, True),
    ("gpt-5.1-codex", "gpt-5.*", OAI, 1024, O200K, True),
    ("gpt-5.6", "gpt-5.*", OAI, 1024, O200K, True),
    ("gpt-5.6-sol", "gpt-5.*", OAI, 1024, O200K, True),
    ("o1", "o1", OAI, 1024, O200K, True),
    ("o1-mini", "o1", OAI, 1024, O200K, True),
    ("o3-2025-04-16", "o3", OAI, 1024, O200K, True),
    ("o3-mini", "o3-mini", OAI, 1024, O200K, True),
    ("o4-mini", "o4-mini", OAI, 1024, O200K, True),
    ("openai/gpt-4o", "gpt-4o", OAI, 1024, O200K, True),
    ("azure/gpt-4o-mini", "gpt-4o-mini", OAI, 1024, O200K, True),
    ("GPT-4O", "gpt-4o", OAI, 1024, O200K, True),
    ("gpt-4", "gpt-4", OAI, 1024, CL, True),
    ("gpt-4-turbo", "gpt-4", OAI, 1024, CL, True),
    ("gpt-4-32k", "gpt-4", OAI, 1024, CL, True),
    ("gpt-4-0613", "gpt-4", OAI, 1024, CL, True),
    ("gpt-3.5-turbo", "gpt-3.5", OAI, 1024, CL, True),
    ("gpt-3.5-turbo-0125", "gpt-3.5", OAI, 1024, CL, True),
    ("gpt-35-turbo", "gpt-35-turbo", OAI, 1024, CL, True),
    ("gpt-oss-120b", "gpt-oss", OAI, 1024, "o200k_harmony", True),
    ("openai.gpt-oss-20b-1:0", "gpt-oss", OAI, 1024, "o200k_harmony", True),
    # Anthropic, both naming orders, dated, aliases, Bedrock, Vertex, OpenRouter
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", ANT, 1024, CL, False),
    ("claude-sonnet-4-5", "claude-sonnet-4-5", ANT, 1024, CL, False),
    ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", ANT, 1024, CL, False),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", ANT, 1024, CL, False),
    ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5", ANT, 1024, CL, False),
    ("claude-opus-4-1@20250805", "claude-opus-4-1", ANT, 1024, CL, False),
    ("claude-opus-4-20250514", "claude-opus-4", ANT, 1024, CL, False),
    ("claude-opus-4-0", "claude-opus-4", ANT, 1024, CL, False),
    ("claude-sonnet-4-20250514", "claude-sonnet-4", ANT, 1024, CL, False),
    ("claude-4-sonnet", "claude-sonnet-4", ANT, 1024, CL, False),
    ("claude-3-7-sonnet-20250219", "claude-3-7-sonnet", ANT, 1024, CL, False),
    ("claude-3-7-sonnet-latest", "claude-3-7-sonnet", ANT, 1024, CL, False),
    ("claude-sonnet-3-7", "claude-3-7-sonnet", ANT, 1024, CL, False),
    ("openrouter/anthropic/claude-3.7-sonnet", "claude-3-7-sonnet", ANT, 1024, CL, False),
    ("claude-3-5-haiku-latest", "claude-3-5-haiku", ANT, 2048, CL, False),
    ("claude-3-5-haiku-20241022", "claude-3-5-haiku", ANT, 2048, CL, False),
    ("claude-haiku-3-5", "claude-3-5-haiku", ANT, 2048, CL, False),
    ("claude-3-haiku-20240307", "claude-3-haiku", ANT, 2048, CL, False),
    ("claude-haiku-4-5", "claude-haiku-4-5", ANT, 4096, CL, False),
    ("claude-haiku-4-5-20251001", "claude-haiku-4-5", ANT, 4096, CL, False),
    ("claude-4-5-haiku", "claude-haiku-4-5", ANT, 4096, CL, False),
    ("claude-opus-4-5", "claude-opus-4-5", ANT, 4096, CL, False),
    ("claude-opus-4-6", "claude-opus-4-6", ANT, 4096, CL, False),
    ("claude-opus-4-7", "claude-opus-4-7", ANT, 2048, CL, False),
    ("claude-opus-4-8", "claude-opus-4-8", ANT, 1024, CL, False),
    ("claude-sonnet-4-6", "claude-sonnet-4-6", ANT, 1024, CL, False),
    ("claude-sonnet-5", "claude-sonnet-5", ANT, 1024, CL, False),
    ("claude-opus-5", "claude-opus-5", ANT, 512, CL, False),
    ("claude-fable-5", "claude-fable-5", ANT, 512, CL, False),
    ("claude-fable-5-1", "claude-fable-5-1", ANT, 512, CL, False),
    ("claude-mythos-5.1", "claude-mythos-5-1", ANT, 512, CL, False),
    ("claude-mythos-preview", "claude-mythos-preview", ANT, 2048, CL, False),
    # Gemini
    ("gemini-2.5-flash", "gemini-2.5-flash", GEM, 2048, CL, False),
    ("models/gemini-2.5-pro", "gemini-2.5-pro", GEM, 2048, CL, False),
    ("gemini-3.1-pro-preview", "gemini-3.1-pro", GEM, 4096, CL, False),
    ("gemini-3.8-flash", "gemini-3.8-flash", GEM, 4096, CL, False),
    ("gemini-4-argon", "gemini-4-argon", GEM, 4096, CL, False),
    (
        "projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash",
        "gemini-2.5-flash",
        GEM,
        2048,
        CL,
        False,
    ),
]


@pytest.mark.parametrize(("name", "pattern", "provider", "minimum", "encoding", "exact"), CASES)
def test_lookup(
    name: str, pattern: str, provider: str, minimum: int, encoding: str, exact: bool
) -> None:
    found = lookup_model(name, DEFAULT)
    assert found.known
    assert found.info.pattern == pattern
    assert found.provider == provider
    assert found.min_cache_tokens == minimum
    assert found.encoding == encoding
    assert found.exact_tokens is exact
    assert not found.defaulted
    assert provider_of_model(name) == provider


@pytest.mark.parametrize(
    ("name", "caches"),
    [
        ("gpt-4", False),
        ("gpt-4-turbo-2024-04-09", False),
        ("gpt-4-32k", False),
        ("gpt-3.5-turbo", False),
        ("gpt-35-turbo-16k", False),
        ("gpt-4o", True),
        ("gpt-4.1-mini", True),
        ("o1", True),
        ("claude-sonnet-4-5", True),
        ("gemini-2.5-pro", True),
    ],
)
def test_caches(name: str, caches: bool) -> None:
    assert lookup_model(name, DEFAULT).caches is caches


def test_longest_pattern_wins() -> None:
    assert lookup_model("gpt-4o", DEFAULT).info.pattern == "gpt-4o"  # not gpt-4
    assert lookup_model("gpt-4o-mini-2024-07-18", DEFAULT).info.pattern == "gpt-4o-mini"
    assert lookup_model("gpt-4.1-mini", DEFAULT).info.pattern == "gpt-4.1-mini"  # not gpt-4(.1)
    assert lookup_model("claude-opus-4-1", DEFAULT).info.pattern == "claude-opus-4-1"
    assert lookup_model("claude-fable-5-1", DEFAULT).info.pattern == "claude-fable-5-1"


@pytest.mark.parametrize(
    ("name", "fallback", "provider"),
    [
        ("gpt-7", FALLBACK_OPENAI, "openai"),
        ("gpt-4.2", FALLBACK_OPENAI, "openai"),  # not gpt-4: a different version
        ("o9-mini", FALLBACK_OPENAI, None),
        ("chatgpt-5-latest", FALLBACK_OPENAI, "openai"),
        ("claude-opus-4-9", FALLBACK_ANTHROPIC, "anthropic"),  # not claude-opus-4
        ("claude-3-sonnet-20240229", FALLBACK_ANTHROPIC, "anthropic"),
        ("anthropic/claude-next", FALLBACK_ANTHROPIC, "anthropic"),
        ("gemini-1.0-pro", FALLBACK_GEMINI, "gemini"),
        ("gemini-9-ultra", FALLBACK_GEMINI, "gemini"),
        ("llama-3.1-70b-instruct", FALLBACK_OPENAI, None),
        ("my-deployment", FALLBACK_OPENAI, None),
    ],
)
def test_unknown_models_fall_back(name: str, fallback: object, provider: str | None) -> None:
    found = lookup_model(name, DEFAULT)
    assert found.info is fallback
    assert not found.known
    assert not found.exact_tokens
    assert found.name == normalise_model_name(name)
    assert provider_of_model(name) == provider
    text = found.describe()
    assert text.startswith(f"unknown model `{found.name}`, assuming ")
    assert f"{found.info.min_cache_tokens:,}-token minimum" in text


def test_fallback_values() -> None:
    assert (FALLBACK_OPENAI.provider, FALLBACK_OPENAI.min_cache_tokens) == ("openai", 1024)
    assert FALLBACK_OPENAI.encoding == "o200k_base"
    assert (FALLBACK_ANTHROPIC.provider, FALLBACK_ANTHROPIC.min_cache_tokens) == ("anthropic", 1024)
    assert (FALLBACK_GEMINI.provider, FALLBACK_GEMINI.min_cache_tokens) == ("gemini", 4096)


def test_default_used_when_model_missing() -> None:
    for missing in (None, "", "   "):
        found = lookup_model(missing, "claude-sonnet-4-5")
        assert found.defaulted and found.known
        assert found.info.pattern == "claude-sonnet-4-5"
    unknown_default = lookup_model(None, "some-model")
    assert unknown_default.defaulted and not unknown_default.known
    assert unknown_default.info is FALLBACK_OPENAI


def test_describe_known() -> None:
    text = lookup_model("gpt-4o", DEFAULT).describe()
    assert text == "`gpt-4o` (1,024-token minimum, o200k_base)"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("OpenAI/GPT-4o", "gpt-4o"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929"),
        ("global.anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5-20251101"),
        ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
         "claude-3-5-haiku-20241022"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("ft:gpt-4o:org::id", "gpt-4o"),
        ("claude-haiku-3-5-latest", "claude-3-5-haiku-latest"),
        ("claude-4-sonnet-20250514", "claude-sonnet-4-20250514"),
        ("claude-3.7-sonnet", "claude-3-7-sonnet"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini-2025-04-14"),
        ("deepseek-v3", "deepseek-v3"),  # a -vN suffix is only stripped from Bedrock ids
    ],
)
def test_normalise(raw: str, normalised: str) -> None:
    assert normalise_model_name(raw) == normalised


# ---- the table itself ------------------------------------------------------------------------


def test_rows_have_source_and_iso_date() -> None:
    for row in (*MODELS, FALLBACK_OPENAI, FALLBACK_ANTHROPIC, FALLBACK_GEMINI):
        assert re.match(r"[A-Z][A-Z0-9-]+ ", row.source), row
        assert "https://" in row.source, row
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row.date), row
        assert datetime.date(2024, 1, 1) <= datetime.date.fromisoformat(row.date), row


def test_rows_are_consistent() -> None:
    patterns = [row.pattern for row in MODELS]
    assert len(patterns) == len(set(patterns))
    for row in MODELS:
        assert row.min_cache_tokens in (512, 1024, 2048, 4096), row
        if row.provider == "openai":
            assert row.encoding in EXACT_ENCODINGS, row
        else:
            assert row.provider in ("anthropic", "gemini"), row
            assert row.encoding == "cl100k_base", row  # basis of the estimate


def test_every_row_is_reachable() -> None:
    # A pattern normalisation would rewrite (e.g. a Claude name in the wrong order) never matches.
    for row in MODELS:
        name = row.pattern.replace("*", "6")
        assert normalise_model_name(name) == name, row
        assert lookup_model(name, DEFAULT).info is row, row


def test_conflicting_sonnet_4_6_is_noted() -> None:
    row = model_row("claude-sonnet-4-6")
    assert row.min_cache_tokens == 1024
    assert "CONFLICTING" in row.note


def test_model_row_unknown_pattern() -> None:
    with pytest.raises(KeyError):
        model_row("gpt-99")


# ---- listed ids, family fallback, cached prices (issue 19) ------------------------------------


@pytest.mark.parametrize(
    ("name", "pattern", "minimum", "ratio"),
    [
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet", 1024, 0.1),
        ("claude-3-5-sonnet-20240620", "claude-3-5-sonnet", 1024, 0.1),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet", 1024, 0.1),
        ("claude-3-opus-latest", "claude-3-opus", 1024, 0.1),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku", 2048, 0.1),
        ("claude-fable-5-1", "claude-fable-5-1", 512, 0.025),
        ("gpt-4o-2024-08-06", "gpt-4o", 1024, 0.5),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini", 1024, 0.5),
        ("gpt-4.1-2025-04-14", "gpt-4.1", 1024, 0.25),
        ("o3-mini-2025-01-31", "o3-mini", 1024, 0.5),
        ("o4-mini-2025-04-16", "o4-mini", 1024, 0.25),
        ("gpt-5-nano-2025-08-07", "gpt-5", 1024, 0.1),
        ("gpt-5.6-sol", "gpt-5.*", 1024, 0.1),
        ("gpt-6.1-sol", "gpt-6.1", 1024, 0.05),
        ("gemini-2.5-flash", "gemini-2.5-flash", 2048, 0.1),
        ("gemini-3.1-pro-preview", "gemini-3.1-pro", 4096, 0.1),
    ],
)
def test_listed_ids(name: str, pattern: str, minimum: int, ratio: float) -> None:
    found = lookup_model(name, DEFAULT)
    assert found.known and found.listed, name
    assert found.info.pattern == pattern
    assert found.min_cache_tokens == minimum
    assert found.price is not None and found.price.ratio == ratio
    assert found.size_facts
    assert found.family_note() == ""


@pytest.mark.parametrize(
    "name",
    ["gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-4", "gpt-4-turbo", "gpt-4-turbo-2024-04-09",
     "gpt-4-0125-preview", "gpt-4o-2024-05-13", "claude-2", "claude-2.0", "claude-2.1",
     "claude-instant-1.2", "gemini-2.0-flash", "gemini-2.0-flash-001", "gemini-2.0-flash-lite-001",
     "gemini-1.5-pro-002", "gemini-1.5-flash"],
)
def test_models_without_caching(name: str) -> None:
    found = lookup_model(name, DEFAULT)
    assert found.known and not found.caches, name
    assert not found.size_facts


def test_an_unlisted_id_of_a_known_family_takes_the_family_row_and_says_so() -> None:
    found = lookup_model("gpt-4.1-2099-01-01", DEFAULT)
    assert found.known and not found.listed
    assert found.info is model_row("gpt-4.1")
    assert found.family_note() == (
        "`gpt-4.1-2099-01-01` is not in the model table: the gpt-4.1 family's facts are assumed")
    assert "the gpt-5.x family" in lookup_model("gpt-5.9-nova", DEFAULT).family_note()
    # a listed id and an unknown model have no family note
    assert lookup_model("gpt-4.1", DEFAULT).family_note() == ""
    assert lookup_model("gpt-99", DEFAULT).family_note() == ""


def test_unknown_facts_silence_the_size_rules() -> None:
    assert not lookup_model("my-deployment", DEFAULT).size_facts  # fallback: no price
    assert not lookup_model("chatgpt-4o-latest", DEFAULT).size_facts  # no source gives its price
    assert not lookup_model("gpt-5.5-pro", DEFAULT).size_facts
    assert lookup_model("gpt-5.5", DEFAULT).size_facts


def test_every_listed_id_is_found_as_itself() -> None:
    seen: set[str] = set()
    for row in MODELS:
        for model_id in row.ids:
            assert model_id not in seen, model_id  # an id belongs to one row
            seen.add(model_id)
            assert normalise_model_name(model_id) == model_id, model_id
            found = lookup_model(model_id, DEFAULT)
            assert found.info is row and found.listed, model_id


def _iso(date: str) -> bool:
    return (re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) is not None
            and datetime.date(2024, 1, 1) <= datetime.date.fromisoformat(date) <= datetime.date(2026, 12, 31))


def test_every_price_and_provider_has_source_and_date() -> None:
    for row in MODELS:
        if row.price is not None:
            assert row.caches, row
            assert 0 < row.price.ratio < 1, row
            assert re.match(r"[A-Z][A-Z0-9-]+ ", row.price.source) and "https://" in row.price.source, row
            assert _iso(row.price.date), row
        elif row.caches:
            assert "price" in row.note, row  # says why the price is unknown
    for c in COMPATIBLE:
        assert re.match(r"[A-Z][A-Z0-9-]+ ", c.source), c
        assert _iso(c.date), c
        assert c.note, c
        if c.price is not None:
            assert _iso(c.price.date) and c.price.source, c


# ---- OpenAI-compatible providers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "model", "key"),
    [
        ("https://api.deepseek.com", None, "deepseek"),
        ("https://api.deepseek.com/v1", "deepseek-chat", "deepseek"),
        ("https://api.x.ai/v1", None, "xai"),
        ("https://api.groq.com/openai/v1", None, "groq"),
        ("https://api.together.xyz/v1", None, "together"),
        ("https://api.fireworks.ai/inference/v1", None, "fireworks"),
        ("https://openrouter.ai/api/v1", "deepseek/deepseek-chat", "openrouter"),  # the host wins
        ("https://api.mistral.ai/v1", None, "mistral"),
        ("https://my-res.openai.azure.com/openai", None, "azure"),
        ("http://localhost:11434/v1", None, "local"),
        ("http://127.0.0.1:8000/v1", None, "local"),
        ("localhost:1234/v1", None, "local"),
        ("http://192.168.1.20:8000/v1", None, "local"),
        ("http://host.docker.internal:11434/v1", None, "local"),
        (None, "deepseek-reasoner", "deepseek"),
        (None, "grok-3-beta", "xai"),
        (None, "mistral-large-latest", "mistral"),
        (None, "codestral-2501", "mistral"),
    ],
)
def test_compatible_providers(base_url: str | None, model: str | None, key: str) -> None:
    name = normalise_model_name(model) if model else None
    found = compatible_provider(base_url, name)
    assert found is not None and found.key == key


@pytest.mark.parametrize(
    ("base_url", "model"),
    [
        ("https://api.openai.com/v1", "gpt-4.1"),
        (None, "gpt-4o"),
        ("https://eu.api.openai.com/v1", None),  # OpenAI's regional host
        (None, "grokking-model"),  # a prefix only when followed by "-"
    ],
)
def test_not_a_compatible_provider(base_url: str | None, model: str | None) -> None:
    assert compatible_provider(base_url, model) is None


@pytest.mark.parametrize(
    ("base_url", "unresolved"),
    [
        ("https://gateway.example.com/v1", False),  # a host the table does not know
        ("https://api.anthropic.com/v1/", False),  # Anthropic's OpenAI-compatible layer: no facts
        ("https://api.openai.com.example.net/v1", False),  # not OpenAI's host
        ("not a url at all", False),
        ("http://[bad", False),
        (None, True),  # a base_url the analysis could not follow
    ],
)
def test_an_endpoint_of_unknown_provider(base_url: str | None, unresolved: bool) -> None:
    found = compatible_provider(base_url, "gpt-4.1", unresolved)
    assert found is not None and found.key == "unknown"
    m = lookup_model("gpt-4.1", "gpt-4.1", base_url, unresolved)
    assert m.via == found and not m.size_facts and m.min_cache_tokens == 1024  # ordering rules keep OpenAI's


def test_compatible_providers_get_ordering_rules_only() -> None:
    deepseek = lookup_model("deepseek-chat", DEFAULT, "https://api.deepseek.com")
    assert deepseek.via is not None and deepseek.via.key == "deepseek"
    assert deepseek.caches and not deepseek.size_facts
    assert deepseek.describe().startswith("`deepseek-chat` on DeepSeek")
    groq = lookup_model("gpt-oss-120b", DEFAULT, "https://api.groq.com/openai/v1")
    assert groq.price is not None and groq.price.ratio == 0.5  # Groq's own documented discount
    assert not groq.size_facts  # ... but no documented minimum
    local = lookup_model("gpt-4.1", DEFAULT, "http://localhost:8000/v1")
    assert local.known and not local.size_facts  # an OpenAI name served by a local server
    azure = lookup_model("gpt-4.1", DEFAULT, "https://res.openai.azure.com/")
    assert azure.via is not None and azure.size_facts  # Azure serves OpenAI's models: rows apply
    assert azure.price == model_row("gpt-4.1").price


def test_cost_threshold_and_saving() -> None:
    assert pays_from(1024, 0.25) == 256
    assert pays_from(1024, 0.5) == 512
    assert pays_from(1024, 0.1) == 103  # 102.4 rounds up
    assert pays_from(512, 0.025) == 13
    assert saving(256, 1024, 0.25) == 0.0
    assert saving(512, 1024, 0.25) == 0.5
    assert round(saving(601, 1024, 0.25), 3) == 0.574


def test_a_default_model_only_a_compatible_provider_serves_names_it() -> None:
    found = lookup_model(None, "deepseek-chat")
    assert found.defaulted and found.via is not None and found.via.key == "deepseek"
    assert lookup_model(None, DEFAULT).via is None
