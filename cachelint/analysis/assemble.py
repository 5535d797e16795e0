"""Turn one SDK call into an AssembledPrompt: segments in the order the provider renders them."""

from __future__ import annotations

import ast
import dataclasses
import json
from collections.abc import Callable, Iterator

from cachelint.analysis import endpoints, framework_requests, frameworks, gemini_legacy
from cachelint.analysis.builtin_tools import builtin_tool
from cachelint.analysis.calls import FoundCall, client_of
from cachelint.analysis.env import env_at
from cachelint.analysis.evaluate import Budget, Env, Evaluator
from cachelint.analysis.statics import NotStatic, to_python
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
    flat_options,
    pieces_stability,
    spread_entries,
    text_of,
    value_stability,
)
from cachelint.diagnostics import Span
from cachelint.prompt import (
    NOT_STATIC,
    AssembledPrompt,
    Breakpoint,
    CallSite,
    Condition,
    Hop,
    MarkerKind,
    Param,
    Provider,
    Segment,
    Stability,
)

SpanOf = Callable[[Loc], Span]

# Where the cached prefix ends: the first message of these roles.
_CONVERSATION_ROLES = {"user", "assistant", "tool", "function", "model"}
_PREAMBLE_ROLES = {"system", "developer"}


# The key of a block-level cache marker, by provider.
_MARKER_KEYS = {"anthropic": "cache_control", "openai": "prompt_cache_breakpoint"}
_MARKER_KINDS = {"anthropic": MarkerKind.CACHE_CONTROL, "openai": MarkerKind.PROMPT_CACHE_BREAKPOINT}


# Message lists a request may be sent with, chosen between by branches, each rebuilt as a request
# of its own (more are shown as chosen at run time).
MAX_LIST_CHOICES = 4


