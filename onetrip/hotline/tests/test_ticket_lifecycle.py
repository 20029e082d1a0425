"""A ticket from registration to closing, with its clocks, events and the citizen's messages."""

from datetime import timedelta

import pytest

from onetrip.audit.models import Event
from onetrip.errors import Conflict, TransitionNotAllowed, ValidationFailed
from onetrip.hotline import selectors, services
from onetrip.hotline.models import (
    Assignment,
    CitizenMessage,
    Extension,
    RefusalReason,
    Reminder,
    Reply,
    ReplyFlag,
    Ticket,
)
from onetrip.hotline.states import State
from onetrip.monitoring.models import Clock

from .conftest import GOOD_REPLY, MONDAY, PERFUNCTORY_REPLY, at, dispatched, handling, register

pytestmark = pytest.mark.django_db


def actions(ticket):
    return list(
        Event.objects.filter(object_id=str(ticket.pk), object_type="hotline.ticket")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_registering_numbers_the_ticket_and_tells_the_citizen_its_query_code(county, tree):
    ticket = register(county)
    assert ticket.status == State.REGISTERED
    assert ticket.number == f"20260302{ticket.pk:06d}"
    assert len(ticket.query_code) == 6
    message = CitizenMessage.objects.get(ticket=ticket)
    assert ticket.number in message.text and ticket.query_code in message.text
    assert actions(ticket) == ["ticket.registered"]
    assert selectors.lookup(number=ticket.number, query_code=ticket.query_code.lower()) == ticket
    assert selectors.lookup(number=ticket.number, query_code="QQQQQQ") is None


def test_more_files_than_an_appeal_may_carry_are_refused_and_nothing_is_registered(
    county, tree, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    photos = [SimpleUploadedFile(f"{i}.png", png) for i in range(services.MAX_ATTACHMENTS + 1)]
    with pytest.raises(ValidationFailed) as refused:
        register(county, uploads=photos)
    assert refused.value.errors[0].field == "attachments"
    assert refused.value.errors[0].code == "too_many"
    assert not Ticket.objects.exists()


def test_the_whole_way_with_a_send_back_a_reopen_and_a_close(county, property_category):
    ticket = dispatched(county, property_category)
    clocks = {c.purpose.split(":")[0]: c for c in Clock.objects.filter(subject_id=str(ticket.pk))}
    assert clocks["sign"].limit_unit == "workhours" and clocks["sign"].limit == 2
    assert clocks["reply"].limit == 10  # a complaint
    assert clocks["sign"].deadline_at == at(2026, 3, 2, 11, 0)

    services.sign_for(ticket=ticket, by=county.handler_a, now=at(2026, 3, 2, 10))
    assert Clock.objects.get(pk=clocks["sign"].pk).done_at is not None
    services.record_contact(ticket=ticket, by=county.handler_a, now=at(2026, 3, 2, 11))

    bad = services.submit_reply(
        ticket=ticket, by=county.handler_a, text=PERFUNCTORY_REPLY, now=at(2026, 3, 3, 9)
    )
    assert {f.kind for f in bad.flags.all()} >= {"perfunctory", "incomplete"}
    assert Clock.objects.get(pk=clocks["reply"].pk).is_paused  # not counted while in review
    services.review_reply(
        reply=bad,
        by=county.operator,
        accept=False,
        note="答复敷衍，请说明处理结果。",
        flag_decisions={f.pk: True for f in bad.flags.all()},
        now=at(2026, 3, 3, 10),
    )
    ticket.refresh_from_db()
    assert ticket.status == State.SIGNED
    assert not Clock.objects.get(pk=clocks["reply"].pk).is_paused
    assert set(ReplyFlag.objects.filter(reply=bad).values_list("status", flat=True)) == {
        "confirmed"
    }

    good = services.submit_reply(
        ticket=ticket, by=county.handler_a, text=GOOD_REPLY, now=at(2026, 3, 5, 15)
    )
    assert list(good.flags.values_list("kind", flat=True)) == []
    services.review_reply(reply=good, by=county.operator, accept=True, now=at(2026, 3, 5, 16))
    ticket.refresh_from_db()
    assert ticket.status == State.FOLLOW_UP
    assert Clock.objects.get(pk=clocks["reply"].pk).done_at is not None
    assert Clock.objects.filter(subject_id=str(ticket.pk), purpose="follow:1").exists()
    assert CitizenMessage.objects.filter(ticket=ticket, text__contains="制动器").exists()

    services.record_follow_up(
        ticket=ticket,
        by=county.operator,
        reached=True,
        solved=False,
        satisfaction="dissatisfied",
        comment="电梯还是经常停",
        now=at(2026, 3, 6, 10),
    )
    ticket.refresh_from_db()
    assert ticket.status == State.SIGNED and ticket.round == 2 and ticket.contacted_at is None
    lead = Assignment.objects.get(ticket=ticket, role="lead", active=True)
    second = Clock.objects.get(subject_id=str(ticket.pk), purpose=f"reply:{lead.pk}:2")
    assert second.started_at == at(2026, 3, 6, 10) and second.done_at is None

    services.record_contact(ticket=ticket, by=county.handler_a, now=at(2026, 3, 6, 11))
    again = services.submit_reply(
        ticket=ticket,
        by=county.handler_a,
        now=at(2026, 3, 9, 10),
        text=GOOD_REPLY.replace("3月5日", "3月8日").replace("制动器", "曳引机主板"),
    )
    services.review_reply(
        reply=again,
        by=county.operator,
        accept=True,
        flag_decisions={f.pk: False for f in again.flags.all()},
        now=at(2026, 3, 9, 11),
    )
    services.record_follow_up(
        ticket=ticket,
        by=county.operator,
        reached=True,
        solved=True,
        satisfaction="satisfied",
        now=at(2026, 3, 10, 10),
    )
    ticket.refresh_from_db()
    assert ticket.status == State.CLOSED and ticket.closed_at == at(2026, 3, 10, 10)
    assert actions(ticket)[:2] == ["ticket.registered", "ticket.dispatch"]
    assert "ticket.reopen" in actions(ticket) and actions(ticket)[-1] == "ticket.follow_up_close"


def test_dissatisfied_again_after_a_reopen_escalates_for_supervision(county, property_category):
    ticket = handling(county, property_category)
    for day in (3, 5):
        ticket.refresh_from_db()
        if ticket.contacted_at is None:
            services.record_contact(ticket=ticket, by=county.handler_a, now=at(2026, 3, day, 9))
        reply = services.submit_reply(
            ticket=ticket, by=county.handler_a, text=GOOD_REPLY, now=at(2026, 3, day, 10)
        )
        services.review_reply(
            reply=reply,
            by=county.operator,
            accept=True,
            flag_decisions={f.pk: False for f in reply.flags.all()},
            now=at(2026, 3, day, 11),
        )
        services.record_follow_up(
            ticket=ticket,
            by=county.operator,
            reached=True,
            solved=False,
            satisfaction="very_dissatisfied",
            comment="根本没有解决问题",
            now=at(2026, 3, day, 15),
        )
    ticket.refresh_from_db()
    assert ticket.status == State.ESCALATED
    assert "ticket.escalate" in actions(ticket)
    services.close_ticket(
        ticket=ticket, by=county.operator, note="督办件已办结", now=at(2026, 3, 20)
    )
    ticket.refresh_from_db()
    assert ticket.status == State.CLOSED


def test_the_second_reply_repeating_the_first_for_another_appeal_is_flagged_copied(
    county, property_category
):
    first = handling(county, property_category)
    services.submit_reply(ticket=first, by=county.handler_a, text=GOOD_REPLY, now=at(2026, 3, 3))
    other = handling(
        county, property_category, content="幸福小区的物业费一年涨了两次，业主没有同意。"
    )
    reply = services.submit_reply(
        ticket=other, by=county.handler_a, text=GOOD_REPLY, now=at(2026, 3, 3, 11)
    )
    flags = {f.kind: f.reason for f in reply.flags.all()}
    assert "copied" in flags and "1" in flags["copied"]


def test_a_reply_after_the_limit_is_flagged_late(county, property_category):
    ticket = handling(county, property_category, kind="consultation")  # 2 working days
    reply = services.submit_reply(
        ticket=ticket, by=county.handler_a, text=GOOD_REPLY, now=at(2026, 3, 6, 10)
    )
    assert "late" in {f.kind for f in reply.flags.all()}


def test_urgent_tickets_are_due_the_same_day(county, property_category):
    ticket = dispatched(county, property_category, urgency="urgent")
    lead = Assignment.objects.get(ticket=ticket, role="lead")
    clock = Clock.objects.get(subject_id=str(ticket.pk), purpose=f"reply:{lead.pk}:1")
    assert clock.limit == 0 and clock.deadline_at == at(2026, 3, 3, 0)


def test_an_approved_extension_moves_the_deadline_and_tells_the_citizen(county, property_category):
    ticket = handling(county, property_category)
    lead = Assignment.objects.get(ticket=ticket, role="lead")
    clock = Clock.objects.get(subject_id=str(ticket.pk), purpose=f"reply:{lead.pk}:1")
    before = clock.deadline_at
    extension = services.request_extension(
        ticket=ticket,
        by=county.handler_a,
        days=5,
        reason="需协调供电公司迁改线路",
        now=at(2026, 3, 9),
    )
    with pytest.raises(Conflict):
        services.request_extension(
            ticket=ticket,
            by=county.handler_a,
            days=2,
            reason="还需要再延两天时间",
            now=at(2026, 3, 9, 11),
        )
    services.decide_extension(
        extension=extension, by=county.operator, approve=True, now=at(2026, 3, 9, 15)
    )
    clock.refresh_from_db()
    assert clock.deadline_at == before + timedelta(days=7)  # five working days, one weekend
    assert Extension.objects.get(pk=extension.pk).status == "approved"
    assert CitizenMessage.objects.filter(ticket=ticket, text__contains="2026-03-23").exists()


def test_an_extension_cannot_be_asked_after_the_limit(county, property_category):
    ticket = handling(county, property_category, kind="consultation")
    with pytest.raises(Conflict, match="before the limit|届满前"):
        services.request_extension(
            ticket=ticket,
            by=county.handler_a,
            days=2,
            reason="情况复杂需要调查",
            now=at(2026, 3, 10),
        )


def test_a_return_within_a_working_day_goes_back_to_the_hotline_for_reassignment(
    county, property_category
):
    ticket = dispatched(county, property_category)
    services.return_ticket(
        ticket=ticket,
        by=county.handler_a,
        reason="不属于我局职责，应由乙局办理",
        now=at(2026, 3, 3, 9),
    )
    ticket.refresh_from_db()
    assert ticket.status == State.RETURNED and ticket.lead_unit is None
    assert not Clock.objects.filter(subject_id=str(ticket.pk), done_at__isnull=True).exists()
    services.dispatch_ticket(
        ticket=ticket, by=county.operator, lead_unit=county.dept_b, now=at(2026, 3, 3, 10)
    )
    ticket.refresh_from_db()
    assert ticket.status == State.DISPATCHED and ticket.lead_unit == county.dept_b
    assert Clock.objects.filter(subject_id=str(ticket.pk), done_at__isnull=True).count() == 2


def test_a_return_after_the_return_limit_is_refused(county, property_category):
    ticket = dispatched(county, property_category)
    with pytest.raises(Conflict) as caught:
        services.return_ticket(
            ticket=ticket, by=county.handler_a, reason="不属于我局职责范围", now=at(2026, 3, 4, 9)
        )
    assert caught.value.code == "return_too_late"


def test_merging_repeats_sends_the_reply_to_every_citizen(county, property_category):
    main = handling(county, property_category)
    repeat = register(
        county,
        content="幸福小区3号楼电梯又坏了，物业不修。",
        citizen=services.Citizen(name="李四", phone="13900005678"),
    )
    services.merge_tickets(ticket=repeat, into=main, by=county.operator, now=at(2026, 3, 2, 14))
    repeat.refresh_from_db()
    assert repeat.status == State.MERGED and repeat.merged_into == main
    reply = services.submit_reply(
        ticket=main, by=county.handler_a, text=GOOD_REPLY, now=at(2026, 3, 3)
    )
    services.review_reply(reply=reply, by=county.operator, accept=True, now=at(2026, 3, 3, 11))
    assert CitizenMessage.objects.filter(ticket=repeat, text__contains="制动器").exists()
    with pytest.raises(ValidationFailed):
        services.merge_tickets(ticket=main, into=main, by=county.operator)


def test_not_a_ticket_is_refused_with_the_reason_told(county, tree):
    ticket = register(county, content="我家着火了，快来人！")
    services.refuse_ticket(
        ticket=ticket, by=county.operator, reason=RefusalReason.EMERGENCY, now=at(2026, 3, 2, 9, 5)
    )
    ticket.refresh_from_db()
    assert ticket.status == State.REFUSED and "110" in ticket.answer
    assert CitizenMessage.objects.filter(ticket=ticket, text__contains="110").exists()
    with pytest.raises(TransitionNotAllowed):
        services.dispatch_ticket(
            ticket=ticket,
            by=county.operator,
            lead_unit=county.dept_a,
            category=tree["城乡建设/安全生产"],
        )


def test_a_consultation_is_answered_at_once_and_closed(county, tree):
    ticket = register(county, kind="consultation", content="请问公积金怎么提取用来付首付？")
    services.answer_at_once(
        ticket=ticket,
        by=county.operator,
        answer="可登录公积金网上服务大厅或到县行政服务中心公积金窗口办理。",
    )
    ticket.refresh_from_db()
    assert ticket.status == State.ANSWERED and ticket.closed_at is not None
    complaint = register(county)
    with pytest.raises(ValidationFailed):
        services.answer_at_once(ticket=complaint, by=county.operator, answer="这是一个答复内容")


def test_the_sweep_sends_a_reminder_the_day_after_an_overrun_once(county, property_category):
    ticket = handling(county, property_category, kind="consultation")  # due end of Wed 4 March
    assert services.send_due_reminders(at(2026, 3, 5, 9)) == {"hotline reminders": 0}
    assert services.send_due_reminders(at(2026, 3, 6, 9)) == {"hotline reminders": 1}
    assert services.send_due_reminders(at(2026, 3, 6, 10)) == {"hotline reminders": 0}
    reminder = Reminder.objects.get(ticket=ticket)
    assert reminder.automatic and reminder.unit == county.dept_a


def test_two_operators_dispatching_at_once_one_wins(county, property_category):
    ticket = register(county)
    stale = Ticket.objects.get(pk=ticket.pk)
    services.dispatch_ticket(
        ticket=ticket, by=county.operator, lead_unit=county.dept_a, category=property_category
    )
    with pytest.raises(TransitionNotAllowed):
        services.dispatch_ticket(
            ticket=stale, by=county.operator, lead_unit=county.dept_b, category=property_category
        )


def test_every_reply_waits_for_review_with_its_flags(county, property_category):
    ticket = handling(county, property_category)
    reply = services.submit_reply(
        ticket=ticket, by=county.handler_a, text=PERFUNCTORY_REPLY, now=at(2026, 3, 3)
    )
    with pytest.raises(ValidationFailed) as caught:
        services.review_reply(reply=reply, by=county.operator, accept=True)
    assert caught.value.code == "flags_undecided"
    assert Reply.objects.get(pk=reply.pk).status == "pending"
    assert selectors.pending_reply(ticket) == reply
    assert MONDAY.weekday() == 0
