"""The peers the approval benches measure OneTrip against, in the same run.

- a plain psycopg loop of single-row INSERTs, one transaction each: what
  PostgreSQL itself does for one client on this machine;
- SpiffWorkflow running the same 8-department parallel approval
  (bench/data/approval8.bpmn: start → parallel split → 8 user tasks → join →
  end), once purely in memory and once saving its serialized state to the
  same PostgreSQL after each step, which is what durability costs it;
- the floor: the rows a case leaves in OneTrip written by hand, one round
  trip per action and no rule checked, which no implementation that persists
  as much can beat on the same machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg

BPMN = Path(__file__).resolve().parent / "data" / "approval8.bpmn"


def insert_loop_tps(url: str, *, seconds: float = 3.0) -> float:
    """Transactions per second of single-row INSERTs, autocommit, one client."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_insert")
        conn.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, body text NOT NULL)")
        n = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            for _ in range(100):
                conn.execute("INSERT INTO bench_insert (body) VALUES (%s)", ("x" * 64,))
            n += 100
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_insert")
    return n / elapsed


def _spiff():
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec("approval"), BpmnWorkflow, BpmnWorkflowSerializer(), TaskState


def _run_instance(spec, workflow_cls, task_state, save=None) -> int:
    """Drive one instance to completion; return the number of steps saved."""
    wf = workflow_cls(spec)
    wf.do_engine_steps()
    steps = 0
    if save:
        save(wf)
        steps += 1
    for task in wf.get_tasks(state=task_state.READY, manual=True):
        task.run()
        wf.do_engine_steps()
        if save:
            save(wf)
            steps += 1
    if not wf.is_completed():
        raise AssertionError("the SpiffWorkflow instance did not complete")
    return steps


def spiff_in_memory(*, instances: int = 200) -> float:
    """Instances per second, nothing persisted."""
    spec, wf_cls, _, state = _spiff()
    start = time.perf_counter()
    for _ in range(instances):
        _run_instance(spec, wf_cls, state)
    return instances / (time.perf_counter() - start)


def spiff_persisted(url: str, *, instances: int = 100) -> tuple[float, float]:
    """(instances/s, write transactions/s) saving the serialized state after each step."""
    spec, wf_cls, serializer, state = _spiff()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_spiff")
        conn.execute("CREATE TABLE bench_spiff (id bigint PRIMARY KEY, state jsonb NOT NULL)")
        transactions = 0
        start = time.perf_counter()
        for instance in range(instances):

            def save(wf, instance=instance):
                conn.execute(
                    "INSERT INTO bench_spiff (id, state) VALUES (%s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state",
                    (instance, serializer.serialize_json(wf)),
                )

            transactions += _run_instance(spec, wf_cls, state, save)
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_spiff")
    return instances / elapsed, transactions / elapsed


# --- the floor: the same rows in hand-written SQL, one round trip per action ---------------

_FLOOR_SCHEMA = """
DROP TABLE IF EXISTS floor_audit, floor_certificate, floor_task, floor_clock, floor_material,
    floor_file, floor_item, floor_notice, floor_delivery, floor_case, floor_counter;
CREATE TABLE floor_counter (key text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO floor_counter VALUES ('case', 0), ('certificate', 0);
CREATE TABLE floor_case (id bigserial PRIMARY KEY, number text NOT NULL, state text NOT NULL,
    title text NOT NULL, fields jsonb NOT NULL, decided_at timestamptz, completed_at timestamptz);
CREATE TABLE floor_item (id bigserial PRIMARY KEY, case_id bigint NOT NULL REFERENCES floor_case,
    position int NOT NULL, name text NOT NULL, route text NOT NULL);
CREATE TABLE floor_file (id bigserial PRIMARY KEY, sha256 text NOT NULL, size int NOT NULL);
CREATE TABLE floor_material (id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES floor_case, key text NOT NULL, sha256 text NOT NULL);
CREATE TABLE floor_clock (id bigserial PRIMARY KEY, case_id bigint NOT NULL, purpose text NOT NULL,
    started_at timestamptz NOT NULL, deadline_at timestamptz NOT NULL, done_at timestamptz,
    assignee int);
CREATE INDEX ON floor_clock (deadline_at) WHERE done_at IS NULL;
CREATE TABLE floor_task (id bigserial PRIMARY KEY, case_id bigint NOT NULL REFERENCES floor_case,
    item_id bigint NOT NULL REFERENCES floor_item, department int NOT NULL, state text NOT NULL,
    assignee int, clock_id bigint REFERENCES floor_clock, deadline_at timestamptz,
    decided_at timestamptz);
CREATE INDEX ON floor_task (case_id);
CREATE INDEX ON floor_task (department, deadline_at, id) WHERE state IN ('pending', 'in_review');
CREATE TABLE floor_certificate (id bigserial PRIMARY KEY, number text NOT NULL,
    case_id bigint NOT NULL, task_id bigint NOT NULL);
CREATE TABLE floor_notice (id bigserial PRIMARY KEY, case_id bigint NOT NULL, kind text NOT NULL,
    body text NOT NULL);
CREATE TABLE floor_delivery (id bigserial PRIMARY KEY, case_id bigint NOT NULL,
    method text NOT NULL);
CREATE TABLE floor_audit (id bigserial PRIMARY KEY, case_id bigint NOT NULL, seq int NOT NULL,
    at timestamptz NOT NULL, action text NOT NULL, payload jsonb NOT NULL, prev text NOT NULL,
    hash text NOT NULL, UNIQUE (case_id, seq));
"""
_FLOOR_AUDIT = (
    "INSERT INTO floor_audit (seq, at, action, case_id, payload, prev, hash) "
    "SELECT s, now(), a, c, p::jsonb, pr, h FROM unnest(%s::bigint[], %s::text[], %s::bigint[], "
    "%s::text[], %s::text[], %s::text[]) AS u(s, a, c, p, pr, h)"
)


