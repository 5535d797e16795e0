"""Where a request's last user message is written, for a fix that moves text into it (CL101,
CL102): the content of the last message of the list given in the call (written there, or in the
variable the call passes, built as a list literal or by a last `append`), the call's text input,
or, when the list ends with the conversation history (`*history`), the place after it where a
new user message goes."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from cachelint.diagnostics import Span
from cachelint.fixes.filetree import FileTree

# Where the last user message is, by API: the keyword, and whether it may be the message itself
# (a string) rather than a list of messages.
_USER_KEYWORD = {"responses": ("input", True), "chat.completions": ("messages", False),
                 "messages": ("messages", False), "models": ("contents", True)}


@dataclass(frozen=True)
class Destination:
    """`content`: the last user message's content as written; or `after`: the history
    (`*history`) that ends the message list, after which a new user message goes."""

    content: ast.expr | None = None
    after: ast.expr | None = None


def last_user_message(tree: FileTree, call: Span, api: str, last_slot: str) -> Destination | None:
    """The call's last user message (`last_slot`: the slot the prompt ends with), or None
    when it is not written in the function that makes the call."""
    keyword, may_be_text = next((v for k, v in _USER_KEYWORD.items() if api.startswith(k)), ("", False))
    if not keyword:
        return None
    found = tree.call_at(call)
    if found is None:
        return None
    value = next((k.value for k in found.keywords if k.arg == keyword), None)
    if value is None:
        return None
    appended = False
    if isinstance(value, ast.Name):
        function = tree.function_at(call.line)
        bound = None if function is None else _last_binding(tree, function, found, value.id)
        if bound is None:
            # A text input as it is (a parameter, say): the fix asks whether it is a `str`.
            return Destination(content=value) if may_be_text else None
        value, appended = bound
    if isinstance(value, ast.Dict) and appended:
        content = _user_content(value)
        return None if content is None or not _is_message(last_slot, keyword) else Destination(content=content)
    if isinstance(value, ast.List):
        if not value.elts:
            return None
        last = value.elts[-1]
        if isinstance(last, ast.Starred):
            if keyword == "contents" or not last_slot.endswith(":]"):
                return None  # Gemini's messages have parts; or the list does not end the prompt
            return Destination(after=last)
        content = _user_content(last) if isinstance(last, ast.Dict) else None
        if content is None or not last_slot.startswith(f"{keyword}[{len(value.elts) - 1}]"):
            return None
        return Destination(content=content)
    if may_be_text and not isinstance(value, ast.Dict | ast.Starred):
        return Destination(content=value)
    return None


def _is_message(slot: str, keyword: str) -> bool:
    return slot.startswith(keyword + "[") and not slot.endswith(":]")


def _user_content(message: ast.Dict) -> ast.expr | None:
    entries = {k.value: v for k, v in zip(message.keys, message.values, strict=True)
               if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    if len(entries) != len(message.keys):
        return None  # `**other` in the dict: it may set the role or content
    role = entries.get("role")
    if not (isinstance(role, ast.Constant) and role.value == "user"):
        return None
    return entries.get("content")


def _last_binding(tree: FileTree, function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call,
                  name: str) -> tuple[ast.expr, bool] | None:
    """What the list `name` passed to `call` was last made of before it: a list literal it was
    assigned (False), or the dict its last `append` added (True); None when anything else
    changed it last, or it was changed where the call is not sure to see it."""
    around: set[int] = set()
    at: ast.AST | None = call
    while at is not None:
        around.add(id(at))
        at = tree.parent(at)
    events: list[tuple[tuple[int, int], ast.stmt]] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == name and (node.lineno, node.col_offset) < (
                call.lineno, call.col_offset) and not tree.within(node, call):
            stmt = _statement(tree, node)
            if stmt is None:
                return None
            events.append(((stmt.lineno, stmt.col_offset), stmt))
    loops = [a for a in ast.walk(function) if isinstance(a, ast.For | ast.AsyncFor | ast.While) and id(a) in around]
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == name and (node.lineno, node.col_offset) > (
                call.lineno, call.col_offset) and not tree.within(node, call) and any(
                tree.within(node, loop) for loop in loops):
            return None  # changed after the call in the loop around it: the next pass sends more
    if not events:
        return None
    stmt = max(events, key=lambda e: e[0])[1]
    if id(tree.parent(stmt)) not in around:
        return None  # changed in a branch or loop the call is not in
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and isinstance(stmt.value, ast.List):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == name:
            return stmt.value, False
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        method = stmt.value.func
        if isinstance(method, ast.Attribute) and method.attr == "append" and isinstance(method.value, ast.Name) \
                and method.value.id == name and len(stmt.value.args) == 1 and isinstance(stmt.value.args[0], ast.Dict):
            return stmt.value.args[0], True
    return None


def _statement(tree: FileTree, node: ast.AST) -> ast.stmt | None:
    at: ast.AST | None = node
    while at is not None and not isinstance(at, ast.stmt):
        at = tree.parent(at)
    return at if isinstance(at, ast.stmt) else None