class _Builder:
    def __init__(self, ev: Evaluator, env: Env, span_of: SpanOf, call_span: Span, provider: str = "openai",
                 choice: int | None = None) -> None:
        self.ev = ev
        # Which of the message lists the code chooses between this request is rebuilt with
        # (None: the first assembly, which counts them in `choices`).
        self.choice = choice
        self.choices = 0
        self.env = env
        self.span_of = span_of
        self.call_span = call_span
        self.segments: list[Segment] = []
        self.preamble = True
        self.complete = True
        self.provider = provider
        self.marker_key = _MARKER_KEYS.get(provider)
        # Cache markers in render order, each with the ordinal of the block it sits on.
        self.breakpoints: list[tuple[Breakpoint, int | None]] = []
        self.blocks = 0  # blocks seen so far (tools, system blocks, message content blocks)
        self.last_block: int | None = None  # ordinal of the last block, while it is known
        self.markers_unknown = False
        self.markers_passed_in = False
        self.uncounted = False  # static content with no text to count has been seen

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
                unsorted_json=self.json_span(p.unsorted_json),
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
        option = _option_with(p, hole) if hole is not None else None
        if option is not None:
            self.branch_segments(slot, p, option, optional)
            return
        if hole is not None:
            self.segments.append(Segment(
                slot, stab, None, hole.source, self.span_of(hole.loc), hole.cause + " (in one branch)",
                hole.hops, self.preamble, passthrough=hole.passthrough, node=hole.loc.node,
                unsorted_json=self.json_span(hole.unsorted_json),
            ))
        else:
            self.segments.append(Segment(slot, stab, None, p.source, self.span_of(p.loc),
                                         "one of several texts", (), self.preamble))

    def branch_segments(self, slot: str, p: Alt, option: tuple[Piece, ...], optional: bool) -> None:
        """One of several texts, some with changing parts (a prompt returned from if/elif
        branches, a prompt file chosen by a branch): the branch holding the worst part, piece
        by piece, so what that part precedes in its own branch is counted. When another branch
        has more static text, a last segment that is that text or nothing keeps the longest
        count (CL201's) from taking this branch for the only one."""
        for x in option:
            if isinstance(x, Hole):
                x = dataclasses.replace(x, cause=x.cause + " (in one branch)")
            self.piece_segment(slot, x, optional)
        own = len(_static_part(option, longest=True))
        longest = max((_static_part(o, longest=True) for o in p.options if o is not option), key=len, default="")
        if len(longest) > own:
            self.segments.append(Segment(
                slot, Stability.STATIC, None, "another branch's text", self.span_of(p.loc),
                "counted only for the longest request a branch can make",
                (), self.preamble, alternatives=("", longest),
            ))

    def opaque_segment(self, slot: str, v: OpaqueV, passthrough: bool | None = None) -> None:
        stab = v.stability
        if stab == Stability.UNKNOWN:
            self.complete = False
        self.segments.append(Segment(
            slot, stab, None, v.source, self.span_of(v.loc), v.cause, v.hops, self.preamble,
            passthrough=v.passthrough if passthrough is None else passthrough, node=v.loc.node,
            unsorted_json=self.json_span(v.unsorted_json),
        ))

    def json_span(self, loc: Loc | None) -> Span | None:
        return None if loc is None else self.span_of(loc)

    def content_parts(self, slot: str, parts: ListV, node: ast.AST, conditional: bool = False) -> None:
        for j, item in enumerate(parts.items):
            v = item.value
            sub = f"{slot}[{j}]"
            if item.repeated:
                self.opaque_segment(sub, self.as_opaque(v, "content parts added at run time"))
                self.loop_block(sub, v)
                continue
            if isinstance(v, DictV):
                text = v.get("text")
                if text is None:
                    kind = v.get("type")
                    kt = text_of(kind.pieces) if isinstance(kind, StrV) else None
                    # images, files, audio: content that is not text we can count
                    stab = value_stability(v)
                    if stab != Stability.STATIC:
                        what = f"{kt or 'non-text'} content part"
                        # OpenAI segments keep their long-standing shape; other providers' blocks
                        # are named by the part that varies (`image_url`), where it is written.
                        op = self.as_opaque(v, what) if self.provider == "openai" else self.definition_opaque(v, what)
                        self.opaque_segment(sub, op)
                    else:
                        self.uncounted = True
                else:
                    self.text_segments(sub + ".text", text, node, optional=item.optional)
                self.block(sub, v, conditional=conditional or item.optional)
            elif isinstance(v, StrV):
                self.text_segments(sub, v, node, optional=item.optional)
                self.block(sub, None, conditional=conditional or item.optional)
            else:
                self.opaque_segment(sub, self.as_opaque(v, "content part"))
                self.hidden(v)

    # ---- blocks and cache markers

    def block(self, slot: str, v: DictV | None, conditional: bool = False, kind: str | None = None,
              plain: bool = False) -> None:
        """One content block (or tool, or message) has been rendered: record its marker."""
        self.blocks += 1
        self.last_block = None if conditional else self.blocks
        if v is None:
            return
        if not v.complete:
            self.markers_unknown = True  # `**other` could hide a marker
        if kind is None:
            kind = _static_str(v.get("type")) or ("text" if v.get("text") is not None else None)
        if self.marker_key is not None and v.get(self.marker_key) is not None:
            self.marker(slot, v.get(self.marker_key), v, kind, conditional=conditional, plain=plain)
        inner = v.get("content")
        if self.marker_key is not None and kind == "tool_result" and isinstance(inner, ListV):
            # blocks nested in a tool result take markers too
            for j, it in enumerate(inner.items):
                if isinstance(it.value, DictV) and it.value.get(self.marker_key) is not None:
                    self.marker(f"{slot}.content[{j}]", it.value.get(self.marker_key), it.value,
                                _static_str(it.value.get("type")) or "text",
                                conditional=conditional or it.optional, repeated=it.repeated)

    def loop_block(self, slot: str, v: Value) -> None:
        """Blocks added in a loop: any number of them, each with the marker it carries."""
        self.blocks += 1
        self.last_block = None
        if isinstance(v, DictV) and self.marker_key is not None and v.get(self.marker_key) is not None:
            self.marker(slot, v.get(self.marker_key), v, _static_str(v.get("type")), repeated=True)
        elif not isinstance(v, StrV):
            self.hidden(v)

    def hidden(self, v: Value) -> None:
        """A value that could hold blocks with markers, not seen in full."""
        self.last_block = None
        if isinstance(v, StrV | ConstV):
            return  # text carries no marker
        if isinstance(v, OpaqueV) and isinstance(v.loc.node, ast.arg) and _is_str(v.loc.node.annotation):
            return  # a parameter declared `str`: text, whatever the caller passes
        if value_stability(v) == Stability.UNKNOWN or (isinstance(v, DictV) and not v.complete):
            self.markers_unknown = True
        else:
            self.markers_passed_in = True

    def marker(self, slot: str, mv: Value | None, block: DictV | None, kind: str | None, *,
               conditional: bool = False, repeated: bool = False, plain: bool = False,
               top_level: bool = False, at: Span | None = None) -> None:
        if mv is None:
            return
        options: tuple[Value, ...] = mv.options if isinstance(mv, AltV) else (mv,)
        present = [o for o in options if not (isinstance(o, ConstV) and o.value is None)]
        if not present:
            return  # `cache_control=None`: no marker
        conditional = conditional or len(present) < len(options)
        fields: dict[str, object] = {}
        is_dict, complete = True, True
        for o in present:
            if isinstance(o, DictV):
                complete = complete and o.complete
                for k, x in o.entries:
                    val = _static_value(x)
                    if k in fields and fields[k] != val:
                        val = NOT_STATIC  # the options disagree
                    fields[k] = val
            elif isinstance(o, OpaqueV | AltV) or not _is_plain(o):
                conditional = True  # might be None at run time
                complete = False
            else:
                is_dict = False  # `"ephemeral"`, `True`: not a marker object at all
        loc = _value_loc(mv) or _value_loc(present[0])
        bloc = block.loc if block is not None else None
        key = self.marker_key or "cache_control"
        entry = _entry_node(bloc.node, key) if bloc is not None else None
        hops: tuple[Hop, ...] = ()
        if entry is not None and bloc is not None:
            # the marker as written in its block (`"cache_control": CACHE`)
            span = self.span_of(Loc.of(bloc.path, entry))
            if loc is not None and (loc.path, loc.pos) != (bloc.path, Loc.of(bloc.path, entry).pos):
                hops = (Hop(self.span_of(loc), "the marker is defined here"),)
        elif at is not None:
            span = at  # the top-level keyword as written in the call
            if loc is not None and self.span_of(loc) != at:
                hops = (Hop(self.span_of(loc), "the marker is defined here"),)
        else:
            span = self.span_of(loc) if loc is not None else self.call_span
        bspan = self.span_of(bloc) if bloc is not None else span
        src = _marker_source(present[0], fields, is_dict)
        bp = Breakpoint(
            after=len(self.segments) - 1, slot=slot, span=span, block_span=bspan,
            kind=_MARKER_KINDS.get(self.provider, MarkerKind.CACHE_CONTROL), source=src,
            fields=tuple(fields.items()), is_dict=is_dict, complete=complete, top_level=top_level,
            block_kind=kind, on_plain_string=plain, conditional=conditional, repeated=repeated,
            uncounted=self.uncounted, hops=hops,
        )
        self.breakpoints.append((bp, None if top_level or repeated else self.blocks))

    def finish_markers(self) -> tuple[Breakpoint, ...]:
        out: list[Breakpoint] = []
        for i, (bp, seq) in enumerate(self.breakpoints):
            last = self.last_block is not None and (bp.top_level or seq == self.last_block)
            after = len(self.segments) - 1 if bp.top_level else bp.after
            uncounted = self.uncounted if bp.top_level else bp.uncounted
            out.append(dataclasses.replace(bp, order=i, on_last_block=last, after=after, uncounted=uncounted))
        return tuple(out)

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
        self.opaque_segment(slot, self.definition_opaque(v, what))

    def definition_opaque(self, v: Value, what: str) -> OpaqueV:
        """A tool or schema that is not static: named by its least stable part, where it is written."""
        op = self.as_opaque(v, what + " built at run time")
        if isinstance(v, AltV) and any(isinstance(o, OpaqueV) and o.passthrough for o in v.options):
            # `tools` taken from a parameter, or a default when it is None: the caller's list
            return dataclasses.replace(op, passthrough=True)
        part = _worst_part(v) if isinstance(v, DictV) else None
        if part is None:
            return op
        loc, cause, hops, source = part
        name = _static_str(v.get("name")) if isinstance(v, DictV) else None
        where = f"tool `{name}`" if name else what
        return OpaqueV(op.stability, source, loc, f"{cause} in {where}", hops=hops)

    def anthropic_tools(self, v: Value, node: ast.AST) -> None:
        """Tool definitions one segment each, so a marker's position among them is known."""
        if isinstance(v, ConstV) and v.value is None:
            return
        if not isinstance(v, ListV):
            self.json_segment("tools", v, node, "tool definitions")
            self.hidden(v)
            return
        for j, item in enumerate(v.items):
            sub = f"tools[{j}]"
            tv = item.value
            if item.repeated:
                self.opaque_segment(sub, self.as_opaque(tv, "tool definitions added at run time"))
                self.loop_block(sub, tv)
                continue
            if isinstance(tv, DictV):
                bare = DictV(tuple((k, x) for k, x in tv.entries if k != "cache_control"), tv.loc, tv.complete)
                self.json_segment(sub, bare, node, "tool definitions")
                self.builtin(tv, "anthropic")
                self.block(sub, tv, conditional=item.optional, kind="tool")
            else:
                self.json_segment(sub, tv, node, "tool definitions")
                self.hidden(tv)

    def builtin(self, tool: DictV, provider: str) -> None:
        """A provider-defined tool (`{"type": "bash_20250124"}`): the provider renders its own
        definition, of a documented number of tokens (on the segment just added) or of a length
        not documented (a stable segment of its own)."""
        kind = _static_str(tool.get("type"))
        found = builtin_tool(provider, kind) if kind else None
        if found is None or not self.segments:
            return
        last = self.segments[-1]
        if found.tokens is not None:
            self.segments[-1] = dataclasses.replace(
                last, hidden_tokens=found.tokens,
                cause=f"{last.cause}; the {found.name} tool adds {found.tokens:,} tokens of its own ({found.source})")
        else:
            self.segments.append(dataclasses.replace(
                last, stability=Stability.STABLE, text=None, source=f"`{kind}` tool",
                cause=f"instructions OpenAI adds for its built-in `{kind}` tool, of unknown length ({found.source})"))

    def builtin_tools(self, v: Value, provider: str) -> None:
        """Built-in tools in a `tools=` list rendered as one segment."""
        if isinstance(v, ListV):
            for item in v.items:
                if isinstance(item.value, DictV):
                    self.builtin(item.value, provider)

    def message_list(self, slot: str, v: Value, node: ast.AST) -> None:
        if isinstance(v, OpaqueV):
            self.preamble = False
            self.opaque_segment(slot, v)
            self.hidden(v)
            return
        if isinstance(v, StrV):  # Responses `input="..."`: one user message
            self.preamble = False
            self.text_segments(slot, v, node)
            self.block(slot, None)
            return
        if isinstance(v, AltV):
            lists = _list_choices(v)
            if lists and self.choice is not None and self.choice < len(lists):
                self.chosen_list(slot, v, lists, node)
                return
            self.choices = max(self.choices, len(lists))
            self.preamble = False
            self.opaque_segment(slot, self.as_opaque(v, "message list chosen at run time"))
            self.hidden(v)
            return
        if not isinstance(v, ListV):
            self.preamble = False
            self.opaque_segment(slot, self.as_opaque(v, "message list"))
            self.hidden(v)
            return
        for i, item in enumerate(v.items):
            self.message(f"{slot}[{i}]", item, node)

    def chosen_list(self, slot: str, v: AltV, lists: list[ListV], node: ast.AST) -> None:
        """One of the message lists branches choose between (`messages = [system, user] if
        system else [user]`), as this request's; its segments say which, and where."""
        assert self.choice is not None
        first = len(self.segments)
        for i, item in enumerate(lists[self.choice].items):
            self.message(f"{slot}[{i}]", item, node)
        hop = Hop(self.span_of(v.loc), f"message list {self.choice + 1} of {len(lists)} the code chooses between")
        self.segments[first:] = [dataclasses.replace(seg, hops=(*seg.hops, hop)) for seg in self.segments[first:]]

    def message(self, slot: str, item: Item, node: ast.AST) -> None:
        m = item.value
        if item.repeated:
            self.preamble = False
            op = self.as_opaque(m, "messages added at run time")
            self.opaque_segment(slot.rsplit("[", 1)[0] + f"[{slot.rsplit('[', 1)[1][:-1]}:]", op)
            self.loop_message(slot, m)
            return
        if isinstance(m, AltV) and all(isinstance(o, DictV) for o in m.options):
            roles = {_role(o) for o in m.options if isinstance(o, DictV)}
            if len(roles) == 1:
                if self.marker_key is not None:
                    self.alt_message_markers(m)
                m = _merge_alt_messages(m)
        if not isinstance(m, DictV):
            self.preamble = False
            self.opaque_segment(slot, self.as_opaque(m, "message built at run time"))
            self.hidden(m)
            return
        if not m.complete:
            self.markers_unknown = True
        role = _role(m)
        kind = m.get("type")
        kind_text = text_of(kind.pieces) if isinstance(kind, StrV) else None
        if kind_text not in (None, "message"):
            self.preamble = False  # tool calls and their outputs belong to the conversation
            out = m.get("output") or m.get("arguments")
            if out is not None and value_stability(out) != Stability.STATIC:
                self.opaque_segment(slot, self.as_opaque(out, f"{kind_text} item"))
            self.block(slot, None, conditional=item.optional)
            return
        if role not in _PREAMBLE_ROLES:
            self.preamble = False
        content = m.get("content")
        if content is None:
            return
        label = f"{slot}.content" if role is None else f"{slot}.content ({role})"
        if isinstance(content, ListV):
            self.content_parts(label, content, node, conditional=item.optional)
        else:
            self.text_segments(label, content, node, optional=item.optional)
            self.block(f"{slot}.content", None, conditional=item.optional)
            if (isinstance(content, AltV) and any(isinstance(o, ListV) for o in content.options)) or (
                    isinstance(content, OpaqueV) and content.stability == Stability.UNKNOWN):
                self.hidden(content)  # could be a list of blocks, with markers
        if self.marker_key is not None and m.get(self.marker_key) is not None:
            # A marker on the message itself, beside its content: not where the API takes one.
            self.marker(slot, m.get(self.marker_key), m, "message", conditional=item.optional,
                        plain=not isinstance(content, ListV))

    def loop_message(self, slot: str, m: Value) -> None:
        """Messages added in a loop: markers on them (or in their blocks) repeat."""
        self.last_block = None
        if not isinstance(m, DictV) or self.marker_key is None:
            self.hidden(m)
            return
        content = m.get("content")
        if m.get(self.marker_key) is not None:
            self.marker(slot, m.get(self.marker_key), m, "message", repeated=True,
                        plain=not isinstance(content, ListV))
        if isinstance(content, ListV):
            for j, it in enumerate(content.items):
                if isinstance(it.value, DictV) and it.value.get(self.marker_key) is not None:
                    self.marker(f"{slot}.content[{j}]", it.value.get(self.marker_key), it.value,
                                _static_str(it.value.get("type")), repeated=True)
        elif content is not None and not isinstance(content, StrV):
            self.hidden(content)

    def alt_message_markers(self, m: AltV) -> None:
        """A message chosen from alternatives is merged into one: markers in its blocks are lost."""
        key = self.marker_key or ""
        for o in m.options:
            content = o.get("content") if isinstance(o, DictV) else None
            if isinstance(content, ListV) and any(
                    isinstance(it.value, DictV) and it.value.get(key) is not None for it in content.items):
                self.markers_unknown = True  # a marker may be sent; where is not known

    # ---- Gemini

    def gemini_text(self, slot: str, v: Value, node: ast.AST) -> None:
        """`system_instruction`: a string, a Part, a Content, or a list of them."""
        if isinstance(v, DictV):
            parts, text = v.get("parts"), v.get("text")
            if parts is not None:
                self.gemini_text(slot, parts, node)  # a Content: its parts
                return
            if text is not None:
                self.text_segments(slot + ".text", text, node)  # a Part
                return
        if isinstance(v, ListV):
            flat: list[Item] = []
            for it in v.items:
                inner = it.value
                if isinstance(inner, DictV) and isinstance(inner.get("parts"), ListV):
                    parts = inner.get("parts")
                    assert isinstance(parts, ListV)
                    flat.extend(parts.items)
                else:
                    flat.append(it)
            self.content_parts(slot, ListV(tuple(flat), v.loc), node)
            return
        self.text_segments(slot, v, node)

    def gemini_contents(self, slot: str, v: Value, node: ast.AST) -> None:
        """`contents`: a string, a Content, or a list of strings, Parts and Contents."""
        self.preamble = False
        if isinstance(v, StrV):
            self.text_segments(slot, v, node)
            return
        if isinstance(v, DictV):
            v = ListV((Item(v),), v.loc)
        if not isinstance(v, ListV):
            self.opaque_segment(slot, self.as_opaque(v, "contents"))
            return
        for i, item in enumerate(v.items):
            sub = f"{slot}[{i}]"
            m = item.value
            if item.repeated:
                self.opaque_segment(f"{slot}[{i}:]", self.as_opaque(m, "contents added at run time"))
            elif isinstance(m, StrV):
                self.text_segments(sub, m, node, optional=item.optional)
            elif isinstance(m, DictV) and m.get("parts") is not None:
                role = _static_str(m.get("role")) or "user"
                label = f"{sub}.parts ({role})"
                parts = m.get("parts")
                if isinstance(parts, ListV):
                    self.content_parts(label, parts, node)
                elif parts is not None:
                    self.gemini_text(label, parts, node)
            elif isinstance(m, DictV) and (text := m.get("text")) is not None:
                self.text_segments(sub + ".text", text, node, optional=item.optional)
            else:
                self.opaque_segment(sub, self.as_opaque(m, "content built at run time"))


