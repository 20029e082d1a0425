"""Who may do what to a ticket, what bad input gets, and what another unit can see (nothing)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.errors import PermissionDenied, ValidationFailed
from onetrip.hotline import selectors, services
from onetrip.hotline.models import Channel, Extension, Ticket
from onetrip.hotline.services import Citizen

from .conftest import GOOD_REPLY, MONDAY, PERFUNCTORY_REPLY, at, dispatched, handling, register

pytestmark = pytest.mark.django_db


def _replied(county, category):
    ticket = handling(county, category)
    return services.submit_reply(
        ticket=ticket, by=county.handler_a, text=PERFUNCTORY_REPLY, now=at(2026, 3, 3)
    )


def _follow_up(county, category):
    reply = _replied(county, category)
    services.review_reply(
        reply=reply,
        by=county.operator,
        accept=True,
        flag_decisions={f.pk: False for f in reply.flags.all()},
        now=at(2026, 3, 3, 11),
    )
    return reply.ticket


def _extension(county, category):
    ticket = handling(county, category)
    return services.request_extension(
        ticket=ticket,
        by=county.handler_a,
        days=3,
        reason="需要等待检测报告结果",
        now=at(2026, 3, 4),
    )


# (name, who may not, setup(county, category) -> object, call(object, by))
TRANSITIONS = [
    (
        "register by phone",
        ["handler_a", "applicant", "officer"],
        lambda c, cat: None,
        lambda obj, by: services.register_ticket(
            by=by,
            channel=Channel.PHONE,
            kind="complaint",
            content="小区电梯坏了一个月没人修",
            citizen=Citizen(name="张三", phone="13800001111"),
        ),
    ),
    (
        "refuse",
        ["handler_a", "head_a", "officer", "applicant"],
        lambda c, cat: register(c),
        lambda t, by: services.refuse_ticket(ticket=t, by=by, reason="emergency"),
    ),
    (
        "answer at once",
        ["handler_a", "leader"],
        lambda c, cat: register(c, kind="consultation"),
        lambda t, by: services.answer_at_once(ticket=t, by=by, answer="请到县政务服务中心办理"),
    ),
    (
        "dispatch",
        ["handler_a", "handler_b", "officer", "admin"],
        lambda c, cat: register(c),
        lambda t, by: services.dispatch_ticket(
            ticket=t, by=by, lead_unit=t.hotline.parent.children.get(code="depta")
        ),
    ),
    (
        "sign for",
        ["handler_b", "operator", "officer"],
        lambda c, cat: dispatched(c, cat),
        lambda t, by: services.sign_for(ticket=t, by=by),
    ),
    (
        "return",
        ["handler_b", "operator"],
        lambda c, cat: dispatched(c, cat),
        lambda t, by: services.return_ticket(
            ticket=t, by=by, reason="不属于本单位职责", now=MONDAY
        ),
    ),
    (
        "record contact",
        ["handler_b", "operator"],
        lambda c, cat: handling(c, cat),
        lambda t, by: services.record_contact(ticket=t, by=by),
    ),
    (
        "reply",
        ["handler_b", "operator", "officer"],
        lambda c, cat: handling(c, cat),
        lambda t, by: services.submit_reply(ticket=t, by=by, text=GOOD_REPLY),
    ),
    (
        "review a reply",
        ["handler_a", "head_a", "handler_b", "officer"],
        _replied,
        lambda r, by: services.review_reply(reply=r, by=by, accept=True),
    ),
    (
        "ask for an extension",
        ["handler_b", "operator"],
        lambda c, cat: handling(c, cat),
        lambda t, by: services.request_extension(
            ticket=t, by=by, days=2, reason="情况复杂需要调查", now=at(2026, 3, 3)
        ),
    ),
    (
        "decide an extension",
        ["handler_a", "head_a", "officer"],
        _extension,
        lambda e, by: services.decide_extension(extension=e, by=by, approve=True),
    ),
    (
        "remind",
        ["handler_a", "handler_b", "officer"],
        lambda c, cat: dispatched(c, cat),
        lambda t, by: services.remind_unit(ticket=t, by=by, note="请尽快签收"),
    ),
    (
        "follow up",
        ["handler_a", "officer", "applicant"],
        _follow_up,
        lambda t, by: services.record_follow_up(
            ticket=t, by=by, reached=True, solved=True, satisfaction="satisfied"
        ),
    ),
    (
        "merge",
        ["handler_a", "officer"],
        lambda c, cat: (register(c), register(c)),
        lambda pair, by: services.merge_tickets(ticket=pair[0], into=pair[1], by=by),
    ),
    (
        "co-unit opinion",
        ["handler_a", "operator"],
        lambda c, cat: dispatched(c, cat),
        lambda t, by: services.give_co_opinion(ticket=t, by=by, text="同意主办单位意见"),
    ),
]


@pytest.mark.parametrize(
    "name, forbidden, setup, call", TRANSITIONS, ids=[t[0] for t in TRANSITIONS]
)
def test_only_the_right_people_may_act(county, property_category, name, forbidden, setup, call):
    obj = setup(county, property_category)
    for persona in forbidden:
        with pytest.raises(PermissionDenied):
            call(obj, getattr(county, persona))
    with pytest.raises(PermissionDenied):
        call(obj, None)


def test_a_co_unit_gives_its_opinion_but_cannot_reply(county, property_category):
    ticket = register(county)
    services.dispatch_ticket(
        ticket=ticket,
        by=county.operator,
        lead_unit=county.dept_a,
        co_units=[county.dept_b],
        category=property_category,
        now=MONDAY,
    )
    services.give_co_opinion(ticket=ticket, by=county.handler_b, text="乙局负责配合检测电梯")
    with pytest.raises(PermissionDenied):
        services.sign_for(ticket=ticket, by=county.handler_b)
    assert selectors.ticket_for(county.handler_b, number=ticket.number) is not None
    view = selectors.citizen_view(county.handler_b, ticket)
    assert view.masked and view.phone == "138****1234"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"content": "太短"}, "content"),
        ({"content": "x" * 4001}, "content"),
        ({"kind": "praise"}, "kind"),
        ({"citizen": Citizen(name="", phone="13800001234")}, "citizen_name"),
        ({"citizen": Citizen(name="张三", phone="")}, "citizen_phone"),
        ({"citizen": Citizen(name="张三", phone="call me")}, "citizen_phone"),
        (
            {"citizen": Citizen(name="张三", phone="13800001234", id_number="12345")},
            "citizen_id_number",
        ),
        ({"latitude": 26.1}, "latitude"),
        ({"latitude": 95, "longitude": 119.2}, "latitude"),
        ({"urgency": "whenever"}, "urgency"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(county, tree, fields, field):
    base = {
        "content": "小区电梯坏了一个月没人修",
        "kind": "complaint",
        "citizen": Citizen(name="张三", phone="13800001234"),
    }
    base.update(fields)
    with pytest.raises(ValidationFailed) as caught:
        services.register_ticket(by=county.operator, channel=Channel.PHONE, **base)
    assert field in {e.field for e in caught.value.errors}
    assert Ticket.objects.count() == 0


def test_a_township_must_be_a_township(county, tree):
    with pytest.raises(ValidationFailed):
        register(county, township=county.dept_a)


def test_anonymous_appeals_need_no_name_and_keep_none(county, tree):
    ticket = register(county, citizen=Citizen(name="张三", phone="138", anonymous=True))
    assert ticket.citizen_name == "" and ticket.citizen_phone == "" and ticket.anonymous


def test_attachments_follow_the_upload_rules(county, tree, media):
    pdf = SimpleUploadedFile("照片.pdf", b"%PDF-1.4\n%%EOF\n")
    ticket = register(county, uploads=[pdf])
    assert ticket.attachments.count() == 1
    with pytest.raises(ValidationFailed) as caught:
        register(county, uploads=[SimpleUploadedFile("x.pdf", b"MZ not a pdf")])
    assert caught.value.errors[0].code == "file_type"


@pytest.mark.parametrize(
    "call, field",
    [
        (
            lambda c, t: services.return_ticket(
                ticket=t, by=c.handler_a, reason="不对", now=MONDAY
            ),
            "reason",
        ),
        (
            lambda c, t: services.dispatch_ticket(
                ticket=register(c), by=c.operator, lead_unit=c.hotline, category=t.category
            ),
            "lead_unit",
        ),
        (
            lambda c, t: services.dispatch_ticket(
                ticket=register(c), by=c.operator, lead_unit=c.dept_a
            ),
            "category",
        ),
        (
            lambda c, t: services.refuse_ticket(ticket=register(c), by=c.operator, reason="bored"),
            "refusal_reason",
        ),
    ],
)
def test_bad_input_to_transitions_is_refused(county, property_category, call, field):
    ticket = dispatched(county, property_category)
    with pytest.raises(ValidationFailed) as caught:
        call(county, ticket)
    assert caught.value.field == field


def test_a_reply_needs_the_citizen_contacted_first_and_real_content(county, property_category):
    ticket = dispatched(county, property_category)
    services.sign_for(ticket=ticket, by=county.handler_a, now=at(2026, 3, 2, 10))
    with pytest.raises(ValidationFailed) as caught:
        services.submit_reply(ticket=ticket, by=county.handler_a, text=GOOD_REPLY)
    assert caught.value.code == "not_contacted"
    services.record_contact(ticket=ticket, by=county.handler_a)
    with pytest.raises(ValidationFailed):
        services.submit_reply(ticket=ticket, by=county.handler_a, text="已处理")


def test_extension_days_and_reasons_are_checked(county, property_category):
    ticket = handling(county, property_category)
    for days in (0, 11, "3"):
        with pytest.raises(ValidationFailed):
            services.request_extension(
                ticket=ticket,
                by=county.handler_a,
                days=days,
                reason="情况复杂需要调查",
                now=at(2026, 3, 3),
            )
    extension = services.request_extension(
        ticket=ticket, by=county.handler_a, days=3, reason="情况复杂需要调查", now=at(2026, 3, 3)
    )
    with pytest.raises(ValidationFailed):
        services.decide_extension(extension=extension, by=county.operator, approve=False)
    services.decide_extension(
        extension=extension, by=county.operator, approve=False, note="期限内可以办结，不予延期"
    )
    assert Extension.objects.get(pk=extension.pk).status == "refused"


def test_a_follow_up_records_satisfaction_and_a_reason_when_dissatisfied(county, property_category):
    ticket = _follow_up(county, property_category)
    with pytest.raises(ValidationFailed):
        services.record_follow_up(
            ticket=ticket, by=county.operator, reached=True, solved=True, satisfaction="meh"
        )
    with pytest.raises(ValidationFailed):
        services.record_follow_up(
            ticket=ticket,
            by=county.operator,
            reached=True,
            solved=False,
            satisfaction="dissatisfied",
            comment="",
        )
    services.record_follow_up(ticket=ticket, by=county.operator, reached=False)
    ticket.refresh_from_db()
    assert ticket.status == "follow_up"


# --- another unit sees nothing ---------------------------------------------------------------


def test_a_handler_of_another_unit_can_read_nothing_of_the_ticket(county, property_category):
    ticket = handling(county, property_category)
    services.submit_reply(ticket=ticket, by=county.handler_a, text=GOOD_REPLY, now=at(2026, 3, 3))
    assert not selectors.tickets_visible_to(county.handler_b).exists()
    assert selectors.ticket_for(county.handler_b, number=ticket.number) is None
    assert not selectors.inbox(county.handler_b).exists()
    assert (
        selectors.similar_recent(content=ticket.content, user=county.handler_b, now=at(2026, 3, 3))
        == []
    )
    assert selectors.hot_issues(county.handler_b, now=at(2026, 3, 3), minimum=1) == []
    # and the people who should see it do
    for persona in ("handler_a", "head_a", "operator", "officer", "leader"):
        assert selectors.ticket_for(getattr(county, persona), number=ticket.number) == ticket
    assert selectors.ticket_for(county.applicant, number=ticket.number) is None


def test_phone_and_id_are_masked_for_everyone_but_the_operator_and_the_lead_unit(
    county, property_category
):
    ticket = handling(county, property_category)
    full = selectors.citizen_view(county.operator, ticket)
    assert full.phone == "13800001234" and full.id_number == "350121198001011234"
    assert selectors.citizen_view(county.handler_a, ticket).phone == "13800001234"
    for persona in ("officer", "leader", "handler_b", "admin"):
        view = selectors.citizen_view(getattr(county, persona), ticket)
        assert view.phone == "138****1234" and view.id_number == "3501**********1234"


def test_a_confidential_appeal_hides_the_citizen_from_the_unit_too(county, property_category):
    ticket = dispatched(
        county,
        property_category,
        citizen=Citizen(name="王建国", phone="13800001234", confidential=True),
    )
    view = selectors.citizen_view(county.handler_a, ticket)
    assert view.masked and view.name == "王**" and view.phone == "138****1234"
    assert not selectors.citizen_view(county.operator, ticket).masked


def test_a_logged_in_citizen_sees_their_own_ticket_only(county, tree):
    mine = services.register_ticket(
        by=county.applicant,
        channel=Channel.WEB,
        kind="suggestion",
        content="建议在测试镇增设公共充电桩",
        citizen=Citizen(name="张三", phone="13800001111", user=county.applicant),
    )
    register(county)
    assert list(selectors.tickets_visible_to(county.applicant)) == [mine]
    assert not selectors.tickets_visible_to(county.other_applicant).exists()
