"""The clocks model: datetime/date/time values change per call unless only the day is shown."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, system

from cachelint.prompt import Stability

DAILY, VOLATILE, STABLE, STATIC = Stability.DAILY, Stability.VOLATILE, Stability.STABLE, Stability.STATIC


def test_now_changes_on_every_call(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = f"Time: {datetime.datetime.now()}"', setup="import datetime")
    assert stabilities(segs) == [STATIC, VOLATILE]
    assert segs[1].cause == "datetime.datetime.now()"


def test_a_date_format_changes_daily_and_a_time_format_per_call(tmp_path: Path) -> None:
    day = system(tmp_path, 'system = datetime.now().strftime("%Y-%m-%d")', setup="from datetime import datetime")
    assert stabilities(day) == [DAILY]
    minute = system(tmp_path, 'system = datetime.now().strftime("%H:%M")', setup="from datetime import datetime")
    assert stabilities(minute) == [VOLATILE]


def test_a_format_spec_in_an_f_string_decides_like_strftime(tmp_path: Path) -> None:
    day = system(tmp_path, 'system = f"{datetime.now():%Y-%m-%d}"', setup="from datetime import datetime")
    assert stabilities(day) == [DAILY]
    stamp = system(tmp_path, 'system = f"{time.time():.0f}"', setup="import time")
    assert stabilities(stamp) == [VOLATILE]


def test_date_today_and_day_attributes_are_daily_time_attributes_are_not(tmp_path: Path) -> None:
    assert stabilities(system(tmp_path, "system = str(date.today())", setup="from datetime import date")) == [DAILY]
    year = system(tmp_path, 'system = f"{datetime.now().year}"', setup="from datetime import datetime")
    assert stabilities(year) == [DAILY]
    hour = system(tmp_path, 'system = f"{datetime.now().hour}"', setup="from datetime import datetime")
    assert stabilities(hour) == [VOLATILE]
    date_of = system(tmp_path, 'system = f"{datetime.now().date()}"', setup="from datetime import datetime")
    assert stabilities(date_of) == [DAILY]


def test_a_clock_read_at_import_is_read_once(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = f"Started {STARTED}"',
                  setup="from datetime import datetime\nSTARTED = datetime.now()")
    assert VOLATILE not in stabilities(segs) and DAILY not in stabilities(segs)


def test_time_strftime(tmp_path: Path) -> None:
    assert stabilities(system(tmp_path, 'system = time.strftime("%Y")', setup="import time")) == [DAILY]
    assert stabilities(system(tmp_path, 'system = time.strftime("%H")', setup="import time")) == [VOLATILE]
