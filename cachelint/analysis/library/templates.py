"""Template engines: `string.Template`, Jinja environments, loaders and templates. Rendering
itself is cachelint.analysis.templates; this model makes the template objects and says which
of their methods render."""

from __future__ import annotations

import ast
import posixpath

from cachelint.analysis.env import Env
from cachelint.analysis.files import file_text, package_dir, path_text
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import ANY, Registry
from cachelint.analysis.template_syntax import JinjaOptions
from cachelint.analysis.templates import (
    JinjaEnvV,
    LoaderV,
    TemplateV,
    find_template,
    make_template,
    render,
    static_value_text,
)
from cachelint.analysis.values import VARYING, AltV, ConstV, ListV, OpaqueV, StrV, Text, Value, value_stability
from cachelint.prompt import Stability

STRING_TEMPLATE = ("string.Template",)
JINJA_TEMPLATE = ("jinja2.Template", "jinja2.environment.Template")
JINJA_ENV = ("jinja2.Environment", "jinja2.environment.Environment", "jinja2.sandbox.SandboxedEnvironment",
             "jinja2.sandbox.ImmutableSandboxedEnvironment")
FS_LOADER = ("jinja2.FileSystemLoader", "jinja2.loaders.FileSystemLoader")
PKG_LOADER = ("jinja2.PackageLoader", "jinja2.loaders.PackageLoader")
CHOICE_LOADER = ("jinja2.ChoiceLoader", "jinja2.loaders.ChoiceLoader")
# Environment options that change the template syntax: such templates are not parsed.
_SYNTAX_OPTIONS = {"block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
                   "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
                   "newline_sequence"}


# ---------------------------------------------------------------- constructors