def _list_choices(v: AltV) -> list[ListV]:
    """The message lists `v` chooses between, when every option is one (known item by item or
    not) and there are at most MAX_LIST_CHOICES of them; else none."""
    options = flat_options(v)
    if len(options) > MAX_LIST_CHOICES or not all(isinstance(o, ListV) for o in options):
        return []
    return [o for o in options if isinstance(o, ListV)]


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
    order = [Stability.STABLE, Stability.UNKNOWN, Stability.DAILY, Stability.SESSION, Stability.TURN,
             Stability.UNORDERED, Stability.VOLATILE]
    for o in p.options:
        for x in o:
            h = x if isinstance(x, Hole) else _worst_hole(x) if isinstance(x, Alt) else None
            if h is not None and (best is None or order.index(h.stability) > order.index(best.stability)):
                best = h
    return best


def _option_with(p: Alt, hole: Hole) -> tuple[Piece, ...] | None:
    """The alternative of `p` that holds `hole` (at any depth)."""
    for o in p.options:
        for x in o:
            if x is hole or (isinstance(x, Alt) and _option_with(x, hole) is not None):
                return o
    return None


def _static_part(pieces: tuple[Piece, ...], longest: bool) -> str:
    """The static text of some pieces, holes left out (of nested alternatives, the longest or
    the shortest)."""
    out: list[str] = []
    pick = max if longest else min
    for x in pieces:
        if isinstance(x, Text):
            out.append(x.text)
        elif isinstance(x, Alt):
            out.append(pick((_static_part(o, longest) for o in x.options), key=len, default=""))
    return "".join(out)


