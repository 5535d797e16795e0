"""Parallel runs (issue 6): the same findings, byte for byte, in the same order as a serial run."""

from __future__ import annotations

import os
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from cachelint.analysis.module import ModuleInfo
from cachelint.rules import ALL_RULES
from cachelint.run import lint, pool, prefilter, scan, state, tracked
from cachelint.run.lint import RunOptions, lint_files
from cachelint.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import corpus


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small dense corpus, plus files that fail: a syntax error, a bad encoding, an empty file."""
    root = tmp_path_factory.mktemp("dense")
    corpus.generate(str(root), 30)
    (root / "app" / "broken.py").write_text("from openai import OpenAI\ndef f(:\n")
    (root / "app" / "latin.py").write_bytes(b"# openai\nx = '\xff'\n")
    (root / "app" / "empty.py").write_text("")
    return root


def py_files(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*.py"))


def test_parallel_cli_output_is_byte_for_byte_the_serial_output(
    tree: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., object]
) -> None:
    monkeypatch.chdir(tree)
    serial = run("--format", "json", "--no-cache", "-j", "1")
    parallel_ = run("--format", "json", "--no-cache", "-j", "2")
    cold = run("--format", "json", "-j", "2", "--cache-dir", str(tree / ".c"))
    warm = run("--format", "json", "-j", "2", "--cache-dir", str(tree / ".c"))
    warm_serial = run("--format", "json", "-j", "1", "--cache-dir", str(tree / ".c"))
    assert serial.stdout.count('"code"') > 50  # type: ignore[attr-defined]
    for other in (parallel_, cold, warm, warm_serial):
        assert other.all == serial.all  # type: ignore[attr-defined]


def test_order_does_not_depend_on_the_order_of_files_or_workers(tree: Path) -> None:
    settings = Settings(root=str(tree))
    files = py_files(tree)
    reference = lint_files(files, settings, list(ALL_RULES), options=RunOptions(jobs=1))
    shuffled = files[:]
    random.Random(6).shuffle(shuffled)
    for jobs in (2,):
        got = lint_files(shuffled, settings, list(ALL_RULES), options=RunOptions(jobs=jobs))
        assert got.diagnostics == reference.diagnostics
        assert sorted(map(str, got.errors)) == sorted(map(str, reference.errors))
        # errors come in the order the files were given, as in a serial run
        serial_shuffled = lint_files(shuffled, settings, list(ALL_RULES), options=RunOptions(jobs=1))
        assert got.errors == serial_shuffled.errors
        assert got.files_checked == reference.files_checked == len(files)


def test_a_file_lints_the_same_alone_or_after_others(tree: Path) -> None:
    settings = Settings(root=str(tree))
    files = py_files(tree)
    together = lint_files(files, settings, list(ALL_RULES), options=RunOptions(jobs=1))
    for path in files[-3:]:
        alone = lint_files([path], settings, list(ALL_RULES), options=RunOptions(jobs=1))
        assert alone.diagnostics == [d for d in together.diagnostics if d.span.path == path]


def test_jobs_zero_means_one_per_cpu() -> None:
    assert pool.default_jobs() >= 1
    if hasattr(os, "sched_getaffinity"):
        assert pool.default_jobs() == len(os.sched_getaffinity(0))


def test_unreadable_and_missing_files_are_errors_in_parallel(tree: Path) -> None:
    settings = Settings(root=str(tree))
    files = [*py_files(tree)[:20], str(tree / "gone.py"), str(tree / "app")]
    serial = lint_files(files, settings, list(ALL_RULES), options=RunOptions(jobs=1))
    par = lint_files(files, settings, list(ALL_RULES), options=RunOptions(jobs=2))
    assert par == serial
    assert [e.message for e in par.errors][-2:] == ["file vanished or does not exist", "is a directory"]


def _module(path: str, size: int) -> ModuleInfo:
    import ast

    text = "x = 1\n" + "#" * size
    return ModuleInfo(path, text, ast.parse(text))


def test_module_cache_is_bounded_by_bytes_and_count() -> None:
    cache = tracked.ModuleCache(max_bytes=1000, max_count=3)
    for i in range(5):
        cache.put(f"/m{i}.py", _module(f"/m{i}.py", 100))
    assert len(cache) == 3
    assert cache.get("/m0.py") is None and cache.get("/m4.py") is not None
    cache.get("/m2.py")  # recently used: kept
    cache.put("/big.py", _module("/big.py", 700))
    assert cache.get("/m2.py") is not None
    assert cache.get("/m3.py") is None  # least recently used goes first
    cache.put("/huge.py", _module("/huge.py", 5000))
    assert len(cache) == 0  # larger than the whole budget: not kept either


def test_evicting_parsed_modules_does_not_change_findings(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(root=str(tree))
    files = py_files(tree)
    reference = lint_files(files, settings, list(ALL_RULES), options=RunOptions(jobs=1))
    monkeypatch.setattr(tracked, "MODULE_CACHE_BYTES", 1)  # every module is evicted at once
    monkeypatch.setattr(tracked.ModuleCache.__init__, "__defaults__", (1, 1))
    assert tracked.ModuleCache().max_bytes == 1
    assert lint_files(files, settings, list(ALL_RULES), options=RunOptions(jobs=1)) == reference


def _square(task: int, shared: int, modules: tracked.ModuleCache) -> int:
    return task * task + shared


def test_one_job_runs_here_and_starts_no_process() -> None:
    with state.worker_pool(1, count_tokens=("cl100k_base",)) as workers:
        assert list(workers.map(_square, [1, 2, 3], 0, tracked.ModuleCache())) == [1, 4, 9]
        assert workers._procs == []
    with state.worker_pool(2, count_tokens=("cl100k_base",)) as workers:  # one task: not worth a process
        assert list(workers.map(_square, [5], 1, tracked.ModuleCache())) == [26]
        assert workers._procs == []


def test_the_module_cache_holds_a_small_project_whole_and_turns_over_a_large_one_in_little(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert tracked.cache_budget(tracked.MODULE_CACHE_BYTES) == tracked.MODULE_CACHE_BYTES
    assert tracked.cache_budget(tracked.MODULE_CACHE_BYTES + 1) == tracked.SMALL_MODULE_CACHE_BYTES
    # with workers, each keeps its own share of the files: held whole while three quarters of
    # the large budget hold it
    share = tracked.MODULE_CACHE_BYTES * 3 // 4
    assert tracked.cache_budget(2 * share, jobs=2) == tracked.MODULE_CACHE_BYTES
    assert tracked.cache_budget(2 * share + 1, jobs=2) == tracked.SMALL_MODULE_CACHE_BYTES
    assert tracked.cache_budget(2 * share, jobs=1) == tracked.SMALL_MODULE_CACHE_BYTES
    # a large module imported everywhere still stays cached (two of its size fit), up to the large budget
    big = tracked.SMALL_MODULE_CACHE_BYTES
    assert tracked.cache_budget(10 * tracked.MODULE_CACHE_BYTES, big) == 2 * big
    assert tracked.cache_budget(10 * tracked.MODULE_CACHE_BYTES, 10 * big) == tracked.MODULE_CACHE_BYTES
    # a worker's set-up, here in the test process: the switches it turns on are turned back after
    from cachelint import gcpolicy
    from cachelint.analysis import realpaths

    monkeypatch.setattr(gcpolicy, "_on", gcpolicy._on)
    monkeypatch.setattr(realpaths, "_active", realpaths._active)
    assert state.start_worker(12345).modules.max_bytes == 12345


def test_scan_passes_read_each_file_once_and_find_the_same_with_no_texts_kept(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-filter keeps the texts it read for the scan's later passes (which ask every file
    again for the wrappers found in the pass before); without them, files are read again."""

    settings = Settings(root=str(tree))
    files = py_files(tree)
    reads: list[str] = []
    real_read = prefilter.read_file

    def counting(path: str) -> tuple[bytes | None, str]:
        reads.append(path)
        return real_read(path)

    monkeypatch.setattr(prefilter, "read_file", counting)
    monkeypatch.setattr(lint, "read_file", counting)
    kept = lint_files(files, settings, list(ALL_RULES), options=RunOptions(jobs=1))
    # Once by the pre-filter, and a linted file once more to lint it.
    assert max(Counter(reads).values()) == 2

    reads.clear()
    monkeypatch.setattr(prefilter, "TEXT_BUDGET", 0)
    monkeypatch.setattr(lint, "TEXT_BUDGET", 0)
    reread = lint_files(files, settings, list(ALL_RULES), options=RunOptions(jobs=1))
    assert max(Counter(reads).values()) > 2  # the passes after the first read files again
    assert reread.diagnostics == kept.diagnostics and reread.diagnostics


