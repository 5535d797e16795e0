"""Client for Acme's internal LLM gateway, used by batch jobs for quota and audit logging.

The gateway speaks plain HTTP, so no SDK call appears here and cachelint cannot infer that
`complete` sends a prompt. examples/pyproject.toml declares it under
[tool.cachelint.wrappers], and its callers are then analysed like `chat.completions.create`.
"""

from __future__ import annotations

import httpx

GATEWAY_URL = "https://llm-gateway.internal.acme-home.example/v1/chat"


def complete(messages: list[dict[str, str]], model: str, timeout: float = 120.0) -> str:
    response = httpx.post(GATEWAY_URL, json={"model": model, "messages": messages}, timeout=timeout)
    response.raise_for_status()
    return str(response.json()["content"])
