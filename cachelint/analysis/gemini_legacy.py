"""The legacy Gemini SDK, `google.generativeai` (package google-generativeai).

Part of its prompt is fixed when the model object is made, and the rest is sent later:

    model = genai.GenerativeModel("gemini-2.5-flash", system_instruction=RULES, tools=TOOLS)
    model.generate_content(question)                  # contents
    chat = model.start_chat(history=[...])
    chat.send_message(question)                       # history, then the message

A GenerativeModel or ChatSession is a ClientV whose `settings` hold the constructor's
arguments by name (and the chat's history). A call on one is recognised only when its
receiver is shown to be such an object: `.generate_content` on anything else says nothing.

This module holds the shape of the API (its calls and settings), read when calls are found and
prompts assembled; the values themselves are made by the library model
cachelint.analysis.library.gemini_legacy.
"""

from __future__ import annotations

from cachelint.analysis.values import AltV, ClientV, ConstV, DictV, StrV, Value, text_of

MODEL_KIND = "GenerativeModel"
CHAT_KIND = "ChatSession"
KINDS = (MODEL_KIND, CHAT_KIND)

# Vertex AI's SDK (`vertexai.generative_models`) has the same model object and calls, and sends
# them to the same models, whose caching facts are Gemini's (caching-facts.md 3.1).
MODEL_CLASSES = frozenset({
    "google.generativeai.GenerativeModel",
    "google.generativeai.generative_models.GenerativeModel",
    "vertexai.generative_models.GenerativeModel",
    "vertexai.preview.generative_models.GenerativeModel",
    "vertexai.generative_models._generative_models.GenerativeModel",
})

# GenerativeModel(model_name, safety_settings, generation_config, tools, tool_config, system_instruction)
MODEL_PARAMS = ("model_name", "safety_settings", "generation_config", "tools", "tool_config",
                "system_instruction")
PROMPT_SETTINGS = frozenset({"tools", "system_instruction", "history"})

# Method -> (kind of receiver, API name reported). The async twins render the same request.
APIS: dict[str, tuple[str, str]] = {
    "generate_content": (MODEL_KIND, "GenerativeModel.generate_content"),
    "generate_content_async": (MODEL_KIND, "GenerativeModel.generate_content"),
    "count_tokens": (MODEL_KIND, "GenerativeModel.count_tokens"),
    "count_tokens_async": (MODEL_KIND, "GenerativeModel.count_tokens"),
    "send_message": (CHAT_KIND, "ChatSession.send_message"),
    "send_message_async": (CHAT_KIND, "ChatSession.send_message"),
    # google-genai's chats (see library/genai_chats.py): the streaming twin
    "send_message_stream": (CHAT_KIND, "ChatSession.send_message"),
}
API_NAMES = frozenset(api for _, api in APIS.values())
# The keyword that names the sent content (it is also the first positional argument).
CONTENT_KEYWORD = {"GenerativeModel.generate_content": "contents", "GenerativeModel.count_tokens": "contents",
                   "ChatSession.send_message": "content"}


def is_legacy_api(api: str) -> bool:
    return api in API_NAMES


def model_name(settings: DictV | None) -> Value | None:
    return settings.get("model_name") if settings is not None else None


def merge(clients: list[ClientV], where: AltV) -> ClientV:
    """Model objects of the same kind made in several places (`self.model` set in two methods):
    one object whose settings are, name by name, one of the values each sets."""
    first = clients[0]
    if all(c == first for c in clients):
        return first
    if any(c.settings is None for c in clients):
        return ClientV(first.provider, first.kind, prompt_nodes=first.prompt_nodes)
    settings = [c.settings for c in clients if c.settings is not None]
    names: list[str] = []
    for s in settings:
        names.extend(k for k, _ in s.entries if k not in names)
    entries: list[tuple[str, Value]] = []
    for name in names:
        options: list[Value] = []
        for s in settings:
            v = s.get(name)
            v = v if v is not None else ConstV(None)
            if v not in options and not any(_same_text(v, o) for o in options):
                options.append(v)
        entries.append((name, options[0] if len(options) == 1 else AltV(tuple(options), where.loc, where.source)))
    complete = all(s.complete for s in settings)
    nodes = tuple(n for c in clients for n in c.prompt_nodes)
    return ClientV(first.provider, first.kind, settings=DictV(tuple(entries), where.loc, complete), prompt_nodes=nodes)


def _same_text(a: Value, b: Value) -> bool:
    """The same literal text written in two places (the model name in both branches)."""
    if not (isinstance(a, StrV) and isinstance(b, StrV)):
        return False
    ta = text_of(a.pieces)
    return ta is not None and ta == text_of(b.pieces)
