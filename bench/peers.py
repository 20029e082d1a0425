"""The peers the approval benches measure OneTrip against, in the same run.

- a plain psycopg loop of single-row INSERTs, one transaction each: what
  PostgreSQL itself does for one client on this machine;
- SpiffWorkflow running the same 8-department parallel approval
  (bench/data/approval8.bpmn: start → parallel split → 8 user tasks → join →
  end), once purely in memory and once saving its serialized state to the
  same PostgreSQL after each step, which is what durability costs it.
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
