"""Turn one SDK call into an AssembledPrompt: segments in the order the provider renders them."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable

from cachelint.analysis.calls import FoundCall
from cachelint.analysis.evaluate import Budget, Env, Evaluator, NotStatic, to_python
from cachelint.analysis.values import (
    Alt,
    AltV,
    ConstV,
    DictV,
    FuncRefV,
    Hole,
    Item,
    ListV,
    Loc,
    ModuleRefV,
    OpaqueV,
    Piece,
    SetV,
    StrV,
    Text,
    Value,
    pieces_stability,
    text_of,
    value_stability,
)
from cachelint.diagnostics import Span
from cachelint.prompt import AssembledPrompt, CallSite, Provider, Segment, Stability

SpanOf = Callable[[Loc], Span]

# Where the cached prefix ends: the first message of these roles.
_CONVERSATION_ROLES = {"user", "assistant", "tool", "function", "model"}
_PREAMBLE_ROLES = {"system", "developer"}


class _Builder:
    def __init__(self, ev: Evaluator, env: Env, span_of: SpanOf, call_span: Span) -> None:
        self.ev = ev
        self.env = env
        self.span_of = span_of
        self.call_span = call_span
        self.segments: list[Segment] = []
        self.preamble = True
        self.complete = True

    # ---- pieces to segments

    def text_segments(self, slot: str, value: Value, node: ast.AST, optional: bool = False) -> None:
        """A slot whose value renders as text (instructions, system, message content)."""
        if isinstance(value, ConstV) and value.value is None:
            return
        if isinstance(value, OpaqueV):
            self.opaque_segment(slot, value)
            return
        if isinstance(value, ListV):
            self.content_parts(slot, value, node)
            return
        if isinstance(value, AltV) and any(isinstance(o, ListV) for o in value.options):
            # content is either a string or a list of parts: keep what is common
            self.opaque_segment(slot, OpaqueV(value_stability(value), value.source, value.loc,
                                              "content chosen at run time"))
            return
        pieces = value.pieces if isinstance(value, StrV) else self.ev.as_pieces(value, self.env, node)
        for p in pieces:
            self.piece_segment(slot, p, optional)

    def piece_segment(self, slot: str, p: Piece, optional: bool = False) -> None:
        if isinstance(p, Text):
            span = self.span_of(p.loc) if p.loc is not None else self.call_span
            text = p.text
            self.segments.append(Segment(
                slot, Stability.STATIC, text, _short(text), span, "literal", p.hops, self.preamble,
                alternatives=(text, "") if optional else (),
                truncated=p.truncated,
            ))
        elif isinstance(p, Hole):
            if p.stability == Stability.UNKNOWN:
                self.complete = False
            self.segments.append(Segment(
                slot, p.stability, None, p.source, self.span_of(p.loc), p.cause, p.hops,
                self.preamble, passthrough=p.passthrough, node=p.loc.node,
            ))
        else:
            self.alt_segment(slot, p, optional)

    def alt_segment(self, slot: str, p: Alt, optional: bool) -> None:
        texts = [text_of(o) for o in p.options]
        if all(t is not None for t in texts):
            alts = tuple(t or "" for t in texts)
            if optional:
                alts = (*alts, "")
            self.segments.append(Segment(
                slot, Stability.STATIC, None, p.source, self.span_of(p.loc), "one of several texts",
                (), self.preamble, alternatives=alts,
            ))
            return
        # Report the worst part inside the alternatives, where it is written.
        stab = pieces_stability((p,))
        hole = _worst_hole(p)
        if stab == Stability.UNKNOWN:
            self.complete = False
        if hole is not None:
            self.segments.append(Segment(
                slot, stab, None, hole.source, self.span_of(hole.loc), hole.cause + " (in one branch)",
                hole.hops, self.preamble, passthrough=hole.passthrough, node=hole.loc.node,
            ))
        else:
            self.segments.append(Segment(slot, stab, None, p.source, self.span_of(p.loc),
                                         "one of several texts", (), self.preamble))

    def opaque_segment(self, slot: str, v: OpaqueV, passthrough: bool | None = None) -> None:
        stab = v.stability
        if stab == Stability.UNKNOWN:
            self.complete = False
        self.segments.append(Segment(
            slot, stab, None, v.source, self.span_of(v.loc), v.cause, v.hops, self.preamble,
            passthrough=v.passthrough if passthrough is None else passthrough, node=v.loc.node,
        ))

    def content_parts(self, slot: str, parts: ListV, node: ast.AST) -> None:
        for j, item in enumerate(parts.items):
            v = item.value
            sub = f"{slot}[{j}]"
            if item.repeated:
                self.opaque_segment(sub, self.as_opaque(v, "content parts added at run time"))
                continue
            if isinstance(v, DictV):
                text = v.get("text")
                if text is None:
                    kind = v.get("type")
                    kt = text_of(kind.pieces) if isinstance(kind, StrV) else None
                    # images, files, audio: content that is not text we can count
                    stab = value_stability(v)
                    if stab != Stability.STATIC:
                        self.opaque_segment(sub, self.as_opaque(v, f"{kt or 'non-text'} content part"))
                    continue
                self.text_segments(sub + ".text", text, node, optional=item.optional)
            elif isinstance(v, StrV):
                self.text_segments(sub, v, node, optional=item.optional)
            else:
                self.opaque_segment(sub, self.as_opaque(v, "content part"))

    def as_opaque(self, v: Value, cause: str) -> OpaqueV:
        if isinstance(v, OpaqueV):
            return v
        loc = _loc_of(v) or Loc(self.call_span.path, (self.call_span.line, self.call_span.column - 1,
                                                      self.call_span.end_line, self.call_span.end_column - 1),
                                ast.Pass())
        stab = value_stability(v)
        return OpaqueV(stab if stab != Stability.STATIC else Stability.STABLE, _describe(v), loc, cause)

    # ---- structured slots

    def json_segment(self, slot: str, v: Value, node: ast.AST, what: str) -> None:
        """Tools and schemas: static when the whole structure is literal."""
        if isinstance(v, ConstV) and v.value is None:
            return
        try:
            obj = to_python(v)
            text = json.dumps(obj, ensure_ascii=False)
            vloc = _loc_of(v)
            span = self.span_of(vloc) if vloc is not None else self.call_span
            self.segments.append(Segment(slot, Stability.STATIC, text, what, span, "literal " + what,
                                         (), self.preamble))
            return
        except (NotStatic, TypeError, ValueError):
            pass
        if isinstance(v, FuncRefV | ModuleRefV):
            name = v.qualname
            loc = Loc(self.call_span.path, (self.call_span.line, self.call_span.column - 1,
                                            self.call_span.end_line, self.call_span.end_column - 1),
                      node)
            self.opaque_segment(slot, OpaqueV(Stability.STABLE, name, Loc.of(loc.path, node),
                                              f"schema generated from `{name}`"))
            return
        if isinstance(v, ListV):
            for j, item in enumerate(v.items):
                sub = f"{slot}[{j}]"
                if item.repeated:
                    self.opaque_segment(sub, self.as_opaque(item.value, f"{what} added at run time"))
                else:
                    self.json_segment(sub, item.value, node, what)
            return
        if isinstance(v, SetV):
            self.opaque_segment(slot, OpaqueV(Stability.UNORDERED, v.source, v.loc, "iteration order of a set"))
            return
        self.opaque_segment(slot, self.as_opaque(v, what + " built at run time"))

    def message_list(self, slot: str, v: Value, node: ast.AST) -> None:
        if isinstance(v, OpaqueV):
            self.preamble = False
            self.opaque_segment(slot, v)
            return
        if isinstance(v, StrV):  # Responses `input="..."`: one user message
            self.preamble = False
            self.text_segments(slot, v, node)
            return
        if isinstance(v, AltV):
            self.preamble = False
            self.opaque_segment(slot, self.as_opaque(v, "message list chosen at run time"))
            return
        if not isinstance(v, ListV):
            self.preamble = False
            self.opaque_segment(slot, self.as_opaque(v, "message list"))
            return
        for i, item in enumerate(v.items):
            self.message(f"{slot}[{i}]", item, node)

    def message(self, slot: str, item: Item, node: ast.AST) -> None:
        m = item.value
        if item.repeated:
            self.preamble = False
            op = self.as_opaque(m, "messages added at run time")
            self.opaque_segment(slot.rsplit("[", 1)[0] + f"[{slot.rsplit('[', 1)[1][:-1]}:]", op)
            return
        if isinstance(m, AltV) and all(isinstance(o, DictV) for o in m.options):
            roles = {_role(o) for o in m.options if isinstance(o, DictV)}
            if len(roles) == 1:
                m = _merge_alt_messages(m)
        if not isinstance(m, DictV):
            self.preamble = False
            self.opaque_segment(slot, self.as_opaque(m, "message built at run time"))
            return
        role = _role(m)
        kind = m.get("type")
        kind_text = text_of(kind.pieces) if isinstance(kind, StrV) else None
        if kind_text not in (None, "message"):
            self.preamble = False  # tool calls and their outputs belong to the conversation
            out = m.get("output") or m.get("arguments")
            if out is not None and value_stability(out) != Stability.STATIC:
                self.opaque_segment(slot, self.as_opaque(out, f"{kind_text} item"))
            return
        if role not in _PREAMBLE_ROLES:
            self.preamble = False
        content = m.get("content")
        if content is None:
            return
        label = f"{slot}.content" if role is None else f"{slot}.content ({role})"
        self.text_segments(label, content, node, optional=item.optional)


def _role(m: DictV) -> str | None:
    r = m.get("role")
    return text_of(r.pieces) if isinstance(r, StrV) else None


def _merge_alt_messages(m: AltV) -> Value:
    """Messages that differ only in content: one message whose content has alternatives."""
    dicts = [o for o in m.options if isinstance(o, DictV)]
    role = dicts[0].get("role")
    contents = tuple(d.get("content") or StrV(()) for d in dicts)
    entries: tuple[tuple[str, Value], ...] = (("content", AltV(contents, m.loc, m.source)),)
    if role is not None:
        entries = (("role", role), *entries)
    return DictV(entries, m.loc)


def _worst_hole(p: Alt) -> Hole | None:
    best: Hole | None = None
    order = [Stability.STABLE, Stability.UNKNOWN, Stability.DAILY, Stability.PER_CALL,
             Stability.UNORDERED, Stability.VOLATILE]
    for o in p.options:
        for x in o:
            h = x if isinstance(x, Hole) else _worst_hole(x) if isinstance(x, Alt) else None
            if h is not None and (best is None or order.index(h.stability) > order.index(best.stability)):
                best = h
    return best


def _loc_of(v: Value) -> Loc | None:
    loc = getattr(v, "loc", None)
    return loc if isinstance(loc, Loc) else None


def _describe(v: Value) -> str:
    src = getattr(v, "source", None)
    if isinstance(src, str):
        return src
    return type(v).__name__.removesuffix("V").lower()


def _short(text: str, limit: int = 60) -> str:
    one = " ".join(text.split())
    return repr(one if len(one) <= limit else one[: limit - 1] + "…")


def keyword_values(found: FoundCall, ev: Evaluator) -> tuple[dict[str, tuple[Value, ast.AST]], bool]:
    """The call's keyword arguments as values; False when `**kwargs` could not be followed."""
    out: dict[str, tuple[Value, ast.AST]] = {}
    complete = True
    for k in found.node.keywords:
        if k.arg is None:
            spread = ev.eval(k.value, found.env)
            if isinstance(spread, DictV):
                for key, v in spread.entries:
                    out[key] = (v, k.value)
                complete = complete and spread.complete
            else:
                complete = False
            continue
        out[k.arg] = (ev.eval(k.value, found.env), k.value)
    return out, complete


