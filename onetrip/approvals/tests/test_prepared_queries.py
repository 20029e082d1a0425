"""The hot reads compiled once (onetrip.prepared) give what the querysets they
were made from give: the same rows, fields, converted values and related objects;
its single-row writes store what Django's would."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from onetrip.approvals.models import Case, Task
from onetrip.monitoring.models import Clock
from onetrip.prepared import PreparedQuery, save_fields, update_where

from .test_selectors import package_case

pytestmark = pytest.mark.django_db


def _tasks_of(case):
    return (Task.objects.filter(case=case)
            .select_related("clock", "case_item__item_version", "department").order_by("id"))


TASKS = PreparedQuery(_tasks_of, "case")


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_prepared_query_builds_what_its_queryset_builds(world, django_assert_num_queries):
    case = package_case(world)
    package_case(world)  # another case whose tasks must not show
    expected = list(_tasks_of(case.pk))
    assert len(expected) >= 2
    for _ in range(2):  # compiled on the first call, reused on the second
        with django_assert_num_queries(1):
            found = TASKS(case=case.pk)
            # every related object is already there: no query on the way
            snapshots = [t.case_item.item_version.snapshot for t in found]
            deadlines = [t.clock.deadline_at for t in found]
            codes = [t.department.code for t in found]
        assert [_fields(t) for t in found] == [_fields(t) for t in expected]
        assert snapshots == [t.case_item.item_version.snapshot for t in expected]
        assert isinstance(snapshots[0], dict)  # a JSON column comes back converted
        assert deadlines == [t.clock.deadline_at for t in expected]
        assert deadlines[0].tzinfo is not None
        assert codes == [t.department.code for t in expected]
        assert all(not t._state.adding and t._state.db == "default" for t in found)
    assert TASKS(case=case.pk + 1000) == []


def test_an_empty_relation_is_none_not_a_query(world, django_assert_num_queries):
    case = package_case(world)
    query = PreparedQuery(lambda case: Case.objects.select_related("rating").filter(pk=case),
                          "case")
    with django_assert_num_queries(1):
        found = query.first(case=case.pk)
        assert not hasattr(found, "rating") or found.rating is None


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_needs_a_transaction_every_time(county, settings, tmp_path):
    from .builders import make_world

    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = package_case(make_world(county))
    locked = PreparedQuery(
        lambda case: Case.objects.select_for_update(of=("self",)).filter(pk=case), "case")
    with transaction.atomic():
        assert locked.first(case=case.pk).pk == case.pk
    connection = transaction.get_connection()
    if not connection.features.has_select_for_update:
        return  # SQLite: no FOR UPDATE, so Django lets it run outside a transaction too
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(TransactionManagementError):
            locked(case=case.pk)
    assert not queries.captured_queries


def test_what_a_prepared_query_cannot_keep_is_refused(world):
    case = package_case(world)
    with pytest.raises(ValueError, match="plain model querysets"):
        PreparedQuery(lambda case: Case.objects.prefetch_related("tasks").filter(pk=case),
                      "case")(case=case.pk)
    with pytest.raises(ValueError, match="does not use other"):
        PreparedQuery(lambda case, other: Case.objects.filter(pk=case), "case", "other")(
            case=case.pk, other=1)
    with pytest.raises(TypeError):
        TASKS(task=1)


@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_its_own_compiled_query(county, settings, tmp_path):
    from .builders import make_world

    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = package_case(make_world(county))
    query = PreparedQuery(_tasks_of, "case")
    mine = query(case=case.pk)
    theirs: list = []
    compiled: list = []

    def run() -> None:
        try:
            theirs.extend(query(case=case.pk))
            compiled.append(query._compiled[connections["default"]])
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert [_fields(t) for t in theirs] == [_fields(t) for t in mine] != []
    # compiled again for the thread's connection, whose converters it keeps
    assert compiled[0] is not query._compiled[connections["default"]]


def test_save_fields_writes_the_named_fields_only_as_django_would(world):
    case = package_case(world)
    task = Task.objects.filter(case=case).select_related("clock").first()
    signed = datetime(2026, 3, 3, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    task.assignee, task.signed_at, task.state = world.handler_a, signed, "in_review"
    task.decision_note = "not saved"
    save_fields(task, "state", "assignee", "signed_at")
    stored = Task.objects.get(pk=task.pk)
    assert (stored.state, stored.assignee_id, stored.signed_at) == (
        "in_review", world.handler_a.pk, signed)
    assert stored.decision_note == ""
    # compared in SQL with the same instant, as an ORM write would be
    assert Task.objects.filter(pk=task.pk, signed_at=signed).exists()


def test_update_where_changes_a_row_only_while_its_conditions_hold(world):
    case = package_case(world)
    clock = Task.objects.filter(case=case).select_related("clock").first().clock
    pauses = [{"reason": "补正", "start": "2026-03-03T09:00:00+08:00", "end": None}]
    assert update_where(Clock, {"pauses": pauses, "revision": clock.revision + 1},
                        pk=clock.pk, revision=clock.revision) == 1
    # a second writer that read the same revision changes nothing
    assert update_where(Clock, {"pauses": [], "revision": clock.revision + 1},
                        pk=clock.pk, revision=clock.revision) == 0
    stored = Clock.objects.get(pk=clock.pk)
    assert (stored.pauses, stored.revision) == (pauses, clock.revision + 1)
