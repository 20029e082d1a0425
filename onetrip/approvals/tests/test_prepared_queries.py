"""The hot reads compiled once (onetrip.prepared) give what the querysets they
were made from give: the same rows, fields, converted values and related objects."""

import threading

import pytest
from django.db import connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from onetrip.approvals.models import Case, Task
from onetrip.prepared import PreparedQuery

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