class _FloorChain:
    """Each case's audit chain, hashed in Python as OneTrip hashes its events."""

    def __init__(self) -> None:
        self.tails: dict[int, tuple[int, str]] = {}

    def insert(self, cur, case_id, events) -> None:
        import hashlib
        import json

        seq, tail = self.tails.get(case_id, (0, ""))
        rows = []
        for action, payload in events:
            seq += 1
            body = json.dumps(payload, sort_keys=True, ensure_ascii=False)
            digest = hashlib.sha256(
                f"{tail}|{seq}|{action}|{case_id}|{body}".encode()).hexdigest()
            rows.append((seq, action, case_id, body, tail, digest))
            tail = digest
        self.tails[case_id] = (seq, tail)
        cur.execute(_FLOOR_AUDIT, [list(column) for column in zip(*rows, strict=True)])


def floor_apply(conn, chain: _FloorChain, *, fields: str, items: int, files: int,
                materials: list[str]) -> int:
    """An application submitted, by hand: its case, items, new files, materials, intake
    clock, receipt and two audit events, in the caller's transaction; return the case id."""
    cur = conn.cursor()
    cur.execute("WITH n AS (UPDATE floor_counter SET value = value + 1 WHERE key = 'case' "
                "RETURNING value) INSERT INTO floor_case (number, state, title, fields) "
                "SELECT 'B' || value, 'submitted', 'bench', %s::jsonb FROM n RETURNING id",
                (fields,))
    (case_id,) = cur.fetchone()
    with conn.pipeline():
        cur.execute("INSERT INTO floor_item (case_id, position, name, route) "
                    "SELECT %s, g, 'item', 'normal' FROM generate_series(1, %s) g",
                    (case_id, items))
        if files:
            cur.execute("INSERT INTO floor_file (sha256, size) "
                        "SELECT 'digest', 64 FROM generate_series(1, %s)", (files,))
        cur.execute("INSERT INTO floor_material (case_id, key, sha256) "
                    "SELECT %s, unnest(%s::text[]), 'digest'", (case_id, materials))
        cur.execute("INSERT INTO floor_clock (case_id, purpose, started_at, deadline_at) "
                    "VALUES (%s, 'intake', now(), now() + interval '5 days')", (case_id,))
        cur.execute("INSERT INTO floor_notice (case_id, kind, body) "
                    "VALUES (%s, 'receipt', 'text')", (case_id,))
        chain.insert(cur, case_id, [("case.submitted", {}), ("clock.started", {})])
    return case_id


