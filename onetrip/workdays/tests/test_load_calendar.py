"""`manage.py load_calendar`: YAML and CSV, all or nothing, audited, deadlines recomputed."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from onetrip.audit.models import Event
from onetrip.workdays import services
from onetrip.workdays.models import CalendarOverride, CalendarYear

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


def load(path, *args):
    out = StringIO()
    call_command("load_calendar", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def recomputer():
    calls = []

    def fake(calendar, years):
        calls.append(
            {
                "years": years,
                "in_transaction": transaction.get_connection().in_atomic_block,
                "feb_4_plus_2": calendar.add_workdays(date(2027, 2, 4), 2),
                "provisional": calendar.is_provisional(date(2027, 2, 4)),
            }
        )
        return 7

    services.register_deadline_recomputer(fake)
    yield calls
    services.unregister_deadline_recomputer(fake)


def assert_2027_loaded():
    assert CalendarOverride.objects.count() == 7
    assert CalendarOverride.objects.get(date=date(2027, 2, 20)).is_workday
    assert CalendarOverride.objects.get(date=date(2027, 2, 5)).note == "春节"
    assert list(CalendarYear.objects.values_list("year", "complete")) == [(2027, True)]
    cal = services.current_calendar()
    # 5 Feb and 8–11 Feb are holidays: from Thursday the 4th, 2 working days is the 15th.
    assert cal.add_workdays(date(2027, 2, 4), 2) == date(2027, 2, 15)
    assert cal.is_workday(date(2027, 2, 20))
    assert not cal.is_provisional(date(2027, 2, 4))


@pytest.mark.parametrize("name", ["calendar-2027.yaml", "calendar-2027.csv"])
def test_it_loads_a_year_and_the_answers_change(name, recomputer):
    before = services.current_calendar()
    assert before.add_workdays(date(2027, 2, 4), 2) == date(2027, 2, 8)
    assert before.is_provisional(date(2027, 2, 4))

    out = load(FIXTURES / name)

    assert "7 created, 0 updated, 0 unchanged, 0 deleted" in out
    assert "years declared complete: 2027" in out
    assert "deadlines recomputed: 7" in out
    assert_2027_loaded()
    assert recomputer == [
        {"years": {2027}, "in_transaction": True, "feb_4_plus_2": date(2027, 2, 15),
         "provisional": False}
    ]


def test_loading_is_audited_per_year(county):
    load(FIXTURES / "calendar-2027.yaml", "--by", county.admin.username)
    event = Event.objects.get(action="calendar.override_loaded")
    assert (event.object_type, event.object_id, event.actor) == ("calendar", "2027", county.admin)
    assert event.payload["complete"] is True
    assert event.payload["created"][0] == "2027-01-01"
    assert event.payload["days"]["2027-02-20"] == {"is_workday": True, "note": "春节调休"}


def test_loading_twice_changes_nothing_the_second_time():
    load(FIXTURES / "calendar-2027.yaml")
    out = load(FIXTURES / "calendar-2027.csv")
    assert "0 created, 0 updated, 7 unchanged" in out
    assert_2027_loaded()


def test_a_corrected_file_updates_and_replace_removes_what_it_no_longer_lists(tmp_path):
    load(FIXTURES / "calendar-2027.yaml")
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("date,is_workday,note\n2027-01-01,false,元旦\n2027-02-20,false,改\n")
    out = load(fixed, "--replace")
    assert "0 created, 1 updated, 1 unchanged, 5 deleted" in out
    assert dict(CalendarOverride.objects.values_list("date", "is_workday")) == {
        date(2027, 1, 1): False, date(2027, 2, 20): False
    }
    event = Event.objects.filter(action="calendar.override_loaded").last()
    assert event.payload["before"]["2027-02-20"] == {"is_workday": True, "note": "春节调休"}


def test_the_years_completed_can_be_given(tmp_path):
    path = tmp_path / "partial.yaml"
    path.write_text("- {date: 2028-01-01, is_workday: false, note: 元旦}\n")
    load(path, "--complete-years", "2027")
    assert set(CalendarYear.objects.values_list("year", flat=True)) == {2027}
    cal = services.current_calendar()
    assert cal.is_provisional(date(2028, 1, 1)) and not cal.is_workday(date(2028, 1, 1))


# Each bad file starts with a new day and a change to a loaded day, to show
# that neither is applied when a later row is bad.
GOOD_PREFIX = ("- {date: 2027-06-01, is_workday: false, note: new}\n"
               "- {date: 2027-02-20, is_workday: false}\n")
BAD_YAML = {
    "bad date": ("- {date: 2027-02-30, is_workday: false}\n", 3, "date"),
    "bad bool": ("- {date: 2027-01-02, is_workday: false}\n"
                 "- {date: 2027-01-03, is_workday: maybe}\n", 4, "is_workday"),
    "missing": ("- {date: 2027-01-02}\n", 3, "is_workday"),
    "unknown": ("- {date: 2027-01-02, is_workday: false, holiday: yes}\n", 3, "holiday"),
    "duplicate": ("- {date: 2027-06-01, is_workday: true}\n", 3, "date"),
    "datetime": ("- {date: 2027-01-02 10:00:00, is_workday: false}\n", 3, "date"),
    "number": ("- {date: 20270102, is_workday: false}\n", 3, "date"),
}


@pytest.mark.parametrize("case", BAD_YAML)
def test_a_bad_yaml_row_is_named_and_nothing_changes(case, tmp_path, recomputer):
    load(FIXTURES / "calendar-2027.csv")
    recomputer.clear()
    before = list(CalendarOverride.objects.values_list("date", "is_workday", "note", "updated"))
    events = Event.objects.count()
    text, row, column = BAD_YAML[case]
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD_PREFIX + text)
    with pytest.raises(CommandError) as info:
        load(path)
    assert f"row {row}, column '{column}'" in str(info.value)
    assert "nothing was loaded" in str(info.value)
    after = list(CalendarOverride.objects.values_list("date", "is_workday", "note", "updated"))
    assert after == before
    assert Event.objects.count() == events
    assert recomputer == []


def test_a_bad_csv_row_names_the_row_column_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,is_workday,note\n2027-01-01,false,元旦\n\n2027-01-02,sometimes,x\n", encoding="utf-8"
    )
    with pytest.raises(CommandError) as info:
        load(path)
    message = str(info.value)
    assert "row 2, column 'is_workday'" in message and "(line 4)" in message
    assert not CalendarOverride.objects.exists()
    assert not CalendarYear.objects.exists()


def test_a_failing_recomputer_rolls_everything_back():
    def broken(calendar, years):
        raise RuntimeError("recompute failed")

    services.register_deadline_recomputer(broken)
    try:
        with pytest.raises(RuntimeError):
            load(FIXTURES / "calendar-2027.yaml")
    finally:
        services.unregister_deadline_recomputer(broken)
    assert not CalendarOverride.objects.exists()
    assert not CalendarYear.objects.exists()
    assert not Event.objects.filter(object_type="calendar").exists()
    assert services.current_calendar().is_provisional(date(2027, 2, 4))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.txt", "", "cannot tell the format"),
        ("x.yaml", "days: [", "not valid YAML"),
        ("x.yaml", "years: [2027]\n", "unknown top-level keys"),
        ("x.csv", "", "empty file"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        load(path)


def test_an_unknown_user_is_refused():
    with pytest.raises(CommandError, match="no active user"):
        load(FIXTURES / "calendar-2027.yaml", "--by", "nobody")