def _loc_of(v: Value) -> Loc | None:
    loc = getattr(v, "loc", None)
    return loc if isinstance(loc, Loc) else None


def _value_loc(v: Value) -> Loc | None:
    if isinstance(v, StrV):
        return next((p.loc for p in v.pieces if not isinstance(p, Text) or p.loc is not None), None)
    return _loc_of(v)


def _describe(v: Value) -> str:
    src = getattr(v, "source", None)
    if isinstance(src, str):
        return src
    return type(v).__name__.removesuffix("V").lower()


def _short(text: str, limit: int = 60) -> str:
    # Normalise only as much of the text as the shown part needs (prompts run to many thousands
    # of characters): the words before a cut are exact, the last one may be cut short.
    size = limit * 2
    while size < len(text):
        exact = " ".join(text[:size].split()[:-1])
        if len(exact) > limit:
            return repr(exact[: limit - 1] + "…")
        size *= 4
    one = " ".join(text.split())
    return repr(one if len(one) <= limit else one[: limit - 1] + "…")


def _merged_dicts(v: AltV) -> DictV | None:
    """One of several request dicts (`params = a() if c else b()`) as one dict whose every key
    holds its value in each (None where a dict lacks it), or None if an option is not a dict."""
    leaves = flat_options(v)
    options = [o for o in leaves if isinstance(o, DictV)]
    if len(options) < len(leaves):
        return None
    keys: list[str] = []
    for d in options:
        keys.extend(k for k, _ in d.entries if k not in keys)
    entries: list[tuple[str, Value]] = []
    for key in keys:
        values: list[Value] = []
        seen: list[object] = []
        for d in options:
            value = d.get(key) or ConstV(None)
            for got in flat_options(value) if isinstance(value, AltV) else [value]:
                same = ("const", got.value) if isinstance(got, ConstV) else got  # None is None wherever written
                if same not in seen:
                    seen.append(same)
                    values.append(got)
        entries.append((key, values[0] if len(values) == 1 else AltV(tuple(values), v.loc, v.source)))
    return DictV(tuple(entries), options[0].loc if options else None, all(d.complete for d in options))


