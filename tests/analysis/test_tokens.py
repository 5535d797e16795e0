"""Token counting: exact offline tiktoken counts, verified BPE files, labelled estimates."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from cachelint import tokens
from cachelint.tokens import (
    EXPECTED_SHA256,
    TokenCount,
    TokenizerUnavailable,
    bpe_sources,
    count_for_encoding,
    count_tokens,
    load_encoding,
)

REPO = Path(__file__).resolve().parents[2]
URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
SHIPPED = REPO / "cachelint" / "data"


def _official(bpe: str) -> bytes:
    """The official file's bytes, from the copy cachelint ships."""
    return gzip.decompress((SHIPPED / f"{bpe}.tiktoken.gz").read_bytes())


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Empty caches before and after a test that changes where BPE files come from."""
    monkeypatch.delenv("CACHELINT_BPE_DIR", raising=False)
    tokens.clear_caches()
    yield monkeypatch
    monkeypatch.undo()
    tokens.clear_caches()


# ---- exact counts ----------------------------------------------------------------------------

# Counted with the verified official files. "hello world" is 2 tokens in both encodings and
# "tiktoken is great!" is [83, 1609, 5963, 374, 2294, 0] in cl100k_base: both are the examples
# in tiktoken's README and OpenAI's "How to count tokens with tiktoken" cookbook.
KNOWN_COUNTS = [
    ("hello world", 2, 2),
    ("tiktoken is great!", 6, 6),
    ("The quick brown fox jumps over the lazy dog.", 10, 10),
    (
        "You are a helpful assistant. Answer the user's questions concisely and cite your "
        "sources.",
        18,
        19,
    ),
    ("def f(x):\n    return x * 2\n", 11, 11),
    ("Grüße, 東京 🦊", 8, 10),
    ("<|endoftext|>", 7, 7),  # special-token text is plain text: encode_ordinary
]


@pytest.mark.parametrize(("text", "o200k", "cl100k"), KNOWN_COUNTS)
def test_known_counts(text: str, o200k: int, cl100k: int) -> None:
    assert count_for_encoding(text, "o200k_base") == o200k
    assert count_for_encoding(text, "cl100k_base") == cl100k


def test_known_token_ids() -> None:
    assert load_encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]
    assert load_encoding("cl100k_base").encode_ordinary("tiktoken is great!") == [
        83, 1609, 5963, 374, 2294, 0,
    ]
    assert load_encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]


def test_encodings_have_tiktoken_vocabulary_and_specials() -> None:
    o200k = load_encoding("o200k_base")
    cl100k = load_encoding("cl100k_base")
    assert o200k.name == "o200k_base" and cl100k.name == "cl100k_base"
    assert o200k.n_vocab == 200019  # 199,998 ranks + <|endoftext|> 199999, <|endofprompt|> 200018
    assert cl100k.n_vocab == 100277
    assert o200k.special_tokens_set == {"<|endoftext|>", "<|endofprompt|>"}
    assert "<|fim_prefix|>" in cl100k.special_tokens_set


def test_harmony_counts_equal_o200k_base() -> None:
    harmony = load_encoding("o200k_harmony")
    base = load_encoding("o200k_base")
    assert harmony.name == "o200k_harmony"
    assert "<|channel|>" in harmony.special_tokens_set
    for text, _, _ in KNOWN_COUNTS:
        assert harmony.encode_ordinary(text) == base.encode_ordinary(text)


def test_count_tokens_openai_is_exact() -> None:
    assert count_tokens("hello world", "gpt-4.1", "gpt-4.1") == TokenCount(2, True, "o200k_base")
    assert count_tokens("Grüße, 東京 🦊", "gpt-4-0613", "gpt-4.1") == TokenCount(
        10, True, "cl100k_base"
    )
    assert count_tokens("Grüße, 東京 🦊", "gpt-oss-120b", "gpt-4.1") == TokenCount(
        8, True, "o200k_harmony"
    )


def test_count_tokens_uses_default_model_when_none() -> None:
    text = "Grüße, 東京 🦊"
    assert count_tokens(text, None, "gpt-4") == TokenCount(10, True, "cl100k_base")
    assert count_tokens(text, None, "gpt-4o") == TokenCount(8, True, "o200k_base")


def test_empty_text_is_zero_and_exact() -> None:
    assert count_for_encoding("", "o200k_base") == 0
    assert count_tokens("", "claude-sonnet-4-5", "gpt-4.1") == TokenCount(0, True, "cl100k_base")


def test_unknown_encoding_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unsupported encoding"):
        count_for_encoding("x", "p50k_base")


# ---- estimates -------------------------------------------------------------------------------

LONG = "Answer in English. Cite the policy section for every claim.\n" * 40


def test_claude_estimate_is_cl100k_times_factor() -> None:
    base = count_for_encoding(LONG, "cl100k_base")
    got = count_tokens(LONG, "claude-sonnet-4-5-20250929", "gpt-4.1")
    assert got == TokenCount(int(base * 1.1 + 0.5), False, "cl100k_base")
    assert got.n > base


def test_gemini_estimate_is_cl100k() -> None:
    base = count_for_encoding(LONG, "cl100k_base")
    assert count_tokens(LONG, "gemini-2.5-pro", "gpt-4.1") == TokenCount(base, False, "cl100k_base")


def test_unknown_openai_model_is_not_exact() -> None:
    base = count_for_encoding(LONG, "o200k_base")
    assert count_tokens(LONG, "gpt-7-turbo", "gpt-4.1") == TokenCount(base, False, "o200k_base")


@pytest.mark.parametrize(
    ("n", "exact", "shown"),
    [
        (1842, True, "1,842"),
        (1842, False, "~1,800"),
        (1850, False, "~1,900"),  # half rounds up
        (87, False, "~87"),
        (100, False, "~100"),
        (153, False, "~150"),
        (999, False, "~1,000"),
        (12345, False, "~12,000"),
        (1234567, True, "1,234,567"),
        (0, True, "0"),
    ],
)
def test_display(n: int, exact: bool, shown: str) -> None:
    assert TokenCount(n, exact, "cl100k_base").display() == shown


@pytest.mark.parametrize(
    ("count", "noun", "shown"),
    [
        (TokenCount(1, True, "o200k_base"), "token", "1 token"),
        (TokenCount(2, True, "o200k_base"), "token", "2 tokens"),
        (TokenCount(0, True, "o200k_base"), "static token", "0 static tokens"),
        (TokenCount(1, False, "cl100k_base"), "static token", "~1 static token"),
        (TokenCount(1842, False, "cl100k_base"), "token", "~1,800 tokens"),
    ],
)
def test_amount_is_plural_unless_one(count: TokenCount, noun: str, shown: str) -> None:
    assert count.amount(noun) == shown


def test_basis_names_the_encoding_only_when_exact() -> None:
    assert TokenCount(5, True, "o200k_base").basis() == "o200k_base"
    claude = count_tokens(LONG, "claude-sonnet-4-5", "gpt-4.1")
    assert claude.basis() == "estimated"  # not "cl100k_base": the estimate is not a cl100k_base count
    assert count_tokens(LONG, "gpt-7-turbo", "gpt-4.1").basis() == "estimated"


# ---- memoisation -----------------------------------------------------------------------------


def test_encodings_are_loaded_once_and_counts_memoised() -> None:
    assert load_encoding("o200k_base") is load_encoding("o200k_base")
    text = "a constant that is counted many times " * 3
    count_for_encoding(text, "o200k_base")
    before = tokens._count.cache_info()
    for _ in range(5):
        count_for_encoding(text, "o200k_base")
    after = tokens._count.cache_info()
    assert after.hits - before.hits == 5
    assert after.misses == before.misses
    assert after.maxsize == tokens.COUNT_CACHE_SIZE


# ---- where the BPE files come from -----------------------------------------------------------


def test_expected_hashes_match_tiktoken_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    public = importlib.import_module("tiktoken_ext.openai_public")
    listed: dict[str, str | None] = {}

    def capture(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        listed[url] = expected_hash
        return {b"a": 0}

    monkeypatch.setattr(public, "load_tiktoken_bpe", capture)
    public.o200k_base()
    public.cl100k_base()
    assert listed == {URL.format(name): digest for name, digest in EXPECTED_SHA256.items()}


def test_shipped_files_are_the_official_ones() -> None:
    assert tokens._SHIPPED_DIR.resolve() == SHIPPED
    for bpe, digest in EXPECTED_SHA256.items():
        assert hashlib.sha256(_official(bpe)).hexdigest() == digest


def test_default_sources_are_the_shipped_files(fresh: pytest.MonkeyPatch) -> None:
    lines = bpe_sources()
    assert [line.split(":", 1)[0] for line in lines] == ["o200k_base", "cl100k_base"]
    for bpe, line in zip(EXPECTED_SHA256, lines, strict=True):
        assert f"{bpe}.tiktoken.gz (cachelint package, sha256 verified)" in line


def test_bpe_dir_is_checked_first(fresh: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "o200k_base.tiktoken").write_bytes(_official("o200k_base"))
    fresh.setenv("CACHELINT_BPE_DIR", str(tmp_path))
    assert count_for_encoding("hello world", "o200k_base") == 2
    o200k, cl100k = bpe_sources()
    assert str(tmp_path / "o200k_base.tiktoken") in o200k and "CACHELINT_BPE_DIR" in o200k
    assert "cachelint package" in cl100k  # not in the directory: the next source is used


def test_corrupted_file_in_bpe_dir_is_an_error(fresh: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = bytearray(_official("o200k_base"))
    data[100] ^= 0x01  # one flipped bit: still parses, must not be used
    bad = tmp_path / "o200k_base.tiktoken"
    bad.write_bytes(bytes(data))
    fresh.setenv("CACHELINT_BPE_DIR", str(tmp_path))
    with pytest.raises(TokenizerUnavailable) as info:
        count_tokens("hello world", "gpt-4.1", "gpt-4.1")
    message = str(info.value)
    assert "\n" not in message
    assert str(bad) in message and "sha256" in message and "CACHELINT_BPE_DIR" in message
    # No fallback to the corrupted file, nor silently to another copy: it fails every time.
    with pytest.raises(TokenizerUnavailable):
        count_for_encoding("hello", "o200k_base")
    with pytest.raises(TokenizerUnavailable):
        count_for_encoding("hello", "o200k_harmony")
    assert bpe_sources()[0].startswith("o200k_base: unavailable:")
    # cl100k_base is not in the directory and still loads from its verified copy.
    assert count_tokens("hello world", "gpt-4", "gpt-4.1") == TokenCount(2, True, "cl100k_base")


def _damaged_install(fresh: pytest.MonkeyPatch, folder: Path) -> Path:
    """Shipped copies as a damaged install has them: o200k_base altered, cl100k_base not gzip."""
    folder.mkdir()
    data = bytearray(_official("o200k_base"))
    data[-3] ^= 0x01
    (folder / "o200k_base.tiktoken.gz").write_bytes(gzip.compress(bytes(data)))
    (folder / "cl100k_base.tiktoken.gz").write_bytes(_official("cl100k_base")[:1000])
    fresh.setattr(tokens, "_SHIPPED_DIR", folder)
    return folder


def test_damaged_shipped_copies_say_what_to_do(fresh: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shipped = _damaged_install(fresh, tmp_path / "data")
    with pytest.raises(TokenizerUnavailable) as info:
        count_for_encoding("hello world", "o200k_base")
    message = str(info.value)
    assert f"{shipped / 'o200k_base.tiktoken.gz'} (sha256 mismatch)" in message
    assert "reinstall cachelint" in message and "CACHELINT_BPE_DIR" in message and "\n" not in message
    with pytest.raises(TokenizerUnavailable, match=r"cl100k_base.tiktoken.gz \(not a gzip file\)"):
        count_for_encoding("hello world", "cl100k_base")
    # A good copy in CACHELINT_BPE_DIR is the way out without reinstalling.
    (tmp_path / "o200k_base.tiktoken").write_bytes(_official("o200k_base"))
    fresh.setenv("CACHELINT_BPE_DIR", str(tmp_path))
    tokens.clear_caches()
    assert count_for_encoding("hello world", "o200k_base") == 2


def test_missing_everywhere_says_what_to_do(fresh: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fresh.setattr(tokens, "_SHIPPED_DIR", tmp_path / "nowhere")
    with pytest.raises(TokenizerUnavailable, match=r"o200k_base.tiktoken.gz \(missing\).*reinstall.*CACHELINT_BPE_DIR"):
        count_tokens("hello", "gpt-4o", "gpt-4.1")


def test_tiktoken_listed_hash_is_authoritative(fresh: pytest.MonkeyPatch) -> None:
    # If tiktoken lists a different hash, files are checked against tiktoken's value.
    with pytest.raises(TokenizerUnavailable, match="no verified copy of o200k_base"):
        tokens._verified_loader(URL.format("o200k_base"), expected_hash="0" * 64)
    ranks = tokens._verified_loader(URL.format("o200k_base"), EXPECTED_SHA256["o200k_base"])
    assert len(ranks) == 199998


# ---- no network ------------------------------------------------------------------------------

NO_NETWORK_PRELUDE = """
import socket

