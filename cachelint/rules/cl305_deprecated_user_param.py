"""CL305 deprecated-user-param."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.diagnostics import Applicability, Diagnostic, Severity
from cachelint.prompt import AssembledPrompt
from cachelint.rules._base import Invalid, Rule, Valid
from cachelint.rules._markers import in_file, reaches_openai
from cachelint.rules.context import RuleContext
from cachelint.rules.examples import PRELUDE


class DeprecatedUserParam(Rule):
    """
    ## What it does
    Checks for `user=` passed to `chat.completions.create` or `responses.create`.

    ## Why is this bad?
    OpenAI deprecated `user`: its role is split between `safety_identifier` (abuse
    detection) and `prompt_cache_key` (cache routing). Keeping `user` does not help
    requests of the same prompt reach the same cache.

    ## Fix safety
    Display-only.

    ## References
    - openai-python `completion_create_params.py`: "`user` is being replaced by `safety_identifier`
      and `prompt_cache_key`"
    """

    code = "CL305"
    name = "deprecated-user-param"
    severity = Severity.INFO
    default = False
    providers = ("openai",)
    summary = "`user=` is deprecated: use `safety_identifier` and `prompt_cache_key`"
    fix_title = "Replace `user=` with `safety_identifier=` and set `prompt_cache_key=` for routing"

    VALID = [
        Valid(PRELUDE + '''
def reply(user_id, text):
    return client.responses.create(model="gpt-5", input=text, safety_identifier=user_id,
                                   prompt_cache_key="support")
''', docs=True),
        # `user` inside a message is a role, not the parameter
        Valid(PRELUDE + '''
def reply(text):
    return client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": text}])
'''),
    ]
    INVALID = [
        Invalid(PRELUDE + '''
def reply(user_id, text):
    return client.responses.create(model="gpt-5", input=text, user=user_id)  # expect: CL305
''', message="deprecated", docs=True),
        Invalid(PRELUDE + '''
def reply(user_id, text):
    return client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": text}],
                                          user=f"u-{user_id}")  # expect: CL305
'''),
    ]

    def check(self, prompt: AssembledPrompt, ctx: RuleContext) -> Iterator[Diagnostic]:
        if not reaches_openai(prompt, ctx):
            return  # OpenAI's own parameter: Anthropic, Gemini and other endpoints have none of this kind
        user = prompt.param("user")
        if user is None:
            return
        key = prompt.param("prompt_cache_key")
        extra = "" if key is not None else " (this call sets no `prompt_cache_key`)"
        yield ctx.diagnostic(
            self,
            user.span if in_file(user.span, ctx) else prompt.call.func_span,
            f"`user={user.source}` is deprecated: it does not route requests to a cache{extra}",
            self.fix_title,
            Applicability.DISPLAY_ONLY,
            (),
            identity=f"user|{prompt.call.api}",
        )
