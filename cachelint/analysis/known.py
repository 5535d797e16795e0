"""Facts about library functions: clocks, randomness, unordered sources, SDK client classes."""

from __future__ import annotations

import re

from cachelint.analysis.values import Clock

# Calls whose result is a clock value; its stability depends on how it is formatted.
CLOCK_CALLS: dict[str, Clock] = {
    "datetime.datetime.now": Clock.DATETIME,
    "datetime.datetime.utcnow": Clock.DATETIME,
    "datetime.datetime.today": Clock.DATETIME,
    "datetime.datetime.fromtimestamp": Clock.DATETIME,
    "datetime.datetime.utcfromtimestamp": Clock.DATETIME,
    "datetime.date.today": Clock.DATE,
    "time.localtime": Clock.DATETIME,
    "time.gmtime": Clock.DATETIME,
    "time.time": Clock.TIMESTAMP,
    "time.time_ns": Clock.TIMESTAMP,
    "time.monotonic": Clock.TIMESTAMP,
    "time.monotonic_ns": Clock.TIMESTAMP,
    "time.perf_counter": Clock.TIMESTAMP,
    "time.perf_counter_ns": Clock.TIMESTAMP,
    "time.ctime": Clock.TIMESTAMP,
    "time.asctime": Clock.TIMESTAMP,
    "pandas.Timestamp.now": Clock.DATETIME,
    "pandas.Timestamp.utcnow": Clock.DATETIME,
    "pandas.Timestamp.today": Clock.DATETIME,
    "arrow.now": Clock.DATETIME,
    "arrow.utcnow": Clock.DATETIME,
    "pendulum.now": Clock.DATETIME,
    "pendulum.today": Clock.DATE,
    "django.utils.timezone.now": Clock.DATETIME,
}

# Calls whose result differs on every call.
VOLATILE_PREFIXES = ("random.", "secrets.", "numpy.random.")
VOLATILE_CALLS = {
    "uuid.uuid1",
    "uuid.uuid4",
    "os.urandom",
    "os.getrandom",
    "itertools.count",
    "ulid.new",
    "ulid.ULID",
    "nanoid.generate",
    "shortuuid.uuid",
}

# Calls that list things in an order that depends on the filesystem or hash seed.
UNORDERED_CALLS = {
    "os.listdir",
    "os.scandir",
    "os.walk",
    "glob.glob",
    "glob.iglob",
}
UNORDERED_METHODS = {"iterdir", "glob", "rglob"}  # pathlib.Path methods

# Calls whose value is fixed for the life of a process.
STABLE_CALLS = {
    "os.getenv",
    "os.environ.get",
    "os.getcwd",
    "os.getpid",
    "platform.system",
    "platform.platform",
    "platform.python_version",
    "socket.gethostname",
    "getpass.getuser",
}

OPENAI_CLIENTS = {"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI"}
ANTHROPIC_CLIENTS = {
    "Anthropic",
    "AsyncAnthropic",
    "AnthropicBedrock",
    "AsyncAnthropicBedrock",
    "AnthropicVertex",
    "AsyncAnthropicVertex",
}


def client_class(qualname: str) -> tuple[str, str] | None:
    """(provider, class name) when `qualname` is an SDK client constructor."""
    parts = qualname.split(".")
    last = parts[-1]
    if parts[0] == "openai" and last in OPENAI_CLIENTS:
        return ("openai", last)
    if parts[0] == "anthropic" and last in ANTHROPIC_CLIENTS:
        return ("anthropic", last)
    if qualname in ("google.genai.Client", "google.genai.client.Client"):
        return ("gemini", "Client")
    if qualname in ("google.generativeai.GenerativeModel", "google.generativeai.generative_models.GenerativeModel"):
        return ("gemini", "GenerativeModel")  # the legacy SDK: see gemini_legacy.py
    return None


# strftime directives finer than a day.
_SUBDAY = re.compile(r"%[-#_0^]?[HIMSfpXcTRsrlkPLNEO3]")
_ANY_DIRECTIVE = re.compile(r"%[-#_0^]?[a-zA-Z]")


def clock_format_is_subday(fmt: str) -> bool | None:
    """True for sub-day precision, False for date precision, None if `fmt` has no directive."""
    if _SUBDAY.search(fmt):
        return True
    if _ANY_DIRECTIVE.search(fmt):
        return False
    return None


SUBDAY_ATTRS = {"hour", "minute", "second", "microsecond", "nanosecond", "timestamp", "tm_hour",
                "tm_min", "tm_sec"}
DAY_ATTRS = {"year", "month", "day", "weekday", "isoweekday", "tm_year", "tm_mon", "tm_mday",
             "tm_wday", "tm_yday", "date"}