def test_file_tests_are_kept_only_while_a_run_lasts(tmp_path: Path) -> None:
    """Module lookups test the same candidate paths for every file's project: inside a run the
    first answer stands; outside one (a library caller linting sources one by one) every
    question goes to the file system, so a module created in between is found."""
    from cachelint.analysis import realpaths

    made_between = tmp_path / "m.py"
    assert not realpaths.is_file(str(made_between))
    made_between.write_text("")
    assert realpaths.is_file(str(made_between))
    inside = tmp_path / "n.py"
    package = tmp_path / "pkg"
    with realpaths.run():
        assert not realpaths.is_file(str(inside)) and not realpaths.is_dir(str(package))
        inside.write_text("")
        package.mkdir()
        assert not realpaths.is_file(str(inside)) and not realpaths.is_dir(str(package))
    assert realpaths.is_file(str(inside)) and realpaths.is_dir(str(package))


def test_the_reader_keeps_no_texts_once_told_to_forget_them(tmp_path: Path) -> None:

    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("import openai\n")
    reader = prefilter.Reader(tracked.TrackedProject(str(tmp_path)), None)
    reader.facts(str(tmp_path / "a.py"))
    assert str(tmp_path / "a.py") in reader._texts
    reader.forget_texts()
    reader.facts(str(tmp_path / "b.py"))
    assert reader._texts == {}
    assert reader.text(str(tmp_path / "b.py")) == "import openai\n"  # read again when asked