def keyword_values(found: FoundCall, ev: Evaluator) -> tuple[dict[str, tuple[Value, ast.AST]], bool]:
    """The call's keyword arguments as values; False when `**kwargs` could not be followed."""
    out: dict[str, tuple[Value, ast.AST]] = {}
    complete = True
    for k in found.node.keywords:
        if k.arg is None:
            spread = ev.eval(k.value, found.env)
            if isinstance(spread, AltV):
                spread = _merged_dicts(spread) or spread
            more, whole = spread_entries(spread)
            out.update((key, (v, k.value)) for key, v in more)
            complete = complete and whole
            continue
        out[k.arg] = (ev.eval(k.value, found.env), k.value)
    return out, complete


def assemble_all(found: FoundCall, ev: Evaluator, span_of: SpanOf) -> list[AssembledPrompt]:
    """The requests one call may send: one, or one per message list the code chooses between
    by branches (`if system_msgs: messages = system_msgs + rest else: messages = rest`), each
    rebuilt as if it were the one sent, as a call reaching several classes' methods is."""
    prompt, choices = _assemble(found, ev, span_of, None)
    if not choices:
        return [prompt]
    return [_assemble(found, ev, span_of, i)[0] for i in range(choices)]


def assemble(found: FoundCall, ev: Evaluator, span_of: SpanOf) -> AssembledPrompt:
    """The request one call sends, a message list chosen between by branches shown as one
    chosen at run time (see assemble_all)."""
    return _assemble(found, ev, span_of, None)[0]


def _assemble(found: FoundCall, ev: Evaluator, span_of: SpanOf, choice: int | None) -> tuple[AssembledPrompt, int]:
    """The request with message list `choice` of those branches choose between (None: shown
    as chosen at run time), and how many there are to choose between (0: none)."""
    mod = found.env.mod
    call_span = mod.span(found.node)
    own = mod.loops_around(found.node)
    # Reached through wrappers (a bound environment): their callers' loops were set by
    # Project.bound_env.
    ev.request_loops = own | ev.request_loops if found.env.bindings is not None else own
    ev.request_node = found.node
    b = _Builder(ev, found.env, span_of, call_span, found.provider, choice)
    params: list[Param] = []
    conditions: list[Condition] = []
    provider = found.provider
    base_url: str | None = None
    base_url_unresolved = ""
    notes: list[str] = []  # how the request was rebuilt, where --show-prompt should say so
    try:
        if found.client is not None:
            try:
                base_url, base_url_unresolved = endpoints.call_endpoint(found.client, found.receiver, mod, ev)
            except Budget:  # an assigned base_url too costly to follow: not known to be OpenAI's
                base_url, base_url_unresolved = None, "base_url (not followed within the evaluation budget)"
        kw, complete = keyword_values(found, ev)
        shape: str | None = None
        top_marker: tuple[Value, ast.AST] | None = None
        if frameworks.is_framework_api(found.api):
            # A framework entry point: its request in the shape of the SDK call it sends.
            req = framework_requests.request(found, ev, kw, complete)
            if req.skip:
                return _not_checked(found, req.provider, req.skip), 0
            provider, kw, complete, shape = req.provider, req.kw, req.complete, req.shape
            base_url, base_url_unresolved = req.base_url, req.base_url_unresolved
            b.provider, b.marker_key = provider, _MARKER_KEYS.get(provider)
            b.markers_unknown = req.markers_unknown
            top_marker = req.top_marker
            notes.extend(req.notes)
        model, model_origin = _model(found, ev, kw)
        api = found.api

        def node_span(n: ast.AST) -> Span:
            return span_of(Loc.of(mod.path, n))

        legacy = gemini_legacy.is_legacy_api(api)
        for name, (v, n) in kw.items():
            if legacy and name in (gemini_legacy.CONTENT_KEYWORD[api], "message"):
                continue
            if name not in _PROMPT_SLOTS and not (provider == "gemini" and name == "config"):
                params.append(_param(name, v, n, mod.source_of(n), node_span, span_of))
        extra = kw.get("extra_body")
        if found.provider == "openai" and extra is not None and isinstance(extra[0], DictV):
            # Parameters newer than the SDK in use go through `extra_body`: the API reads them
            # as if given directly (`prompt_cache_options` before the SDK knew it).
            for name, v in extra[0].entries:
                if name not in kw and name not in _PROMPT_SLOTS:
                    vloc = _loc_of(v)
                    vnode = vloc.node if vloc is not None and vloc.path == mod.path else extra[1]
                    params.append(_param(name, v, vnode, mod.source_of(vnode), node_span, span_of))
        if "tools" in kw:
            conditions.extend(_tool_conditions(kw["tools"][1], found.env, ev, span_of, kw["tools"][0]))
        if legacy:
            model = _legacy_gemini(b, found, ev, kw, params, node_span, span_of)
        elif shape == framework_requests.CHAT:
            # OpenAI-shaped messages whatever the provider (litellm, langchain)
            if provider == "anthropic" and "tools" in kw:
                b.anthropic_tools(kw["tools"][0], kw["tools"][1])
            else:
                _slot_json(b, kw, "tools", "tool definitions")
            if "response_format" in kw:
                b.json_segment("response_format", kw["response_format"][0], kw["response_format"][1],
                               "output schema")
            if "messages" in kw:
                b.message_list("messages", kw["messages"][0], kw["messages"][1])
            if top_marker is not None and b.marker_key is not None:
                b.marker("cache_control", top_marker[0], None, None, top_level=True, at=node_span(top_marker[1]))
        elif provider == "openai" and api.startswith("responses"):
            _slot_json(b, kw, "tools", "tool definitions")
            if "tools" in kw:
                b.builtin_tools(kw["tools"][0], "openai")
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
        elif provider == "openai":
            _slot_json(b, kw, "tools", "tool definitions")
            _slot_json(b, kw, "functions", "function definitions")
            if "response_format" in kw:
                b.json_segment("response_format", kw["response_format"][0], kw["response_format"][1],
                               "output schema")
            if "messages" in kw:
                b.message_list("messages", kw["messages"][0], kw["messages"][1])
        elif provider == "anthropic":
            if "tools" in kw:
                b.anthropic_tools(kw["tools"][0], kw["tools"][1])
            if "system" in kw:
                sv, sn = kw["system"]
                b.text_segments("system", sv, sn)
                if isinstance(sv, StrV):
                    b.block("system", None)
                elif not isinstance(sv, ListV):
                    b.hidden(sv)
            if "messages" in kw:
                b.message_list("messages", kw["messages"][0], kw["messages"][1])
            top = kw.get("cache_control")
            if top is not None:
                b.marker("cache_control", top[0], None, None, top_level=True, at=node_span(top[1]))
        else:
            cfg = kw.get("config")
            if cfg is not None:
                cv = cfg[0]
                if isinstance(cv, DictV):
                    if cv.get("tools") is not None:
                        b.json_segment("config.tools", cv.get("tools"), cfg[1], "tool definitions")  # type: ignore[arg-type]
                    si = cv.get("system_instruction")
                    if si is not None:
                        b.gemini_text("config.system_instruction", si, cfg[1])
                    for name, v in cv.entries:
                        if name not in ("tools", "system_instruction"):
                            vloc = _loc_of(v)
                            vnode = vloc.node if vloc is not None and vloc.path == mod.path else cfg[1]
                            params.append(_param("config." + name, v, vnode, name, node_span, span_of))
                elif value_stability(cv) != Stability.STATIC:
                    b.opaque_segment("config", b.as_opaque(cv, "generation config"))
            if "contents" in kw:
                b.gemini_contents("contents", kw["contents"][0], kw["contents"][1])
        if not complete:
            b.complete = False
            b.markers_unknown = True  # `**kwargs` not followed: a `cache_control=` may be in it
        if not b.breakpoints and b.marker_key is not None and _writes_marker(found, b.marker_key):
            # The code around the call writes a marker the analysis could not place (an item
            # assignment such as `blocks[-1]["cache_control"] = ...`, or a helper that edits
            # the list in place): there may be one in this request.
            b.markers_unknown = True
    except Budget:
        b.complete = False
        b.markers_unknown = True
        model = None
        b.segments.append(Segment("prompt", Stability.UNKNOWN, None, "…", call_span,
                                  "too complex to follow within the evaluation budget", (), False))
    site = CallSite(Provider(provider), found.api, call_span, mod.span(found.node.func), model,
                    node=found.node, base_url=base_url, base_url_unresolved=base_url_unresolved,
                    model_origin=model_origin if model is not None else "")
    return AssembledPrompt(
        site,
        tuple(b.segments),
        b.complete and all(s.stability != Stability.UNKNOWN for s in b.segments),
        breakpoints=b.finish_markers(),
        params=tuple(params),
        conditions=tuple(conditions),
        markers_unknown=b.markers_unknown,
        markers_passed_in=b.markers_passed_in,
        in_loop=bool(ev.request_loops),
        notes=tuple(dict.fromkeys(notes)),
    ), b.choices


