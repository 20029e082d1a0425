from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from onetrip.audit.hashing import GENESIS
from onetrip.audit.models import Checkpoint, Event
from onetrip.audit.services import chain_tails, record_event, seal
from onetrip.audit.verify import verify

pytestmark = pytest.mark.django_db


def write(n: int, object_id: str = "1", object_type: str = "test.thing") -> list[Event]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                record_event(
                    action="thing.changed",
                    object_type=object_type,
                    object_id=object_id,
                    payload={"step": i, "note": f"第{i}步"},
                )
            )
    return events


def tamper(sql: str, params: list) -> None:
    """Change rows behind the application's back (as a person with database access could)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch triggers off for the session: the trigger is
            # a guard against the application and its role, not against the DBA,
            # which is why verify_audit exists.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_events_of_one_object_form_a_chain():
    first, second, third = write(3)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert len({first.hash, second.hash, third.hash}) == 3


def test_each_object_has_its_own_chain():
    a = write(2, object_id="a")
    b = write(1, object_id="b")
    assert b[0].prev_hash == GENESIS and b[0].seq == 1
    assert a[1].prev_hash == a[0].hash
    assert [(t, i, seq) for t, i, seq, _ in chain_tails()] == [
        ("test.thing", "a", 2), ("test.thing", "b", 1)
    ]


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record_event(action="x", object_type="t", object_id="1")


def test_event_rolls_back_with_the_callers_transaction():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_event(action="x", object_type="t", object_id="1")
        raise ZeroDivisionError
    assert Event.objects.count() == 0


def test_payload_is_stored_exactly_as_hashed():
    import datetime
    import decimal

    with transaction.atomic():
        event = record_event(
            action="x",
            object_type="t",
            object_id="1",
            payload={
                "day": datetime.date(2026, 2, 14),
                "fee": decimal.Decimal("12.50"),
                "tuple": (1, 2),
            },
        )
    event.refresh_from_db()
    assert event.payload == {"day": "2026-02-14", "fee": "12.50", "tuple": [1, 2]}
    assert verify().ok


def test_verify_passes_on_an_untouched_log():
    write(3, "a")
    write(2, "b")
    seal()
    report = verify()
    assert report.ok, report.problems
    assert (report.events, report.chains, report.checkpoints) == (5, 2, 1)


def test_an_altered_event_is_named():
    events = write(3)
    tamper("UPDATE audit_event SET payload = %s WHERE id = %s", ['{"step": 99}', events[1].pk])
    report = verify()
    assert not report.ok
    first = report.problems[0]
    assert (first.kind, first.event_id, first.seq) == ("altered", events[1].pk, 2)


def test_a_removed_event_is_named():
    events = write(4)
    tamper("DELETE FROM audit_event WHERE id = %s", [events[1].pk])
    first = verify().problems[0]
    assert first.kind == "removed"
    assert first.event_id == events[2].pk and first.seq == 3
    assert "2..2" in first.detail


def test_an_inserted_event_is_named():
    events = write(2)
    # Re-number the second event out of the way and slip a forged one in its place.
    tamper("UPDATE audit_event SET seq = 3 WHERE id = %s", [events[1].pk])
    forged = Event(
        at=events[1].at,
        actor_name="mallory",
        action="thing.changed",
        object_type="test.thing",
        object_id="1",
        seq=2,
        payload={"forged": True},
        prev_hash=events[0].hash,
    )
    from onetrip.audit.hashing import event_hash

    forged.hash = event_hash(
        at=forged.at,
        actor_name=forged.actor_name,
        action=forged.action,
        object_type=forged.object_type,
        object_id=forged.object_id,
        seq=2,
        payload=forged.payload,
        prev_hash=forged.prev_hash,
    )
    forged.save()
    problems = verify().problems
    assert problems, "an inserted event must be caught"
    kinds = {(p.kind, p.seq) for p in problems}
    # the original second event, now at seq 3, no longer chains to the forged one
    assert ("altered", 3) in kinds or ("inserted", 3) in kinds


def test_removing_a_whole_objects_history_is_caught_by_the_seal():
    write(2, "keep")
    write(3, "gone")
    seal()
    tamper("DELETE FROM audit_event WHERE object_id = %s", ["gone"])
    problems = verify().problems
    assert [(p.kind, p.chain) for p in problems] == [("removed", "test.thing:gone")]


def test_removing_the_tail_of_a_sealed_chain_is_caught():
    events = write(3)
    seal()
    tamper("DELETE FROM audit_event WHERE id = %s", [events[2].pk])
    problems = verify().problems
    assert problems[0].kind == "removed" and problems[0].seq == 3


def test_seals_chain_to_each_other():
    write(1)
    one = seal()
    write(1, "2")
    two = seal()
    assert one.prev_hash == GENESIS and two.prev_hash == one.hash
    assert two.heads["test.thing:2"][0] == 1 and two.event_count == 2
    Checkpoint.objects.filter(pk=one.pk).update(event_count=7)
    assert verify().problems[0].kind == "checkpoint"


def test_verify_audit_command_names_the_first_tampered_event():
    events = write(2)
    call_command("verify_audit", stdout=StringIO())
    tamper("UPDATE audit_event SET action = %s WHERE id = %s", ["forged", events[0].pk])
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    assert f"event id {events[0].pk}" in str(caught.value)
    assert "altered" in err.getvalue()


def test_seal_audit_command_prints_the_checkpoint():
    write(2)
    out = StringIO()
    call_command("seal_audit", stdout=out)
    assert "1 chains, 2 events" in out.getvalue()


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_of_events():
    from django.db import DatabaseError

    (event,) = write(1)
    for sql in (
        "UPDATE audit_event SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_event WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.action == "thing.changed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_on_one_chain_both_append_one_after_the_other():
    import threading
    import time

    write(1)
    first_appended = threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():
                record_event(action="race", object_type="test.thing", object_id="1")
                first_appended.set()
                time.sleep(0.5)  # the second writer reads the same tail meanwhile
            outcomes["first"] = "ok"
        finally:
            connection.close()

    def second():
        first_appended.wait(timeout=5)
        try:
            with transaction.atomic():
                record_event(action="race", object_type="test.thing", object_id="1")
            outcomes["second"] = "ok"
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == {"first": "ok", "second": "ok"}
    seqs = Event.objects.filter(object_id="1").order_by("seq").values_list("seq", flat=True)
    assert list(seqs) == [1, 2, 3]
    assert verify().ok


def test_an_event_rolled_back_in_a_savepoint_leaves_no_gap_in_the_chain():
    (first,) = write(1)
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            record_event(action="undone", object_type="test.thing", object_id="1")
            raise ZeroDivisionError
        after = record_event(action="kept", object_type="test.thing", object_id="1")
    assert (after.seq, after.prev_hash) == (2, first.hash)
    assert verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_appended_by_another_connection_is_not_overwritten_or_forked():
    import threading

    write(1)  # this connection now remembers event 1 as the tail

    def elsewhere():
        try:
            write(1)
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    (third,) = write(1)
    assert third.seq == 3
    assert third.prev_hash == Event.objects.get(object_id="1", seq=2).hash
    assert verify().ok


@pytest.mark.postgres
def test_a_first_event_written_in_the_statement_that_creates_its_object_hashes_as_python_does():
    from datetime import UTC, datetime

    from onetrip.audit.hashing import event_hash
    from onetrip.audit.services import first_event_sql, remember_first_event

    at = datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=UTC)
    # Payload text that JSON must escape, and a value only the database knows.
    payload = {"note": '引号"与\\反斜杠\n换行', "n": 1.5, "none": None}
    event_sql, params = first_event_sql(
        source="t", action="thing.made", object_type="test.thing", actor="系统", at=at,
        payload=payload, fill={"code": "t.code"},
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH t AS (SELECT 41 + 1 AS id, 'NO-' || (40 + 2)::text AS code),"
            f" e AS ({event_sql}) SELECT e.object_id, e.hash FROM e", params,
        )
        object_id, stored_hash = cursor.fetchone()
        remember_first_event("test.thing", object_id, stored_hash)
        second = record_event(action="thing.changed", object_type="test.thing", object_id="42")
    first = Event.objects.get(object_type="test.thing", object_id="42", seq=1)
    assert first.payload == {**payload, "code": "NO-42"}
    assert first.hash == stored_hash == event_hash(
        at=at, actor_name="系统", action="thing.made", object_type="test.thing", object_id="42",
        seq=1, payload={**payload, "code": "NO-42"}, prev_hash=GENESIS,
    )
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert verify().ok