def string_template(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    if len(node.args) != 1 or node.keywords:
        return None
    return make_template(ev, ev.eval(node.args[0], env), "string", JinjaOptions(), env, node)


def jinja_template(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    if len(node.args) != 1:
        return None
    opts = jinja_options(ev, node, env)
    return make_template(ev, ev.eval(node.args[0], env), "jinja", opts, env, node)


def environment(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    return None if node.args else jinja_environment(ev, node, env)


def loader(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    return jinja_loader(ev, qual in PKG_LOADER, node, env)


def choice(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    return choice_loader(ev, node, env)


def jinja_options(ev: EvaluatorAPI, node: ast.Call, env: Env, base: JinjaOptions | None = None) -> JinjaOptions:
    """The whitespace options of an Environment or Template (a base's, overridden)."""
    opts = base or JinjaOptions()
    vals: dict[str, bool | None] = {
        "trim_blocks": opts.trim_blocks, "lstrip_blocks": opts.lstrip_blocks,
        "keep_trailing_newline": opts.keep_trailing_newline, "autoescape": opts.autoescape,
    }
    parseable = opts.parseable
    for k in node.keywords:
        if k.arg is None or k.arg in _SYNTAX_OPTIONS:
            parseable = False
        elif k.arg in vals:
            b = _bool_option(ev.eval(k.value, env))
            if b is None and k.arg != "autoescape":
                parseable = False  # whitespace handling not known
            vals[k.arg] = b
    return JinjaOptions(bool(vals["trim_blocks"]), bool(vals["lstrip_blocks"]),
                        bool(vals["keep_trailing_newline"]), vals["autoescape"], parseable)


def jinja_loader(ev: EvaluatorAPI, package: bool, node: ast.Call, env: Env) -> Value:
    """A FileSystemLoader or PackageLoader: the folders it looks in, when known."""
    src, loc = ev.src(env, node), ev.loc(env, node)
    if package:
        if not node.args or any(k.arg != "package_path" for k in node.keywords):
            return LoaderV(Stability.STABLE, src, loc, "PackageLoader not followed")
        pkg = package_dir(ev, node.args[0], env)
        sub_node = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "package_path"), None)
        sub = ev.eval(sub_node, env) if sub_node is not None else StrV((Text("templates", None),))
        p = path_text(pkg)
        s = path_text(sub)
        dirs = (posixpath.join(p, s),) if p is not None and s is not None else None
        return LoaderV(Stability.STABLE, src, loc, "package loader", search_path=dirs)
    arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "searchpath"), None)
    if arg is None:
        return LoaderV(Stability.STABLE, src, loc, "loader without a search path")
    v = ev.eval(arg, env)
    values = [i.value for i in v.items] if isinstance(v, ListV) and not any(
        i.repeated or i.optional for i in v.items) else [v]
    texts = [path_text(x) for x in values]
    found = tuple(t for t in texts if t is not None)
    return LoaderV(Stability.STABLE, src, loc, "file system loader",
                   search_path=found if len(found) == len(texts) else None)


def choice_loader(ev: EvaluatorAPI, node: ast.Call, env: Env) -> Value:
    """`ChoiceLoader([a, b])`: the folders of each loader in turn, when all are known."""
    src, loc = ev.src(env, node), ev.loc(env, node)
    arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
    v = ev.eval(arg, env) if arg is not None else None
    if not isinstance(v, ListV) or any(i.repeated or i.optional for i in v.items):
        return LoaderV(Stability.STABLE, src, loc, "ChoiceLoader not followed")
    dirs: list[str] = []
    for i in v.items:
        if not isinstance(i.value, LoaderV) or i.value.search_path is None:
            return LoaderV(Stability.STABLE, src, loc, "ChoiceLoader over a loader not followed")
        dirs.extend(i.value.search_path)
    return LoaderV(Stability.STABLE, src, loc, "choice loader", search_path=tuple(dirs))


def jinja_environment(ev: EvaluatorAPI, node: ast.Call, env: Env) -> Value:
    opts = jinja_options(ev, node, env)
    search: tuple[str, ...] | None = None
    cause = "Jinja environment"
    for k in node.keywords:
        if k.arg == "loader":
            loader = ev.eval(k.value, env)
            if isinstance(loader, LoaderV):
                search = loader.search_path
            if search is None:
                cause = "Jinja environment whose loader is not followed"
    return JinjaEnvV(Stability.STABLE, ev.src(env, node), ev.loc(env, node), cause, search_path=search,
                     options=opts)


def get_template(ev: EvaluatorAPI, jenv: JinjaEnvV, node: ast.Call, env: Env) -> Value:
    """`env.get_template(name)`: the template file found in the loader's folders."""
    if len(node.args) != 1 or node.keywords:
        return ev.unknown_call(node, env, "get_template(...)")
    name_v = ev.eval(node.args[0], env)
    if isinstance(name_v, AltV):
        return AltV(tuple(_load(ev, jenv, o, node, env) for o in name_v.options),
                    ev.loc(env, node), ev.src(env, node))
    return _load(ev, jenv, name_v, node, env)


def _load(ev: EvaluatorAPI, jenv: JinjaEnvV, name_v: Value, node: ast.Call, env: Env) -> Value:
    name = static_value_text(name_v) if isinstance(name_v, StrV) else None
    if name is None:
        stab = value_stability(name_v)
        return ev.opaque(env, node, stab if stab in VARYING
                           else Stability.STABLE, "template whose name is not known statically")
    if jenv.search_path is None:
        return ev.opaque(env, node, Stability.STABLE, f"template `{name}` from a loader not followed")
    last, cause, _ = find_template(ev, jenv.search_path, name)
    if last is None:
        return ev.opaque(env, node, Stability.STABLE, cause)
    if last.data is None or last.real is None:
        return ev.opaque(env, node, last.stability, last.cause)
    text = ev.files().text(last, "utf-8", "strict", True)
    if text is None:
        return ev.opaque(env, node, Stability.UNKNOWN, f"template `{last.rel}` is not valid UTF-8 text")
    source = file_text(ev, text, last, env, node)
    return make_template(ev, source, "jinja", jenv.options, env, node, file=last.real,
                              search_path=jenv.search_path)


# ---------------------------------------------------------------- methods and attributes


def render_string(ev: EvaluatorAPI, recv: TemplateV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`substitute` / `safe_substitute` of a string.Template."""
    if recv.kind != "string":
        return None
    return render(ev, recv, node, env, safe=meth == "safe_substitute")


def render_jinja(ev: EvaluatorAPI, recv: TemplateV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`render` / `render_async` of a Jinja template."""
    if recv.kind != "jinja":
        return None
    return render(ev, recv, node, env, safe=False)


def env_get_template(ev: EvaluatorAPI, recv: JinjaEnvV, meth: str, node: ast.Call, env: Env) -> Value:
    return get_template(ev, recv, node, env)


def env_from_string(ev: EvaluatorAPI, recv: JinjaEnvV, meth: str, node: ast.Call, env: Env) -> Value | None:
    if len(node.args) != 1 or node.keywords:
        return None
    return make_template(ev, ev.eval(node.args[0], env), "jinja", recv.options, env, node,
                         search_path=recv.search_path)


def template_attribute(ev: EvaluatorAPI, base: OpaqueV, attr: str, node: ast.AST, env: Env) -> Value:
    """`env.loader`, `template.name`, ...: not followed (setting them is not either)."""
    return ev.opaque(env, node, Stability.STABLE, f"`.{attr}` of a template object")


def _bool_option(v: Value) -> bool | None:
    if isinstance(v, ConstV) and isinstance(v.value, bool):
        return v.value
    return None


def register(reg: Registry) -> None:
    reg.call(STRING_TEMPLATE, string_template)
    reg.call(JINJA_TEMPLATE, jinja_template)
    reg.call(JINJA_ENV, environment)
    reg.call((*FS_LOADER, *PKG_LOADER), loader)
    reg.call(CHOICE_LOADER, choice)
    reg.method(TemplateV, ("substitute", "safe_substitute"), render_string)
    reg.method(TemplateV, ("render", "render_async"), render_jinja)
    reg.method(JinjaEnvV, ("get_template",), env_get_template)
    reg.method(JinjaEnvV, ("from_string",), env_from_string)
    for cls in (TemplateV, JinjaEnvV, LoaderV):
        reg.attribute(cls, (ANY,), template_attribute)
