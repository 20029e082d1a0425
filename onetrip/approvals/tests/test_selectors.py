"""Reads for pages: who sees which case, inboxes by deadline in a fixed number of queries,
e-monitoring notices, tracking without logging in, files only for those allowed."""

import pytest

from onetrip.approvals import selectors, services
from onetrip.approvals.models import CaseMaterial, Task
from onetrip.errors import NotFound
from onetrip.monitoring import services as monitoring

from .builders import abc_uploads, at, single_uploads

pytestmark = pytest.mark.django_db


MONDAY_9 = at(2026, 3, 2, 9)


def package_case(world, when=MONDAY_9):
    case = services.apply_online(by=world.applicant, package=world.package,
                                 uploads=abc_uploads(), now=when)
    return services.accept_case(case=case, by=world.clerk, now=when.replace(hour=10))


def item_case(world, item, by=None, when=MONDAY_9):
    case = services.apply_online(by=by or world.applicant, item=item,
                                 uploads=single_uploads(item), now=when)
    return services.accept_case(case=case, by=world.clerk, now=when.replace(hour=10))


def test_each_person_sees_only_the_cases_they_should(world):
    only_a = item_case(world, world.item_a)
    only_b = item_case(world, world.item_b, by=world.other_applicant)
    both = package_case(world)

    def seen(user):
        return set(selectors.cases_for(user).values_list("pk", flat=True))

    assert seen(world.applicant) == {only_a.pk, both.pk}
    assert seen(world.other_applicant) == {only_b.pk}
    assert seen(world.handler_a) == {only_a.pk, both.pk}
    assert seen(world.handler_b) == {only_b.pk, both.pk}  # nothing of A's own cases
    assert seen(world.clerk) == {only_a.pk, only_b.pk, both.pk}
    assert seen(world.township_clerk) == set()
    assert seen(world.officer) == {only_a.pk, only_b.pk, both.pk}
    with pytest.raises(NotFound):
        selectors.case_for(world.handler_b, pk=only_a.pk)
    with pytest.raises(NotFound):
        selectors.case_detail(world.handler_b, number=only_a.number)
    assert selectors.case_for(world.handler_b, number=both.number.lower()) == both


def test_the_case_list_filters(world):
    first = item_case(world, world.item_a)
    package_case(world)
    package = selectors.cases_for(world.clerk, selectors.CaseFilters(department="deptb"))
    assert [c.title for c in package] == ["开办测试店一件事"]
    assert selectors.cases_for(world.clerk, selectors.CaseFilters(item="T-A")).count() == 2
    params = {"q": first.number, "state": "open", "signal": "nonsense"}
    assert list(selectors.cases_for(world.clerk, selectors.CaseFilters.from_params(params))) \
        == [first]
    late = selectors.cases_for(world.clerk, selectors.CaseFilters(signal="yellow"),
                               now=at(2026, 3, 12))
    assert late.count() == 2 and {c.colour for c in late} == {"yellow"}


def test_the_inbox_is_sorted_by_deadline_with_its_colour(world):
    package_case(world, when=at(2026, 3, 2, 9))
    item_case(world, world.item_a, when=at(2026, 3, 3, 9))
    rows = list(selectors.inbox_for(world.handler_a, now=at(2026, 3, 9, 12)))
    assert [r.clock.deadline_at for r in rows] == sorted(r.clock.deadline_at for r in rows)
    # A's 5-day clock from Mon 2 March: pre-warning on its last day (Mon 9 March); the
    # one from Tue 3 March ends on the 10th
    assert [r.colour for r in rows] == ["prewarning", "normal"]
    assert all(r.department == world.dept_a for r in rows)
    assert selectors.inbox_for(world.handler_b).count() == 1
    assert selectors.inbox_for(world.handler_a, mine=True).count() == 0


