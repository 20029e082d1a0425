"""Querysets compiled once and run again with new values, for the few hot reads
that every action on a case makes (the case lock, a task, the case's task graph),
and single-row UPDATEs whose text is kept per shape, for its writes.

Django compiles a queryset to SQL each time it is evaluated. For a locking
read with a few joins that took longer than the database took to answer it
(measured in docs/decisions.md). A `PreparedQuery` keeps the SQL, where each
value goes in its parameters, the column layout and the converters; a call
binds the new values, runs the statement and builds the instances the way
Django's own `ModelIterable` does (select_related included). All that is
kept per connection object (Django's are one per thread and alias),
because the converters it keeps are bound to the connection they came from.

Only what a hot read needs is supported: model instances, filters on values
given by name, select_related and select_for_update. Annotations,
prefetch_related and related managers' querysets are refused when compiled.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=models.Model)

# Placeholders the queryset is compiled with, then looked for in its parameters:
# in the range of every integer column, and unlike any value a query states itself.
_MARK_BASE = 1_987_654_301


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[int, str]  # parameter position -> value name
    compiler: SQLCompiler
    converters: dict
    init_list: list[str]
    start: int
    end: int
    populators: list
    model: type[models.Model]
    for_update: bool


class PreparedQuery(Generic[M]):
    """`build(**values)` returns the queryset; `query(**values)` runs it.

    Every value must be an integer (a primary key or foreign key), so that it
    can be found in the compiled parameters. Example:

        task_in_case = PreparedQuery(
            lambda task, case: Task.objects.select_related("clock").filter(pk=task, case=case),
            "task", "case")
        found = task_in_case(task=7, case=3)
    """

    def __init__(self, build: Callable[..., models.QuerySet[M]], *names: str) -> None:
        self._build = build
        self._names = names
        self._compiled: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()
        self._shape: tuple[type[models.Model], bool] | None = None

    def __call__(self, **values: int) -> list[M]:
        if set(values) != set(self._names):
            raise TypeError(f"expected values for {', '.join(self._names)}")
        alias = self._alias()
        connection = connections[alias]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(alias)
        if compiled.for_update and connection.get_autocommit():
            # What Django checks when a queryset with select_for_update runs.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction.")
        params = list(compiled.params)
        for position, name in compiled.slots.items():
            params[position] = int(values[name])
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        found = []
        for row in rows:
            obj = compiled.model.from_db(alias, compiled.init_list,
                                         row[compiled.start:compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def first(self, **values: int) -> M | None:
        found = self(**values)
        return found[0] if found else None

    def _alias(self) -> str:
        if self._shape is None:
            queryset = self._build(**{name: _MARK_BASE for name in self._names})
            self._shape = (queryset.model, queryset.query.select_for_update)
        model, for_update = self._shape
        return router.db_for_write(model) if for_update else router.db_for_read(model)

    def _compile(self, alias: str) -> _Compiled:
        marks = {name: _MARK_BASE + i for i, name in enumerate(self._names)}
        queryset = self._build(**marks)
        query = queryset.query
        if query.annotations or queryset._prefetch_related_lookups or \
                queryset._known_related_objects:
            raise ValueError("a prepared query takes plain model querysets only")
        compiler = query.get_compiler(using=alias)
        locks = query.select_for_update and connections[alias].features.has_select_for_update
        sql, params = compiler.as_sql()
        by_mark = {mark: name for name, mark in marks.items()}
        slots = {i: by_mark[p] for i, p in enumerate(params) if p in by_mark}
        if set(slots.values()) != set(self._names):
            missing = set(self._names) - set(slots.values())
            raise ValueError(f"the compiled query does not use {', '.join(sorted(missing))}")
        select, klass_info = compiler.select, compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        return _Compiled(
            sql=sql, params=tuple(params), slots=slots, compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[:compiler.col_count]]),
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start, end=end,
            populators=get_related_populators(klass_info, select, alias),
            model=klass_info["model"],
            for_update=locks,
        )


# --- writes -------------------------------------------------------------------------------


@functools.cache
def _update_sql(model: type[models.Model], columns: tuple[str, ...],
                conditions: tuple[str, ...], quote: Callable[[str], str]) -> str:
    sets = ", ".join(f"{quote(c)} = %s" for c in columns)
    where = " AND ".join(f"{quote(c)} = %s" for c in conditions)
    return f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {where}"


def update_where(model: type[models.Model], values: Mapping[str, Any], **where: Any) -> int:
    """`model.objects.filter(**where).update(**values)` for plain values and equality
    conditions, with the statement's text kept per shape; the number of rows changed.

    Names are fields or their attnames (`assignee_id`, `pk`); values are what the
    field stores (a primary key for a foreign key, never an expression). Values
    are prepared for the database as Django prepares them when it saves.
    """
    connection = connections[router.db_for_write(model)]
    meta = model._meta

    def field(name: str) -> models.Field:
        return meta.pk if name == "pk" else meta.get_field(name)

    set_fields = [field(n) for n in values]
    where_fields = [field(n) for n in where]
    sql = _update_sql(model, tuple(f.column for f in set_fields),
                      tuple(f.column for f in where_fields), connection.ops.quote_name)
    params = [f.get_db_prep_save(v, connection) for f, v in zip(set_fields, values.values(),
                                                                  strict=True)]
    params += [f.get_db_prep_save(v, connection) for f, v in zip(where_fields, where.values(),
                                                                   strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def save_fields(obj: models.Model, *names: str) -> None:
    """`obj.save(update_fields=names)` for a row that exists, without compiling an UPDATE.

    For the hot paths' models, which have no save() override, signal receivers
    or auto_now fields that save() would honour.
    """
    attnames = [obj._meta.get_field(n).attname for n in names]
    update_where(type(obj), {a: getattr(obj, a) for a in attnames}, pk=obj.pk)
