"""`cachelint models`: the model and provider facts the rules assume, as a table or JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from cachelint.models import COMPATIBLE, MODELS, Compatible, ModelInfo, ModelLookup, Price, lookup_model

_TAG = re.compile(r"(?:^|; )([A-Z][A-Z0-9-]+)")


def _tags(source: str) -> str:
    """"OAI-GUIDE-NEW via W3C-MIRROR https://...; TIKTOKEN https://..." -> "OAI-GUIDE-NEW, TIKTOKEN"."""
    return ", ".join(_TAG.findall(source)) or source


def _ratio(row: ModelInfo) -> str:
    if not row.caches:
        return "no caching"
    return f"{row.cached_ratio:g}x" if row.cached_ratio is not None else "unknown"


def _rows(row: ModelInfo) -> list[tuple[str, ModelInfo]]:
    family = row.pattern.replace(".*", ".x").rstrip("*")
    names = [f"{family} (family)"] if row.pattern.endswith("*") or row.ids else [family]
    names += [i for i in row.ids if i != row.pattern]
    return [(name, row) for name in names]


def _price_json(price: Price | None) -> dict[str, Any] | None:
    if price is None:
        return None
    return {"ratio": price.ratio, "source": price.source, "date": price.date}


def _model_json(row: ModelInfo) -> dict[str, Any]:
    return {
        "family": row.pattern,
        "ids": list(row.ids),
        "provider": row.provider,
        "caches": row.caches,
        "minimum": row.min_cache_tokens,
        "encoding": row.encoding,
        "source": row.source,
        "date": row.date,
        "cached_price": _price_json(row.price),
        "note": row.note,
    }


def _compatible_json(c: Compatible) -> dict[str, Any]:
    return {
        "provider": c.key,
        "label": c.label,
        "hosts": list(c.hosts),
        "model_prefixes": list(c.model_prefixes),
        "uses_openai_model_rows": c.openai_rows,
        "minimum": c.minimum,
        "cached_price": _price_json(c.price),
        "source": c.source,
        "date": c.date,
        "note": c.note,
    }


def table_json() -> str:
    payload = {
        "models": [_model_json(row) for row in MODELS],
        "openai_compatible": [_compatible_json(c) for c in COMPATIBLE],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _columns(lines: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]) - 1)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + line[-1]
            for line in lines]


def table_text() -> str:
    head = ("MODEL", "PROVIDER", "MINIMUM", "CACHED", "DATE", "SOURCE")
    lines: list[tuple[str, ...]] = [head]
    for row in MODELS:
        for name, r in _rows(row):
            minimum = f"{r.min_cache_tokens:,}" if r.caches else "-"
            date = r.date if r.price is None else f"{r.date}, {r.price.date}"
            source = _tags(r.source) if r.price is None else f"{_tags(r.source)}; price {_tags(r.price.source)}"
            lines.append((name, r.provider, minimum, _ratio(r), date, source))
    out = _columns(lines)
    out.append("")
    out.append("OpenAI-compatible providers (OpenAI SDK with base_url=):")
    compat: list[tuple[str, ...]] = [("PROVIDER", "MINIMUM", "CACHED", "DATE", "RULES")]
    for c in COMPATIBLE:
        minimum = f"{c.minimum:,}" if c.minimum is not None else "unknown"
        ratio = f"{c.price.ratio:g}x" if c.price is not None else "unknown"
        if c.openai_rows:
            minimum = ratio = "per model"
        rules = "as OpenAI" if c.openai_rows else (
            "all" if c.minimum is not None and c.price is not None else "ordering only (CL101-CL103, CL202)")
        compat.append((c.label, minimum, ratio, c.date, f"{rules}: {c.note}"))
    out.extend(_columns(compat))
    out.append("")
    out.append("Sources: `cachelint models --format json` gives each source's address.")
    return "\n".join(out) + "\n"


def minimum_line(m: ModelLookup) -> str:
    via = m.via
    if via is not None and not via.openai_rows:
        if via.minimum is not None:
            return f"  minimum: {via.minimum:,} tokens ({via.source}, {via.date})"
        return (f"  minimum: not documented by {via.label} ({via.source}, {via.date}); "
                f"the ordering rules compare with {m.min_cache_tokens:,}")
    r = m.info
    return f"  minimum: {m.min_cache_tokens:,} tokens ({r.source}, {r.date})"


def explain(name: str, default: str, base_url: str | None) -> str:
    """How one model name (and client base_url) is looked up, and the facts that follow."""
    m: ModelLookup = lookup_model(name, default, base_url)
    r = m.info
    if m.via is not None and not m.via.openai_rows:
        found = f"served by {m.via.label}: {m.via.note}"
    elif not m.known:
        found = f"not in the model table: {r.note}"
    elif not m.listed:
        found = m.family_note()
    else:
        found = f"in the model table (family {r.pattern})"
    price = m.price
    lines = [
        f"{m.name}: {found}",
        f"  provider: {r.provider}; caches: {'yes' if m.caches else 'no'}",
        minimum_line(m),
        "  cached price: " + (f"{price.ratio:g}x the input price ({price.source}, {price.date})"
                              if price is not None else "unknown"),
        f"  tokenizer: {r.encoding}" + ("" if m.exact_tokens else " (an estimate)"),
        f"  size rules (CL201): {'yes' if m.size_facts else 'no'}",
    ]
    if r.note and m.known:
        lines.append(f"  note: {r.note}")
    return "\n".join(lines) + "\n"