def test_the_readers_word_index_answers_as_the_texts_do(tmp_path: Path) -> None:
    """A later scan pass asks each file for wrapper names: from the words a thread indexed
    (or, without it, found when first asked), the answer the text gives."""
    from cachelint.analysis.project import names_in

    texts = {f"m{i}.py": f"import openai\n\ndef f{i}(x):\n    return ask_{i % 3}(x) + other{i}\n" for i in range(40)}
    texts["odd.py"] = "x = ' a\u0301b'\n"  # the regex finds a\u0301 here; the words are a and b
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    paths = [str(tmp_path / name) for name in texts]
    asks = [frozenset({"ask_1"}), frozenset({"other7", "nothing"}), frozenset({"f3", "ask_2"}), frozenset({"a\u0301"}),
            frozenset({"openai"}), frozenset({"absent"})]
    for threaded in (True, False):
        reader = prefilter.Reader(tracked.TrackedProject(str(tmp_path)), None)
        assert [reader.is_candidate(p, None) for p in paths] == ["openai" in t for t in texts.values()]
        if threaded:
            reader.index_words()
            assert reader._indexer is not None
        for names in asks:
            assert [reader.is_candidate(p, names) for p in paths] == [names_in(t, names) for t in texts.values()]
        assert reader._indexer is None  # the first question waited for the thread
        assert set(reader._words) == {os.path.normpath(p) for p in paths}
        reader.forget_texts()
        assert reader._words == {} and reader._texts == {}
        # once forgotten, files are read again to answer
        assert reader.is_candidate(paths[1], frozenset({"ask_1"}))