def test_the_inbox_counts_and_pages_the_ids_of_the_rows_it_shows(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onetrip.approvals import selectors_pages as pages

    package_case(world, when=at(2026, 3, 2, 9))
    for day in (3, 4, 5):
        item_case(world, world.item_a, when=at(2026, 3, day, 9))
    first = Task.objects.filter(department=world.dept_a).order_by("id").first()
    services.sign_for_task(task=first, by=world.handler_a, now=at(2026, 3, 5, 11))
    number = first.case.number
    now = at(2026, 3, 9, 12)
    for params in ({}, {"mine": "1"}, {"state": "in_review"}, {"colour": "prewarning"},
                   {"colour": "normal"}, {"q": number}, {"department": world.dept_a.code}):
        filters = pages.InboxFilters.from_params(params)
        rows = [t.pk for t in pages.inbox(world.handler_a, filters, now=now)]
        assert list(pages.inbox_ids(world.handler_a, filters, now=now)) == rows, params
        assert pages.inbox_ids(world.handler_a, filters, now=now).count() == len(rows)
    assert len([t.pk for t in pages.inbox(world.handler_a, pages.InboxFilters(), now=now)]) == 4
    with CaptureQueriesContext(connection) as queries:
        pages.inbox_ids(world.handler_a, pages.InboxFilters(), now=now).count()
    assert "JOIN" not in queries[-1]["sql"]  # counted from the task table alone


def test_the_inbox_costs_the_same_queries_for_one_task_or_many(world,
                                                               django_assert_num_queries):
    package_case(world)

    def count():
        user = type(world.handler_a).objects.get(pk=world.handler_a.pk)
        with django_assert_num_queries(3):  # scope: 2 (then cached on the user), inbox: 1
            rows = list(selectors.inbox_for(user))
            for row in rows:
                shown = (row.case.number, row.case_item.name, row.clock.deadline_at,
                         row.colour, row.department.name, row.assignee)
                assert all(value is not None for value in shown[:5])
        return len(rows)

    assert count() == 1
    for day in range(3, 8):
        item_case(world, world.item_a, when=at(2026, 3, day, 9))
    assert count() == 6


def test_the_case_page_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    case = package_case(world)
    with django_assert_max_num_queries(16):
        detail = selectors.case_detail(world.clerk, pk=case.pk)
    assert len(detail.tasks) == 3 and len(detail.materials) == 6
    # accepted: the clerk may still act for the applicant
    assert detail.case_actions == {"withdraw", "choose_delivery", "record_visit"}
    assert detail.viewer.is_clerk


def test_the_actions_a_page_offers(world):
    case = package_case(world)
    task = Task.objects.get(case=case, department=world.dept_a)
    detail = selectors.case_detail(world.handler_a, pk=case.pk)
    assert detail.task_actions[task.pk] == {"sign"}
    services.sign_for_task(task=task, by=world.handler_a)
    detail = selectors.case_detail(world.handler_a, pk=case.pk)
    assert {"approve", "refuse", "request_extension", "start_special_procedure",
            "request_supplement"} == detail.task_actions[task.pk]
    head = selectors.case_detail(world.head_a, pk=case.pk)
    assert "assign" in head.task_actions[task.pk]
    other = selectors.case_detail(world.handler_b, pk=case.pk)
    assert other.task_actions[task.pk] == frozenset()
    mine = selectors.case_detail(world.applicant, pk=case.pk)
    assert mine.case_actions == {"withdraw", "choose_delivery"}


def test_the_sweep_puts_a_notice_in_the_handlers_and_the_heads_inbox(world):
    case = package_case(world)
    task = Task.objects.get(case=case, department=world.dept_b)
    services.sign_for_task(task=task, by=world.handler_b, now=at(2026, 3, 2, 11))
    # B: 3 working days from Monday 2 March (3, 4, 5) → late from Fri 6 March
    result = monitoring.sweep(now=at(2026, 3, 6, 9))
    assert result.raised["yellow"] >= 1
    assert monitoring.sweep(now=at(2026, 3, 6, 9)).total == 0  # exactly once
    for user in (world.handler_b, world.head_b):
        kinds = {(n.kind, n.case_number) for n in selectors.notices_for(user)
                 if n.clock.purpose == f"task-{task.pk}"}
        assert kinds == {("prewarning", case.number), ("yellow", case.number)}
    assert not any(n.clock.purpose.startswith("task-")
                   for n in selectors.notices_for(world.handler_c)
                   if n.clock.unit_id != world.dept_c.pk)
    red = monitoring.sweep(now=at(2026, 4, 1))
    assert red.raised["red"] >= 1
    assert selectors.notices_for(world.head_b).filter(kind="red").exists()
    assert selectors.notices_for(world.officer).filter(kind="red").count() == red.raised["red"]


def test_anyone_with_the_number_and_code_can_track_a_case(world):
    case = package_case(world)
    status = selectors.track(number=case.number, query_code=case.query_code)
    assert status.title == "开办测试店一件事" and status.applicant == "张*"
    assert [i.state for i in status.items] == ["pending"] * 3
    assert all(e.actor == "" and e.payload == {} for e in status.timeline)
    assert "clock.started" not in [e.action for e in status.timeline]
    with pytest.raises(NotFound):
        selectors.track(number=case.number, query_code="AAAAAA")
    with pytest.raises(NotFound):
        selectors.track(number="MH20990101-000001", query_code=case.query_code)


def test_the_public_timeline_names_the_item_of_each_department_step(world):
    case = package_case(world)
    task = Task.objects.filter(case=case, department=world.dept_b).select_related(
        "case_item").get()
    services.sign_for_task(task=task, by=world.handler_b, now=at(2026, 3, 2, 11))
    services.approve_task(task=task, by=world.handler_b, now=at(2026, 3, 2, 15))
    status = selectors.track(number=case.number, query_code=case.query_code)
    approved = [e for e in status.timeline if e.action == "task.approved"]
    assert [e.item for e in approved] == [task.case_item.name]
    assert all(e.item == "" for e in status.timeline if not e.action.startswith("task."))


def test_the_staff_timeline_has_every_event_and_who_acted(world):
    case = package_case(world)
    entries = selectors.timeline(case)
    assert entries[0].action == "case.submitted" and entries[0].actor == "t-applicant"
    assert "clock.started" in [e.action for e in entries]
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))


