"""langchain prompt templates: `ChatPromptTemplate.from_messages([...])`, `.partial(...)`,
`.format_messages(...)`, and the chain `prompt | llm` whose `invoke(input)` sends the template's
messages rendered with the input.

A template is a record of its messages as written (role and content template, or a
`MessagesPlaceholder`) and the variables given by `partial`; rendering fills each `{name}` the
way `str.format` does (langchain's default f-string templates) and splices a placeholder's
message list where it stands. `prompt | llm` is the chat model (cachelint.analysis.library.
langchain) with the template kept in its settings; the request it sends is rebuilt by
cachelint.analysis.framework_requests through `render`.
"""

from __future__ import annotations

import ast
import string

from cachelint.analysis.env import Env
from cachelint.analysis.frameworks import LANGCHAIN_KINDS, LANGCHAIN_ROLES
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.library.strings import str_format
from cachelint.analysis.values import (
    AltV,
    ClientV,
    ConstV,
    DictV,
    Item,
    ListV,
    OpaqueV,
    RecordV,
    StrV,
    Text,
    Value,
    spread_entries,
    text_of,
)

TEMPLATE = "langchain_core.prompts.ChatPromptTemplate"
PLACEHOLDER = "langchain_core.prompts.MessagesPlaceholder"
TEMPLATE_SETTING = "prompt_template"  # where `prompt | llm` keeps the template on the chat model

_MODULES = ("langchain_core.prompts", "langchain_core.prompts.chat", "langchain.prompts", "langchain.prompts.chat")
_FROM_MESSAGES = tuple(f"{m}.ChatPromptTemplate.from_messages" for m in _MODULES)
_PLACEHOLDERS = tuple(f"{m}.MessagesPlaceholder" for m in _MODULES)
_MESSAGE_KINDS = ("system", "user", "assistant", "developer")  # roles a template message is sent as


def _str(text: str) -> StrV:
    return StrV((Text(text, None),))


def from_messages(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`ChatPromptTemplate.from_messages([("system", "... {x} ..."), MessagesPlaceholder("messages")])`:
    the template's messages as written. Not modelled (None) unless every message is one whose
    role is known: a `(role, template)` pair, a template string (a user message), a langchain
    message object (sent as written, not formatted) or a placeholder."""
    if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
        return None
    given = ev.eval(node.args[0], env)
    if not isinstance(given, ListV) or any(it.optional or it.repeated for it in given.items):
        return None
    messages: list[Item] = []
    for it in given.items:
        m = _template_message(it.value)
        if m is None:
            return None
        messages.append(Item(m))
    return RecordV((("messages", ListV(tuple(messages), given.loc)), ("partials", DictV((), None))),
                   ev.loc(env, node), True, kind=TEMPLATE)


def _template_message(v: Value) -> Value | None:
    if isinstance(v, RecordV) and v.kind == PLACEHOLDER:
        return v
    if isinstance(v, RecordV) and v.get("role") is not None:
        # a message object: its content is sent as written (`template` false)
        return DictV((("role", v.get("role") or _str("user")), ("content", v.get("content") or _str("")),
                      ("template", ConstV(False))), v.loc)
    if isinstance(v, StrV):
        return DictV((("role", _str("user")), ("content", v), ("template", ConstV(True))), None)
    if isinstance(v, ListV) and v.is_tuple and len(v.items) == 2:
        role = text_of(v.items[0].value.pieces) if isinstance(v.items[0].value, StrV) else None
        content = v.items[1].value
        if role == "placeholder":
            name = _field_only(content)
            return None if name is None else RecordV((("variable_name", _str(name)),), v.loc, True, kind=PLACEHOLDER,
                                                      attrs=(("optional", ConstV(True)),))
        sent = LANGCHAIN_ROLES.get(role or "")
        if sent not in _MESSAGE_KINDS or not isinstance(content, StrV):
            return None
        return DictV((("role", _str(sent)), ("content", content), ("template", ConstV(True))), v.loc)
    return None


def _true(v: Value | None) -> bool:
    return isinstance(v, ConstV) and v.value is True


def _field_only(v: Value) -> str | None:
    """`"{messages}"`: the one variable a template string is."""
    t = text_of(v.pieces) if isinstance(v, StrV) else None
    if t is None or not (t.startswith("{") and t.endswith("}")) or not t[1:-1].isidentifier():
        return None
    return t[1:-1]


def placeholder(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`MessagesPlaceholder("messages")`, `MessagesPlaceholder(variable_name="history", optional=True)`."""
    name_node = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "variable_name"), None)
    if name_node is None or isinstance(name_node, ast.Starred):
        return None
    name = ev.eval(name_node, env)
    if not isinstance(name, StrV) or text_of(name.pieces) is None:
        return None
    optional = next((ev.eval(k.value, env) for k in node.keywords if k.arg == "optional"), ConstV(False))
    return RecordV((("variable_name", name),), ev.loc(env, node), True, kind=PLACEHOLDER,
                   attrs=(("optional", optional),))