def _floor_case(conn, chain: _FloorChain, departments: int) -> int:
    """One case through the floor; return its transactions (one per action, as OneTrip's)."""
    cur = conn.cursor()
    with conn.transaction():  # apply
        case_id = floor_apply(conn, chain, fields="{}", items=departments, files=15,
                              materials=[f"m{n}" for n in range(15)])
    with conn.transaction(), conn.pipeline():  # accept
        cur.execute("SELECT state FROM floor_case WHERE id = %s FOR UPDATE", (case_id,))
        cur.execute("UPDATE floor_case SET state = 'in_review' "
                    "WHERE id = %s AND state = 'submitted'", (case_id,))
        cur.execute("UPDATE floor_clock SET done_at = now() "
                    "WHERE case_id = %s AND purpose = 'intake'", (case_id,))
        cur.execute(
            "WITH item AS (SELECT id, position FROM floor_item WHERE case_id = %(case)s), "
            "clock AS (INSERT INTO floor_clock (case_id, purpose, started_at, deadline_at) "
            "  SELECT %(case)s, 'task-' || position, now(), now() + interval '20 days' FROM item "
            "  RETURNING id, purpose) "
            "INSERT INTO floor_task (case_id, item_id, department, state, clock_id, deadline_at) "
            "SELECT %(case)s, item.id, item.position, 'pending', clock.id, "
            "now() + interval '20 days' FROM item JOIN clock ON clock.purpose = 'task-' || "
            "item.position", {"case": case_id})
        cur.execute("INSERT INTO floor_clock (case_id, purpose, started_at, deadline_at) "
                    "VALUES (%s, 'case', now(), now() + interval '20 days')", (case_id,))
        cur.execute("INSERT INTO floor_notice (case_id, kind, body) "
                    "VALUES (%s, 'acceptance', 'text')", (case_id,))
        chain.insert(cur, case_id, [("case.accepted", {}), ("clock.stopped", {})]
                     + [("clock.started", {"n": n}) for n in range(departments + 1)])
    tasks = [row[0] for row in conn.execute(
        "SELECT id FROM floor_task WHERE case_id = %s ORDER BY id", (case_id,))]
    conn.commit()
    for task in tasks:  # sign for
        with conn.transaction(), conn.pipeline():
            cur.execute("SELECT state FROM floor_case WHERE id = %s FOR UPDATE", (case_id,))
            cur.execute("UPDATE floor_task SET state = 'in_review', assignee = 1 "
                        "WHERE id = %s AND state = 'pending'", (task,))
            cur.execute("UPDATE floor_clock SET assignee = 1 "
                        "WHERE id = (SELECT clock_id FROM floor_task WHERE id = %s)", (task,))
            chain.insert(cur, case_id, [("task.signed", {"task": task})])
    for position, task in enumerate(tasks, 1):  # approve; the last decides and delivers
        with conn.transaction(), conn.pipeline():
            cur.execute("SELECT state FROM floor_case WHERE id = %s FOR UPDATE", (case_id,))
            cur.execute("UPDATE floor_task SET state = 'approved', decided_at = now() "
                        "WHERE id = %s AND state = 'in_review'", (task,))
            cur.execute("UPDATE floor_clock SET done_at = now() "
                        "WHERE id = (SELECT clock_id FROM floor_task WHERE id = %s)", (task,))
            cur.execute("WITH n AS (UPDATE floor_counter SET value = value + 1 "
                        "WHERE key = 'certificate' RETURNING value) "
                        "INSERT INTO floor_certificate (number, case_id, task_id) "
                        "SELECT 'C' || value, %s, %s FROM n", (case_id, task))
            events = [("task.approved", {"task": task}), ("clock.stopped", {"task": task})]
            if position == len(tasks):
                cur.execute("UPDATE floor_case SET state = 'completed', decided_at = now(), "
                            "completed_at = now() WHERE id = %s AND NOT EXISTS (SELECT 1 FROM "
                            "floor_task WHERE case_id = %s AND state <> 'approved')",
                            (case_id, case_id))
                cur.execute("UPDATE floor_clock SET done_at = now() "
                            "WHERE case_id = %s AND purpose = 'case'", (case_id,))
                cur.execute("INSERT INTO floor_notice (case_id, kind, body) "
                            "VALUES (%s, 'decision', 'text')", (case_id,))
                cur.execute("INSERT INTO floor_delivery (case_id, method) "
                            "VALUES (%s, 'electronic')", (case_id,))
                events += [("clock.stopped", {}), ("case.decided", {}), ("case.delivered", {})]
            chain.insert(cur, case_id, events)
    return 2 + 2 * len(tasks)


def sql_floor(url: str, *, cases: int = 60, departments: int = 8) -> tuple[float, float]:
    """(cases/s, write transactions/s) of the lifecycle's rows written by hand.

    The rows a case of `departments` departments leaves in OneTrip (the case,
    its items, 15 uploaded files and their materials, 10 clocks, the tasks,
    certificates, notices, the delivery and 40 chained audit events), one transaction per action as
    OneTrip's, each sent in one round trip (psycopg's pipeline mode, apply in
    two), with no rule checked in Python and no time limit computed: the
    least that persisting a case takes on this machine, whatever the code.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_FLOOR_SCHEMA)
        conn.autocommit = False
        chain = _FloorChain()
        _floor_case(conn, chain, departments)  # warm up
        transactions = 0
        start = time.perf_counter()
        for _ in range(cases):
            transactions += _floor_case(conn, chain, departments)
        elapsed = time.perf_counter() - start
        conn.autocommit = True
        conn.execute(_FLOOR_SCHEMA.split("CREATE", 1)[0])
    return cases / elapsed, transactions / elapsed