def _is_str(ann: ast.expr | None) -> bool:
    """Is this annotation `str` (or "str")?"""
    if isinstance(ann, ast.Constant) and ann.value == "str":
        return True
    return isinstance(ann, ast.Name) and ann.id == "str"


def _model(found: FoundCall, ev: Evaluator, kw: dict[str, tuple[Value, ast.AST]]) -> tuple[str | None, str]:
    """The call's model name and, when `model=` is not a literal, where the code gives it: the
    default of a parameter, or a class constant or settings default read as an attribute."""
    got = kw.get("model")
    if got is None:
        return None, ""
    v, node = got
    text = _agreed_str(v)
    if text is not None:
        if isinstance(node, ast.Attribute):
            return text, f"the default `{found.env.mod.source_of(node)}`"
        return text, ""
    if isinstance(node, ast.Name) and isinstance(v, OpaqueV) and v.passthrough:
        default = _param_default(found.env, node.id)
        if default is not None:
            try:
                text = _static_str(ev.eval(default, Env(found.env.mod, None, import_time=True)))
            except Budget:
                text = None
            if text is not None:
                return text, f"the default of parameter `{node.id}`"
    return None, ""


def _param_default(env: Env, name: str) -> ast.expr | None:
    """The default written for parameter `name` of the function `env` is the body of."""
    fn = env.scope
    if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    for p, d in zip(positional[len(positional) - len(a.defaults):], a.defaults, strict=True):
        if p.arg == name:
            return d
    for p, kd in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if p.arg == name:
            return kd
    return None


def _not_checked(found: FoundCall, provider: str, why: str) -> AssembledPrompt:
    """A framework call that does not reach a provider whose caching cachelint knows (a
    Bedrock model that is not Claude): no prompt, so no rule reports anything."""
    mod = found.env.mod
    site = CallSite(Provider(provider), found.api, mod.span(found.node), mod.span(found.node.func), None,
                    node=found.node)
    return AssembledPrompt(site, (), False, notes=(f"not checked: {why}",), markers_unknown=True)