def assemble(found: FoundCall, ev: Evaluator, span_of: SpanOf) -> AssembledPrompt:
    mod = found.env.mod
    call_span = mod.span(found.node)
    b = _Builder(ev, found.env, span_of, call_span)
    try:
        kw, complete = keyword_values(found, ev)
        model_v = kw.get("model")
        model = text_of(model_v[0].pieces) if model_v and isinstance(model_v[0], StrV) else None
        api = found.api
        if found.provider == "openai" and api.startswith("responses"):
            _slot_json(b, kw, "tools", "tool definitions")
            text_cfg = kw.get("text")
            if text_cfg is not None:
                fmt = text_cfg[0].get("format") if isinstance(text_cfg[0], DictV) else None
                if fmt is not None:
                    b.json_segment("text.format", fmt, text_cfg[1], "output schema")
                elif not isinstance(text_cfg[0], DictV):
                    b.json_segment("text.format", text_cfg[0], text_cfg[1], "output schema")
            if "text_format" in kw:
                b.json_segment("text.format", kw["text_format"][0], kw["text_format"][1], "output schema")
            if "instructions" in kw:
                b.text_segments("instructions", kw["instructions"][0], kw["instructions"][1])
            if "input" in kw:
                b.message_list("input", kw["input"][0], kw["input"][1])
        elif found.provider == "openai":
            _slot_json(b, kw, "tools", "tool definitions")
            _slot_json(b, kw, "functions", "function definitions")
            if "response_format" in kw:
                b.json_segment("response_format", kw["response_format"][0], kw["response_format"][1],
                               "output schema")
            if "messages" in kw:
                b.message_list("messages", kw["messages"][0], kw["messages"][1])
        elif found.provider == "anthropic":
            _slot_json(b, kw, "tools", "tool definitions")
            if "system" in kw:
                b.text_segments("system", kw["system"][0], kw["system"][1])
            if "messages" in kw:
                b.message_list("messages", kw["messages"][0], kw["messages"][1])
        else:
            cfg = kw.get("config")
            if cfg is not None:
                cv = cfg[0]
                if isinstance(cv, DictV):
                    if cv.get("tools") is not None:
                        b.json_segment("config.tools", cv.get("tools"), cfg[1], "tool definitions")  # type: ignore[arg-type]
                    si = cv.get("system_instruction")
                    if si is not None:
                        b.text_segments("config.system_instruction", si, cfg[1])
                elif value_stability(cv) != Stability.STATIC:
                    b.opaque_segment("config", b.as_opaque(cv, "generation config"))
            if "contents" in kw:
                b.message_list("contents", kw["contents"][0], kw["contents"][1])
        if not complete:
            b.complete = False
    except Budget:
        b.complete = False
        model = None
        b.segments.append(Segment("prompt", Stability.UNKNOWN, None, "…", call_span,
                                  "too complex to follow within the evaluation budget", (), False))
    site = CallSite(Provider(found.provider), found.api, call_span, mod.span(found.node.func), model,
                    node=found.node)
    return AssembledPrompt(site, tuple(b.segments), b.complete and all(
        s.stability != Stability.UNKNOWN for s in b.segments))


def _slot_json(b: _Builder, kw: dict[str, tuple[Value, ast.AST]], name: str, what: str) -> None:
    if name in kw:
        b.json_segment(name, kw[name][0], kw[name][1], what)