def partial(ev: EvaluatorAPI, recv: RecordV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`prompt.partial(system_message=..., tool_names=...)`: the template with these variables given."""
    if recv.kind != TEMPLATE or node.args:
        return None
    given = recv.get("partials")
    entries = list(given.entries) if isinstance(given, DictV) else []
    complete = isinstance(given, DictV) and given.complete
    for k in node.keywords:
        if k.arg is None:
            more, whole = spread_entries(ev.eval(k.value, env))
            entries.extend(more)
            complete = complete and whole
        else:
            entries = [(n, v) for n, v in entries if n != k.arg]
            v = ev.eval(k.value, env)
            if k.arg not in _placeholders(recv):
                # rendered where it is given, so that a finding points at this argument
                v = ev.to_str(v, env, k.value)
            entries.append((k.arg, v))
    partials = DictV(tuple(entries), ev.loc(env, node), complete)
    return RecordV(tuple((n, partials if n == "partials" else v) for n, v in recv.entries), recv.loc, recv.complete,
                   kind=TEMPLATE)


def _placeholders(tpl: RecordV) -> set[str]:
    msgs = tpl.get("messages")
    out: set[str] = set()
    for it in msgs.items if isinstance(msgs, ListV) else ():
        name = it.value.get("variable_name") if isinstance(it.value, RecordV) and it.value.kind == PLACEHOLDER else None
        t = text_of(name.pieces) if isinstance(name, StrV) else None
        if t:
            out.add(t)
    return out


def format_messages(ev: EvaluatorAPI, recv: RecordV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`prompt.format_messages(messages=history)`: the messages rendered with these variables."""
    if recv.kind != TEMPLATE or node.args:
        return None
    entries: list[tuple[str, Value]] = []
    complete = True
    for k in node.keywords:
        if k.arg is None:
            more, whole = spread_entries(ev.eval(k.value, env))
            entries.extend(more)
            complete = complete and whole
        else:
            entries.append((k.arg, ev.eval(k.value, env)))
    return render(ev, recv, DictV(tuple(entries), ev.loc(env, node), complete), node, env)


def variables(tpl: RecordV) -> list[str]:
    """The variables a template still needs, in order (those `partial` gave excepted)."""
    given = tpl.get("partials")
    known = {k for k, _ in given.entries} if isinstance(given, DictV) else set()
    out: list[str] = []
    msgs = tpl.get("messages")
    for it in msgs.items if isinstance(msgs, ListV) else ():
        m = it.value
        if isinstance(m, RecordV) and m.kind == PLACEHOLDER:
            name_v = m.get("variable_name")
            names = [text_of(name_v.pieces)] if isinstance(name_v, StrV) else []
        elif isinstance(m, DictV) and _true(m.get("template")):
            names = _fields(m.get("content"))
        else:
            names = []
        out.extend(n for n in names if n and n not in known and n not in out)
    return out


def _fields(v: Value | None) -> list[str | None]:
    t = text_of(v.pieces) if isinstance(v, StrV) else None
    if t is None:
        return []
    try:
        return [f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(t) if f]
    except ValueError:
        return []


def render(ev: EvaluatorAPI, tpl: RecordV, inputs: Value, node: ast.Call, env: Env) -> Value | None:
    """The template's messages with its variables filled: those `partial` gave, then `inputs` (a
    dict of variables, or the value of the one variable left, as langchain takes a non-dict
    input). None when the input cannot be told apart (a value that may or may not be a dict)."""
    needed = variables(tpl)
    given = tpl.get("partials")
    entries = list(given.entries) if isinstance(given, DictV) else []
    complete = isinstance(given, DictV) and given.complete
    if isinstance(inputs, DictV) and not isinstance(inputs, RecordV):
        entries.extend(inputs.entries)
        complete = complete and inputs.complete
    elif len(needed) == 1 and isinstance(inputs, ListV | StrV | OpaqueV):
        entries.append((needed[0], inputs))
    elif needed:
        return None
    mapping = DictV(tuple(entries), ev.loc(env, node), complete)
    msgs = tpl.get("messages")
    out: list[Item] = []
    for it in msgs.items if isinstance(msgs, ListV) else ():
        m = it.value
        if isinstance(m, RecordV) and m.kind == PLACEHOLDER:
            name_v = m.get("variable_name")
            name = text_of(name_v.pieces) if isinstance(name_v, StrV) else None
            got = mapping.get(name) if name else None
            if got is None:
                if _true(m.attr("optional")) or not complete:
                    continue  # an optional placeholder not given adds nothing
                return None
            out.extend(_spliced(ev, got, env, node))
            continue
        if not isinstance(m, DictV):
            return None
        content = m.get("content") or _str("")
        if _true(m.get("template")) and isinstance(content, StrV):
            content = str_format(ev, content, node, env, mapping)
        out.append(Item(DictV((("role", m.get("role") or _str("user")), ("content", content)), m.loc)))
    return ListV(tuple(out), tpl.loc)


def _spliced(ev: EvaluatorAPI, v: Value, env: Env, node: ast.AST) -> list[Item]:
    """The messages a placeholder's value adds: a list's items, or for a list not known item by
    item (the conversation so far) its messages, any number of them."""
    if isinstance(v, ListV):
        return list(v.items)
    if isinstance(v, AltV | OpaqueV):
        return [Item(ev.element_of(v, env, node), repeated=True)]
    return [Item(v)]


def chain(ev: EvaluatorAPI, left: Value, right: Value, op: ast.operator, env: Env, node: ast.AST) -> Value | None:
    """`prompt | llm` (also `prompt | llm.bind_tools(tools)`): the chat model, sending the
    template's messages rendered with what `invoke` is given."""
    if not (isinstance(left, RecordV) and left.kind == TEMPLATE):
        return None
    if isinstance(right, AltV):
        return ev.map_alt(right, lambda o: chain(ev, left, o, op, env, node) or ev.unknown(env, node, "chain"),
                          node, env)
    if not (isinstance(right, ClientV) and right.kind in LANGCHAIN_KINDS):
        return None
    settings = right.settings
    entries = (*(settings.entries if settings is not None else ()), (TEMPLATE_SETTING, left))
    complete = settings is not None and settings.complete
    return ClientV(right.provider, right.kind, right.base_url, right.base_url_unresolved,
                   settings=DictV(entries, settings.loc if settings is not None else left.loc, complete),
                   prompt_nodes=right.prompt_nodes)


def register(reg: Registry) -> None:
    reg.call(_FROM_MESSAGES, from_messages)
    reg.call(_PLACEHOLDERS, placeholder)
    reg.method(RecordV, ("partial",), partial)
    reg.method(RecordV, ("format_messages",), format_messages)
    reg.operator(ast.BitOr, chain)