def _legacy_gemini(b: _Builder, found: FoundCall, ev: Evaluator, kw: dict[str, tuple[Value, ast.AST]],
                   params: list[Param], node_span: Callable[[ast.AST], Span], span_of: SpanOf) -> str | None:
    """A call on a `google.generativeai` GenerativeModel or ChatSession: tools and system
    instruction from the model's constructor, a chat's history, then the content sent.
    Returns the model name, as written, without a leading "models/"."""
    mod = found.env.mod
    call = found.node
    # The receiver again, in this environment: a wrapper's parameters are bound to the caller's values.
    client = client_of(ev.eval(found.receiver, found.env)) or found.client
    settings = client.settings if client is not None else None
    model: str | None = None
    if settings is None or not settings.complete:
        # made where the analysis cannot see (a parameter typed GenerativeModel, `**options`):
        # a system instruction or tools may be there
        b.opaque_segment("system_instruction", OpaqueV(
            Stability.UNKNOWN, mod.source_of(found.receiver), Loc.of(mod.path, found.receiver),
            "model object made where its system instruction cannot be seen"))
    per_request = kw.get("config") if found.api == "ChatSession.send_message" else None
    if per_request is not None and settings is not None:
        # google-genai: a config given to send_message replaces the chat's for this request
        # (its system instruction and tools too); the model and history stay the chat's
        cfg = per_request[0]
        kept = tuple((k, v) for k, v in settings.entries if k in ("model_name", "history"))
        given = cfg.entries if isinstance(cfg, DictV) else ()
        settings = DictV((*kept, *given), settings.loc, settings.complete and isinstance(cfg, DictV) and cfg.complete)
        if not isinstance(cfg, DictV) or not cfg.complete:
            b.opaque_segment("system_instruction", OpaqueV(
                Stability.UNKNOWN, mod.source_of(per_request[1]), Loc.of(mod.path, per_request[1]),
                "request config whose system instruction cannot be seen"))
    if settings is not None:
        for name, v in settings.entries:
            if name in gemini_legacy.PROMPT_SETTINGS:
                continue
            vloc = _loc_of(v)
            vnode = vloc.node if vloc is not None and vloc.path == mod.path else call
            if name == "model_name":
                text = _static_str(v)
                model = text.removeprefix("models/") if text is not None else None
                name = "model"
            params.append(_param(name, v, vnode, name, node_span, span_of))
        tools = kw["tools"][0] if "tools" in kw else settings.get("tools")  # a call's tools replace the model's
        if tools is not None:
            b.json_segment("tools", tools, call, "tool definitions")
        si = settings.get("system_instruction")
        if si is not None and not (isinstance(si, ConstV) and si.value is None):
            b.gemini_text("system_instruction", si, call)
        history = settings.get("history")
        if history is not None and not (isinstance(history, ConstV) and history.value is None):
            b.gemini_contents("history", history, call)
    elif "tools" in kw:
        b.json_segment("tools", kw["tools"][0], kw["tools"][1], "tool definitions")
    slot = gemini_legacy.CONTENT_KEYWORD[found.api]
    sent: tuple[Value, ast.AST] | None = kw.get(slot) or kw.get("message")  # google-genai's name for it
    if call.args:
        first = call.args[0]
        if isinstance(first, ast.Starred):
            b.complete = False
        else:
            sent = (ev.eval(first, found.env), first)
    if sent is not None:
        b.gemini_contents(slot, sent[0], sent[1])
    return model


def _slot_json(b: _Builder, kw: dict[str, tuple[Value, ast.AST]], name: str, what: str) -> None:
    if name in kw:
        b.json_segment(name, kw[name][0], kw[name][1], what)


# Keywords that make up the prompt itself; every other keyword is recorded as a Param.
_PROMPT_SLOTS = frozenset({"messages", "input", "instructions", "system", "tools", "functions", "contents"})

_RANK = [Stability.STATIC, Stability.STABLE, Stability.UNKNOWN, Stability.DAILY, Stability.SESSION, Stability.TURN,
         Stability.UNORDERED, Stability.VOLATILE]


def _param(name: str, v: Value, node: ast.AST, source: str, node_span: Callable[[ast.AST], Span],
           span_of: SpanOf) -> Param:
    value = _static_value(v)
    static = value is not NOT_STATIC
    stab = value_stability(v)
    origin: Span | None = None
    cause = ""
    hops: tuple[Hop, ...] = ()
    if not static:
        part = _worst_part(v)
        if part is not None:
            loc, cause, hops, _ = part
            origin = span_of(loc)
    return Param(name, value if static else None, static, stab, node_span(node), source, origin, cause, hops)


def _worst_part(v: Value) -> tuple[Loc, str, tuple[Hop, ...], str] | None:
    """Where the least stable part of a value is written, why, how it was reached, and as written."""
    best: tuple[int, Loc, str, tuple[Hop, ...], str] | None = None
    for stab, loc, cause, hops, source in _parts(v):
        r = _RANK.index(stab)
        if best is None or r > best[0]:
            best = (r, loc, cause, hops, source)
    return best[1:] if best is not None else None


_Part = tuple[Stability, Loc, str, tuple[Hop, ...], str]


def _parts(v: Value) -> Iterator[_Part]:
    if isinstance(v, OpaqueV):
        yield v.stability, v.loc, v.cause, v.hops, v.source
    elif isinstance(v, StrV):
        yield from _piece_parts(v.pieces)
    elif isinstance(v, ListV):
        for it in v.items:
            yield from _parts(it.value)
    elif isinstance(v, DictV):
        for _, x in v.entries:
            yield from _parts(x)
    elif isinstance(v, AltV):
        for o in v.options:
            yield from _parts(o)


def _piece_parts(pieces: tuple[Piece, ...]) -> Iterator[_Part]:
    for p in pieces:
        if isinstance(p, Hole):
            yield p.stability, p.loc, p.cause, p.hops, p.source
        elif isinstance(p, Alt):
            for o in p.options:
                yield from _piece_parts(o)


def _entry_node(node: ast.AST, key: str) -> ast.AST | None:
    """The value written for `key` in a dict display or a typed-params call, if it is there."""
    if isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == key:
                return v
    if isinstance(node, ast.Call):
        for kw in node.keywords:
            if kw.arg == key:
                return kw.value
    return None


def _static_value(v: Value) -> object:
    try:
        return to_python(v)
    except (NotStatic, TypeError, ValueError, RecursionError):
        return NOT_STATIC


def _static_str(v: Value | None) -> str | None:
    return text_of(v.pieces) if isinstance(v, StrV) else None


def _agreed_str(v: Value) -> str | None:
    """The text of a static string, or of a value every branch of which is the same static
    string (`name = "gpt-4.1"` in both arms of an `if`). A literal in some branches only is
    not the value: the other branches may give any text."""
    if isinstance(v, AltV):
        texts = {_agreed_str(o) for o in v.options}
        return texts.pop() if len(texts) == 1 and None not in texts else None
    return _static_str(v)


