"""Which files a run lints: sorting, default excludes, .gitignore, explicit paths, symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cachelint import discovery
from cachelint.diagnostics import LintError
from cachelint.discovery import DEFAULT_EXCLUDE, discover, display_path, is_excluded
from cachelint.settings import Settings


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")


def settings(root: Path, **kwargs: object) -> Settings:
    kwargs.setdefault("exclude", DEFAULT_EXCLUDE)
    return Settings(root=str(root), **kwargs)  # type: ignore[arg-type]


def files(*paths: str, force_exclude: bool = False, **kwargs: object) -> list[str]:
    found, errors = discover(list(paths) or ["."], settings(Path.cwd(), **kwargs), force_exclude=force_exclude)
    assert errors == []
    return found


def test_sorted_python_files_only(project: Path) -> None:
    touch(project, "b.py", "a/z.py", "a/b/c.py", "A.py", "stub.pyi", "notes.txt", "a_b.py")
    assert files() == ["A.py", "a/b/c.py", "a/z.py", "a_b.py", "b.py"]


def test_default_excludes(project: Path) -> None:
    touch(project, "keep.py", *(f"{name}/x.py" for name in DEFAULT_EXCLUDE if "*" not in name))
    touch(project, "pkg.egg-info/x.py", "src/node_modules/x.py", "src/__pycache__/x.py")
    assert files() == ["keep.py"]


def test_exclude_replaces_defaults_and_extend_exclude_adds(project: Path) -> None:
    touch(project, "build/x.py", "gen/y.py", "src/gen/z.py", "src/a_pb2.py", "src/a.py")
    assert files() == ["gen/y.py", "src/a.py", "src/a_pb2.py", "src/gen/z.py"]
    assert files(extend_exclude=("gen", "*_pb2.py")) == ["src/a.py"]
    # Patterns with a slash are anchored at the project root, as in .gitignore.
    assert files(extend_exclude=("/gen",)) == ["src/a.py", "src/a_pb2.py", "src/gen/z.py"]
    assert files(exclude=("src/gen",)) == [
        "build/x.py",
        "gen/y.py",
        "src/a.py",
        "src/a_pb2.py",
    ]


def test_exclude_is_relative_to_the_root_not_the_cwd(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(project, "src/gen/x.py", "src/y.py")
    monkeypatch.chdir(project / "src")
    found, _ = discover(["."], settings(project, extend_exclude=("src/gen",)))
    assert found == ["y.py"]


def test_gitignore_root_and_nested(project: Path) -> None:
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("secret.py\n/out/\n*.gen.py\n!keep.gen.py\n")
    (project / "pkg").mkdir()
    (project / "pkg" / ".gitignore").write_text("local_*.py\n!local_ok.py\n")
    touch(
        project,
        "a.py",
        "secret.py",
        "pkg/secret.py",
        "out/x.py",
        "pkg/out/y.py",
        "m.gen.py",
        "keep.gen.py",
        "pkg/local_a.py",
        "pkg/local_ok.py",
        "local_b.py",
    )
    assert files() == [
        "a.py",
        "keep.gen.py",
        "local_b.py",
        "pkg/local_ok.py",
        "pkg/out/y.py",
    ]
    assert "secret.py" in files(respect_gitignore=False)


def test_gitignore_above_the_walked_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Linting a subfolder still honours the repository's .gitignore files above it.
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("skip.py\n")
    touch(project, "src/skip.py", "src/keep.py")
    monkeypatch.chdir(project / "src")
    found, _ = discover(["."], settings(project / "src"))
    assert found == ["keep.py"]


def test_gitignore_without_a_git_folder(project: Path) -> None:
    (project / ".gitignore").write_text("skip.py\n")
    touch(project, "skip.py", "keep.py")
    assert files() == ["keep.py"]


def test_explicit_paths_are_linted_unless_force_exclude(project: Path) -> None:
    (project / ".gitignore").write_text("ignored.py\n")
    touch(project, "build/x.py", "ignored.py", "build/__pycache__/c.py", "build/sub/y.py")
    assert files("build/x.py") == ["build/x.py"]
    assert files("ignored.py") == ["ignored.py"]
    assert files("build/x.py", "ignored.py", force_exclude=True) == []
    # A named folder is walked even though it is excluded; what else is excluded inside
    # it stays excluded.
    assert files("build") == ["build/sub/y.py", "build/x.py"]
    assert files("build", force_exclude=True) == []


def test_explicit_non_python_file(project: Path) -> None:
    (project / "script").write_text("x = 1\n")
    assert files("script") == ["script"]


def test_duplicates_removed(project: Path) -> None:
    touch(project, "src/a.py")
    assert files("src", "src/a.py", "./src/a.py", "src/../src") == ["src/a.py"]


def test_missing_path_is_an_error_and_the_rest_continues(project: Path) -> None:
    touch(project, "a.py")
    found, errors = discover(["nope", "a.py", "gone/x.py"], settings(project))
    assert found == ["a.py"]
    assert errors == [
        LintError("nope", "no such file or directory"),
        LintError("gone/x.py", "no such file or directory"),
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_terminate(project: Path) -> None:
    touch(project, "pkg/a.py")
    (project / "pkg" / "loop").symlink_to(project / "pkg")
    (project / "pkg" / "up").symlink_to(project)
    (project / "pkg" / "self.py").symlink_to(project / "pkg" / "self.py")
    found, errors = discover(["."], settings(project))
    assert found == ["pkg/a.py"]
    assert errors == [LintError("pkg/self.py", "cannot access: Too many levels of symbolic links")]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_folders_are_not_followed_unless_named(project: Path) -> None:
    touch(project, "real/a.py")
    (project / "src").mkdir()
    (project / "src" / "linked").symlink_to(project / "real")
    (project / "src" / "mod.py").symlink_to(project / "real" / "a.py")
    assert files("src") == ["src/mod.py"]
    assert files("src/linked") == ["src/linked/a.py"]


def test_unreadable_folder_is_one_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root a chmod 000 folder stays readable, so make listing it fail instead.
    touch(project, "a.py", "locked/b.py")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    found, errors = discover(["."], settings(project))
    assert found == ["a.py"]
    assert errors == [LintError("locked", "cannot read directory: Permission denied")]


def test_is_excluded(project: Path) -> None:
    s = settings(project, extend_exclude=("gen",))
    assert is_excluded("build/x.py", s)
    assert is_excluded("a/gen/x.py", s)
    assert not is_excluded("src/x.py", s)


def test_display_path(project: Path) -> None:
    assert display_path(str(project / "a" / "b.py")) == "a/b.py"
    assert display_path("./a/../a/b.py") == "a/b.py"
    assert display_path(str(project)) == "."
    assert display_path("-") == "-"
    assert display_path("../elsewhere/x.py") == "../elsewhere/x.py"
    assert display_path("/somewhere/else.py", cwd=str(project)) == "/somewhere/else.py"


_PATTERN_LINES = [*DEFAULT_EXCLUDE, "*.py[cod]", "/build", "docs/**/gen", "!keep.py", "a/*/b", "*.ipynb", "tmp/",
                  "[Tt]est?.py", "\\#odd", "**/x", "!important/", "s p a c e"]
_PATH_PARTS = ["build", "keep.py", "a", "b", "c", "docs", "gen", "tmp", "test1.py", "Tests.py", ".venv", "x",
               "node_modules", "pkg.egg-info", "important", "#odd", "s p a c e", "m.pyc", "n.ipynb", "__pycache__"]


@given(
    lines=st.lists(st.sampled_from(_PATTERN_LINES), max_size=8),
    parts=st.lists(st.sampled_from(_PATH_PARTS), min_size=1, max_size=5),
    is_dir=st.booleans(),
)
@hsettings(max_examples=400, deadline=None)
def test_the_joined_patterns_answer_as_each_pattern_does(lines: list[str], parts: list[str], is_dir: bool) -> None:
    """Discovery asks one regex joined from a pattern list whether any pattern matches, and
    the patterns one by one only when one does: the same verdict and matches as always
    asking them one by one."""
    patterns = discovery._compile(lines)
    ignorer = discovery._Ignorer(root="/r", exclude=patterns, respect_gitignore=False)
    rel = "/".join(parts) + ("/" if is_dir else "")
    fast: set[tuple[str, int]] = set()
    slow: set[tuple[str, int]] = set()
    verdict = discovery._decide(patterns, "", rel, frozenset(), slow)
    assert ignorer._verdict(patterns, "", rel, frozenset(), fast) == verdict
    assert fast == slow
    assert discovery._joined(patterns) is not None or not patterns