def test_materials_are_served_only_to_those_who_may_see_the_case(world):
    case = item_case(world, world.item_a)
    material = CaseMaterial.objects.filter(case=case).first()
    assert selectors.material_file_for(world.handler_a, material.pk) == material.file
    assert selectors.material_file_for(world.applicant, material.pk) == material.file
    for outsider in (world.handler_b, world.other_applicant, world.township_clerk, None):
        with pytest.raises(NotFound):
            selectors.material_file_for(outsider, material.pk)


def test_extension_requests_wait_in_the_heads_list(world):
    case = package_case(world)
    task = Task.objects.get(case=case, department=world.dept_b)
    services.sign_for_task(task=task, by=world.handler_b, now=at(2026, 3, 2, 11))
    request = services.request_extension(task=task, by=world.handler_b, days=3, reason="x",
                                          now=at(2026, 3, 3))
    assert list(selectors.extension_requests_for(world.head_b)) == [request]
    assert list(selectors.extension_requests_for(world.head_a)) == []
    assert list(selectors.extension_requests_for(world.handler_b)) == []
    assert selectors.inbox_for(world.handler_b).get().open_extension is True


def test_the_intake_queue_shows_the_most_urgent_first(world):
    late = services.apply_online(by=world.applicant, item=world.item_a,
                                 uploads=single_uploads(world.item_a), now=at(2026, 3, 2))
    early = services.apply_online(by=world.applicant, item=world.item_b,
                                  uploads=single_uploads(world.item_b), now=at(2026, 3, 4))
    assert list(selectors.intake_queue_for(world.clerk)) == [late, early]
    assert list(selectors.intake_queue_for(world.township_clerk)) == []
    assert list(selectors.intake_queue_for(world.handler_a)) == []
    assert [c.colour for c in selectors.intake_queue_for(world.clerk, now=at(2026, 3, 11, 9))] \
        == ["yellow", "prewarning"]


def test_the_inbox_index_covers_exactly_the_states_the_inbox_lists():
    from django.db.models import Q

    from onetrip.approvals.models import Task
    from onetrip.approvals.states import TASK_ACTIVE

    (index,) = [i for i in Task._meta.indexes if i.name == "task_inbox"]
    assert index.condition == Q(state__in=sorted(TASK_ACTIVE))