def _refuse(*args, **kwargs):
    raise OSError("network disabled by test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def _run_offline(body: str, cache_dir: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("CACHELINT_BPE_DIR",)}
    env["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    env.pop("DATA_GYM_CACHE_DIR", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    code = NO_NETWORK_PRELUDE + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_counts_work_without_network(tmp_path: Path) -> None:
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    result = _run_offline(
        """
        import json
        try:
            socket.create_connection(("127.0.0.1", 9))
            blocked = False
        except OSError as exc:
            blocked = "disabled by test" in str(exc)
        from cachelint.tokens import count_tokens
        a = count_tokens("Grüße, 東京 🦊", "gpt-4.1", "gpt-4.1")
        b = count_tokens("Grüße, 東京 🦊", "gpt-4", "gpt-4.1")
        print(json.dumps({
            "blocked": blocked,
            "gpt41": [a.n, a.exact, a.encoding],
            "gpt4": [b.n, b.exact, b.encoding],
        }))
        """,
        cache,
    )
    assert result == {
        "blocked": True,
        "gpt41": [8, True, "o200k_base"],
        "gpt4": [10, True, "cl100k_base"],
    }
    assert list(cache.iterdir()) == []  # nothing downloaded or written to tiktoken's cache


def test_counts_match_tiktoken_own_loader(tmp_path: Path) -> None:
    # Independent cross-check: tiktoken's own get_encoding, reading its cache (no network),
    # gives the same tokens as the encodings cachelint builds.
    cache = tmp_path / "cache"
    cache.mkdir()
    for bpe in EXPECTED_SHA256:
        key = hashlib.sha1(URL.format(bpe).encode()).hexdigest()
        (cache / key).write_bytes(_official(bpe))
    texts = [text for text, _, _ in KNOWN_COUNTS] + [LONG]
    result = _run_offline(
        f"""
        import json
        import tiktoken
        from cachelint.tokens import load_encoding
        texts = {texts!r}
        same = all(
            tiktoken.get_encoding(name).encode_ordinary(t) == load_encoding(name).encode_ordinary(t)
            for name in ("o200k_base", "cl100k_base")
            for t in texts
        )
        print(json.dumps({{"same": same}}))
        """,
        cache,
    )
    assert result == {"same": True}


# ---- what a user sees ------------------------------------------------------------------------

CALL = """\
from openai import OpenAI

client = OpenAI()
POLICY = "Answer in English. Cite the policy section for every claim. " * 200


def reply(name: str, question: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4.1",
        messages=[
            {{"role": "system", "content": f"Customer {{name}}. " + POLICY}},
            {{"role": "user", "content": question}},
        ],
    )
    return response.choices[0].message.content or "{n}"
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_tokenizer_that_cannot_load_is_one_line_for_the_run(tmp_path: Path, jobs: str) -> None:
    bpe_dir = tmp_path / "bpe"
    bpe_dir.mkdir()
    (bpe_dir / "o200k_base.tiktoken").write_bytes(b"not the official file\n")
    project = tmp_path / "project"
    project.mkdir()
    for n in range(4):
        (project / f"module{n}.py").write_text(CALL.format(n=n), encoding="utf-8")
    env = {**os.environ, "CACHELINT_BPE_DIR": str(bpe_dir)}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-m", "cachelint", "--no-cache", "-j", jobs, "."],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("cachelint: error:")]
    assert len(errors) == 1, done.stderr
    (line,) = errors
    assert line.startswith(f"cachelint: error: cannot count tokens: {bpe_dir / 'o200k_base.tiktoken'} fails its sha256")
    assert line.endswith("unset CACHELINT_BPE_DIR (4 files not checked)")
    assert "4 paths could not be checked" in done.stdout


def test_show_prompt_with_a_tokenizer_that_cannot_load_is_one_error_line(tmp_path: Path) -> None:
    bpe_dir = tmp_path / "bpe"
    bpe_dir.mkdir()
    (bpe_dir / "o200k_base.tiktoken").write_bytes(b"not the official file\n")
    (tmp_path / "app.py").write_text(CALL.format(n=0), encoding="utf-8")
    env = {**os.environ, "CACHELINT_BPE_DIR": str(bpe_dir)}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-m", "cachelint", "--show-prompt", "app.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("cachelint: error: cannot count tokens: ") and done.stderr.count("\n") == 1


def test_claude_counts_are_shown_as_estimates(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import anthropic\nclient = anthropic.Anthropic()\nPOLICY = 'Cite the policy section. ' * 300\n"
        "def reply(name: str) -> object:\n"
        "    return client.messages.create(model='claude-sonnet-4-5', max_tokens=100, "
        "system=f'Customer {name}. ' + POLICY, messages=[])\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "cachelint", "--no-cache", "--select", "CL101", "app.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert re.search(r"`POLICY` defined here \(~[1-9][\d,]* tokens, estimated\)", done.stdout), done.stdout
    assert "cl100k_base" not in done.stdout