def test_the_processes_start_once_the_first_pass_is_sure_to_share_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run starts its processes once the files read so far that name an SDK reach the
    count, and reads the rest after; facts taken from the cache are not counted (a warm run
    may scan nothing)."""

    class Pool:
        jobs = 2

        def __init__(self, reader: prefilter.Reader) -> None:
            self.reader = reader
            self.calls: list[int] = []

        def start(self) -> None:
            self.calls.append(len(self.reader.memo))

    monkeypatch.setattr(lint, "files_for_parallel_scan", lambda: 3)
    for i in range(6):
        (tmp_path / f"m{i}.py").write_text("import openai\n" if i != 2 else "x = 1\n")
    files = [str(tmp_path / f"m{i}.py") for i in range(6)]
    reader = prefilter.Reader(tracked.TrackedProject(str(tmp_path)), None)
    workers = Pool(reader)
    lint._start_early(reader, files, workers)  # type: ignore[arg-type]
    assert workers.calls == [4]  # m0, m1 and m3 name an SDK (m2 does not): started once m3 was read
    assert reader.mentioning == 3
    alone = Pool(reader)
    alone.jobs = 1
    lint._start_early(prefilter.Reader(tracked.TrackedProject(str(tmp_path)), None), files, alone)  # type: ignore[arg-type]
    assert alone.calls == []  # one process: nothing to start
    # a second run whose cache knows every file reads none, and starts nothing early
    from cachelint.cache import ResultCache

    for i in range(6):
        os.utime(tmp_path / f"m{i}.py", (1_000_000_000, 1_000_000_000))  # old enough to be trusted
    rc = ResultCache(str(tmp_path / "cache"), "k")
    first = prefilter.Reader(tracked.TrackedProject(str(tmp_path)), rc)
    for path in files:
        first.facts(path)
    warm = prefilter.Reader(tracked.TrackedProject(str(tmp_path)), rc)
    warm_workers = Pool(warm)
    lint._start_early(warm, files, warm_workers)  # type: ignore[arg-type]
    assert all(warm.facts(path) is not None for path in files)
    assert warm._texts == {} and warm.mentioning == 0 and warm_workers.calls == []
    assert scan.files_for_parallel_scan() == scan.SCAN_CHUNK * (pool.MIN_PARALLEL_TASKS - 1) + 1


def test_the_word_index_thread_has_ended_when_its_block_does(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text("import openai\n")
    reader = prefilter.Reader(tracked.TrackedProject(str(tmp_path)), None)
    for i in range(3):
        reader.facts(str(tmp_path / f"m{i}.py"))
    with pytest.raises(RuntimeError), reader.indexing() as index_words:
        index_words()
        assert reader._indexer is not None
        raise RuntimeError("a scan that fails")
    assert reader._indexer is None and len(reader._words) == 3


def test_a_pool_started_early_is_the_one_its_maps_use() -> None:
    with state.worker_pool(1) as alone:
        alone.start()
        assert not alone.started  # one worker: everything runs here
    with state.worker_pool(2) as workers:
        workers.start()
        assert workers.started
        pids = {proc.pid for proc in workers._procs}
        workers.start()  # again: nothing new
        assert {proc.pid for proc in workers._procs} == pids
        names = [f"f{i}" for i in range(4)]
        ran = dict(workers.map(_where, [(n, 0.0) for n in names], None, tracked.ModuleCache(), [[n] for n in names]))
        assert set(ran.values()) <= pids and set(ran) == set(names)
    assert not workers.started


# ---- the worker pool: where tasks go, and how failures come back


def _where(task: tuple[str, float], shared: None, modules: tracked.ModuleCache) -> tuple[str, int]:
    import time

    name, pause = task
    time.sleep(pause)
    return name, os.getpid()


def test_a_task_goes_back_to_the_worker_that_had_its_files_and_an_idle_worker_takes_work() -> None:
    with state.worker_pool(2) as workers:
        names = [f"f{i}" for i in range(8)]
        first = dict(workers.map(_where, [(n, 0.0) for n in names], None, tracked.ModuleCache(), [[n] for n in names]))
        pids = {w: proc.pid for w, proc in enumerate(workers._procs)}
        # the pool remembers which worker had each file, and that is where the task ran
        assert {n: pids[w] for n, w in workers._owner.items()} == first
        assert all(workers._home([n], 0, 1) == workers._owner[n] for n in names)
        # every task of a second map is homed on worker 0; the first one takes a while, so
        # worker 1, with nothing of its own, takes the others from the back of worker 0's queue
        for n in names:
            workers._owner[n] = 0
        tasks = [(n, 1.0 if i == 0 else 0.0) for i, n in enumerate(names)]
        second = dict(workers.map(_where, tasks, None, tracked.ModuleCache(), [[n] for n in names]))
        assert second[names[0]] == pids[0]
        assert set(second.values()) == {pids[0], pids[1]}
        assert sum(pid == pids[1] for pid in second.values()) >= len(names) - 2


def _fail(task: str, shared: None, modules: tracked.ModuleCache) -> str:
    if task == "value":
        raise ValueError("bad task")
    if task == "unpicklable":
        error = RuntimeError("holds a lock")
        error.lock = __import__("threading").Lock()  # type: ignore[attr-defined]
        raise error
    if task == "die":
        os._exit(3)
    return task


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ("value", ValueError, "bad task"),
        ("unpicklable", RuntimeError, "RuntimeError: holds a lock"),
        ("die", pool.WorkerDied, "a worker process ended unexpectedly (exit code 3)"),
    ],
)
def test_a_failing_task_raises_in_the_caller_and_the_next_map_starts_new_workers(
    bad: str, error: type[BaseException], message: str
) -> None:
    with state.worker_pool(2) as workers:
        with pytest.raises(error) as caught:
            list(workers.map(_fail, ["a", bad, "b", "c"], None, tracked.ModuleCache()))
        assert str(caught.value) == message
        assert workers._procs == []  # stopped, none left half way
        assert list(workers.map(_fail, ["a", "b"], None, tracked.ModuleCache())) == ["a", "b"]


# ---- counting tokens for the workers


def _count_in_worker(task: tuple[str, str], shared: None, modules: tracked.ModuleCache) -> tuple[object, int]:
    from cachelint import tokens

    text, encoding = task
    try:
        got: object = tokens.count_for_encoding(text, encoding)
    except Exception as exc:
        got = (type(exc).__name__, str(exc))
    return got, tokens._encoding.cache_info().currsize


def test_workers_count_tokens_in_the_counting_process_exactly_as_here() -> None:
    from cachelint import tokens

    tokens.clear_caches()  # nothing built here for the workers to inherit
    texts = ["You are a helpful assistant. " * 40, "Ünïcödé and emoji 🙂 " * 9, "x"]
    tasks = [(t, enc) for t in texts for enc in ("o200k_base", "cl100k_base")]
    with state.worker_pool(2, count_tokens=("o200k_base",)) as workers:
        got = list(workers.map(_count_in_worker, tasks, None, tracked.ModuleCache()))
        assert workers._procs[-1].is_alive()  # the counting process, besides the two workers
        assert len(workers._procs) == 3
    # the same counts as counted here; no worker built an encoding of its own
    assert got == [(tokens.count_for_encoding(t, enc), 0) for t, enc in tasks]


def test_a_tokenizer_that_cannot_be_built_fails_in_a_worker_as_it_fails_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cachelint import tokens

    bad = tmp_path / "o200k_base.tiktoken"
    bad.write_bytes(b"not the official file\n")
    monkeypatch.setenv("CACHELINT_BPE_DIR", str(tmp_path))
    tokens.clear_caches()
    try:
        with state.worker_pool(2, count_tokens=("o200k_base",)) as workers:
            got = list(workers.map(_count_in_worker, [("hi", "o200k_base")] * 2, None, tracked.ModuleCache()))
        with pytest.raises(tokens.TokenizerUnavailable) as here:
            tokens.count_for_encoding("hi", "o200k_base")
    finally:
        monkeypatch.undo()
        tokens.clear_caches()
    assert "sha256" in str(here.value)
    assert got == [(("TokenizerUnavailable", str(here.value)), 0)] * 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_workers_and_the_counting_process_stop_when_the_parent_is_killed(tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    script = tmp_path / "run.py"
    script.write_text(
        "import sys, time\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from cachelint.run import pool, state, tracked\n"
        "def slow(task, shared, modules):\n"
        "    time.sleep(0.3)\n"
        "    return task\n"
        "pool.slow = slow\n"
        "slow.__module__ = 'cachelint.run.pool'\n"
        "with state.worker_pool(2, count_tokens=('cl100k_base',)) as workers:\n"
        "    for n in workers.map(slow, list(range(100)), None, tracked.ModuleCache()):\n"
        "        if n == 1:\n"
        "            print(' '.join(str(p.pid) for p in workers._procs), flush=True)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, str(script), str(repo)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    children = [int(p) for p in proc.stdout.readline().split()]
    assert len(children) == 3
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    def running(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while any(running(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [p for p in children if running(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert left == []


def test_giving_back_freed_memory_is_harmless_where_the_c_library_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes

    from cachelint.run import tokenserver

    calls: list[int] = []

    class Glibc:
        def malloc_trim(self, pad: int) -> int:
            calls.append(pad)
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Glibc())
    tokenserver._give_back_freed_memory()
    assert calls == [0]
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # no malloc_trim (musl, macOS)
    tokenserver._give_back_freed_memory()

    def refuse(name: object) -> object:
        raise TypeError("no main program handle")  # Windows

    monkeypatch.setattr(ctypes, "CDLL", refuse)
    tokenserver._give_back_freed_memory()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the counting process forks on Linux only")
def test_an_error_that_does_not_pickle_reaches_the_worker_named_by_its_own_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import functools
    import threading

    from cachelint import tokens

    class LockedError(tokens.TokenizerUnavailable):
        pass

    @functools.cache  # as the real one (the task reads its cache_info)
    def failing(name: str) -> object:
        error = LockedError("cannot count")
        error.lock = threading.Lock()  # type: ignore[attr-defined]
        raise error

    tokens.clear_caches()
    monkeypatch.setattr(tokens, "_encoding", failing)  # what the forked counting process builds with
    with state.worker_pool(2, count_tokens=("cl100k_base",)) as workers:
        got = list(workers.map(_count_in_worker, [("a", "cl100k_base"), ("b", "cl100k_base")], None,
                               tracked.ModuleCache()))
    assert got == [(("RuntimeError", "LockedError: cannot count"), 0)] * 2


def test_real_paths_are_kept_only_while_a_run_lasts(tmp_path: Path) -> None:
    """A symbolic link pointed elsewhere between two runs (or two analyses of the language
    server, which lives for a whole editing session) resolves to its new target; within one
    run the first answer stands."""
    from cachelint.analysis import realpaths

    first, second = tmp_path / "prompts_a.py", tmp_path / "prompts_b.py"
    first.write_text("A = 1\n")
    second.write_text("A = 2\n")
    link = tmp_path / "prompts.py"
    link.symlink_to(first)
    with realpaths.run():
        assert realpaths.real_path(str(link)) == str(first.resolve())
        link.unlink()
        link.symlink_to(second)
        assert realpaths.real_path(str(link)) == str(first.resolve())  # asked once per run
    with realpaths.run():
        assert realpaths.real_path(str(link)) == str(second.resolve())
    link.unlink()
    link.symlink_to(first)
    assert realpaths.real_path(str(link)) == str(first.resolve())  # outside a run: asked each time