def _is_plain(v: Value) -> bool:
    """A value known to be a string, number, bool or list: never a marker object."""
    return isinstance(v, StrV | ConstV | ListV)


def _marker_source(v: Value, fields: dict[str, object], is_dict: bool) -> str:
    src = getattr(v, "source", None)
    if isinstance(src, str):
        return src
    if is_dict and fields and all(x is not NOT_STATIC for x in fields.values()):
        return json.dumps(dict(fields), ensure_ascii=False)
    if isinstance(v, StrV):
        return json.dumps(text_of(v.pieces) or "…", ensure_ascii=False)
    if isinstance(v, ConstV):
        return repr(v.value)
    return "{…}"


def _writes_marker(found: FoundCall, key: str) -> bool:
    """Does the function around the call, or a function of the module it calls, write `key`?"""
    mod = found.env.mod
    if key not in mod.text:
        return False  # the key is written nowhere in this module
    scope = found.env.scope
    root: ast.AST = scope if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) else mod.tree
    called: set[str] = set()
    for n in ast.walk(root):
        if _is_key(n, key):
            return True
        if isinstance(n, ast.Call):
            f = n.func
            called.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    for n in ast.walk(mod.tree):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n is not root and n.name in called \
                and any(_is_key(x, key) for x in ast.walk(n)):
            return True
    return False


def _is_key(n: ast.AST, key: str) -> bool:
    return (isinstance(n, ast.Constant) and n.value == key) or (isinstance(n, ast.keyword) and n.arg == key)


# ---- tools included on some calls only

_MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse"})


def _tool_conditions(node: ast.AST, env: Env, ev: Evaluator, span_of: SpanOf, value: Value) -> list[Condition]:
    """Conditions that decide which tools a call sends: `A if c else B`, a filtered comprehension,
    or an `if` around changes to the local list passed as `tools=`; and the comprehension or
    `A if c else B` that built `value` where it is written, when the list reached the call
    through `**kwargs`, a dict or a wrapper's parameter. Only conditions that are turn or
    volatile are kept (tools chosen per agent, `session`, repeat); a condition on the tools
    list itself (`if tools is None`) is the caller's choice, not a change between calls."""
    built = _built_tests(value, ev, env)
    tests = [*built, *_expr_tests(node, env)]
    scope = env.scope
    if isinstance(node, ast.Name) and isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        name = node.id
        params = {a.arg for a in (*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs)}
        if name in params:
            # the caller passes the tools: a wrapper, where only how the caller built them counts
            return _kept_conditions(built, None, ev, span_of)
        for stmt in _walk_body(scope.body):
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                tests.extend(_expr_tests(stmt.value, env))
            if isinstance(stmt, ast.If | ast.While) and _changes(stmt, name):
                tests.append((stmt.test, env))
    return _kept_conditions(tests, node.id if isinstance(node, ast.Name) else None, ev, span_of)


def _kept_conditions(tests: list[tuple[ast.expr, Env]], listname: str | None, ev: Evaluator,
                     span_of: SpanOf) -> list[Condition]:
    out: list[Condition] = []
    seen: set[int] = set()
    for test, tenv in tests:
        if id(test) in seen or (listname is not None and _mentions(test, listname)):
            continue
        seen.add(id(test))
        if ev.request_loops and not (tenv.mod.loops_around(test) & ev.request_loops):
            continue  # decided before the loop that makes the requests: the same on each turn
        if getattr(tenv.mod.enclosing_function(test), "name", "") == "__init__":
            continue  # decided when the agent is made: the same on each of its turns
        try:
            stab = value_stability(ev.eval(test, tenv))
        except Budget:
            continue
        if stab in (Stability.TURN, Stability.VOLATILE):  # tools chosen per agent (session) repeat
            out.append(Condition("tools", stab, tenv.mod.source_of(test), span_of(Loc.of(tenv.mod.path, test))))
    return out


def _built_tests(value: Value, ev: Evaluator, env: Env) -> list[tuple[ast.expr, Env]]:
    """The tests of the filtered comprehension or `A if c else B` a tools list was built by,
    each in the function it is written in (the caller's, for a list passed to a wrapper)."""
    loc = getattr(value, "loc", None)
    if not isinstance(loc, Loc) or not isinstance(loc.node, ast.ListComp | ast.GeneratorExp | ast.IfExp):
        return []
    mod = ev.module_for_path(loc.path, env)
    if mod is None or id(loc.node) not in mod.parents:
        return []  # not a node of that module's tree (a value made up by a library model)
    return _expr_tests(loc.node, env_at(mod, loc.node))


def _expr_tests(e: ast.AST, env: Env) -> list[tuple[ast.expr, Env]]:
    """`A if c else B` and comprehension filters anywhere in an expression (not in lambdas)."""
    out: list[tuple[ast.expr, Env]] = []
    todo = [e]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Lambda):
            continue
        if isinstance(n, ast.IfExp):
            out.append((n.test, env))
        elif isinstance(n, ast.ListComp | ast.GeneratorExp) and len(n.generators) == 1:
            gen = n.generators[0]
            # the loop variable is bound to something unknown: only the other names decide
            overlay = dict(env.overlay)
            for t in ast.walk(gen.target):
                if isinstance(t, ast.Name):
                    overlay[t.id] = OpaqueV(Stability.UNKNOWN, t.id, Loc.of(env.mod.path, t), "loop variable")
            sub = env.child(overlay=overlay)
            out.extend((test, sub) for test in gen.ifs)
        todo.extend(ast.iter_child_nodes(n))
    return out


def _walk_body(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a function body, not entering nested functions or classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for field_name in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(stmt, field_name, None)
            if isinstance(inner, list):
                yield from _walk_body([s for s in inner if isinstance(s, ast.stmt)] +
                                      [s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body])


def _changes(stmt: ast.If | ast.While, name: str) -> bool:
    """Does the statement's body change the list `name` (append, assign, ...)?"""
    for n in ast.walk(ast.Module(body=[*stmt.body, *stmt.orelse], type_ignores=[])):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _MUTATORS \
                and isinstance(n.func.value, ast.Name) and n.func.value.id == name:
            return True
        if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
    return False


def _mentions(e: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(e))
