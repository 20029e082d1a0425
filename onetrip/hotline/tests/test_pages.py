"""The pages: who gets in, what they show, and that lists do not grow queries per row."""

import pytest
from django.utils import timezone

from onetrip.hotline import dispatch, services
from onetrip.hotline.models import Ticket

from .conftest import GOOD_REPLY, PERFUNCTORY_REPLY, dispatched, handling, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_model(tmp_path, monkeypatch):
    monkeypatch.setenv("ONETRIP_DISPATCH_MODEL", str(tmp_path / "none.pkl"))
    dispatch.forget_model()


def test_the_public_form_registers_and_shows_the_number_and_code(client, county, tree):
    page = client.get("/hotline/")
    assert page.status_code == 200 and "12345" in page.content.decode()
    bad = client.post("/hotline/", {"kind": "complaint", "content": "短"})
    assert bad.status_code == 400 and "error-summary" in bad.content.decode()
    ok = client.post(
        "/hotline/",
        {
            "kind": "suggestion",
            "content": "建议在测试镇增设公共充电桩",
            "citizen_name": "张三",
            "citizen_phone": "13800001111",
        },
    )
    assert ok.status_code == 302 and ok.url == "/hotline/check/"
    assert not Ticket.objects.exists()  # registered only once the citizen confirms
    check = client.get("/hotline/check/").content.decode()
    token = check.split('name="token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/hotline/check/", {"token": token}).status_code == 302
    ticket = Ticket.objects.get()
    filed = client.get("/hotline/filed/").content.decode()
    assert ticket.number in filed and ticket.query_code in filed
    found = client.post(
        "/hotline/lookup/", {"number": ticket.number, "query_code": ticket.query_code}
    )
    assert found.status_code == 200 and ticket.content in found.content.decode()
    wrong = client.post("/hotline/lookup/", {"number": ticket.number, "query_code": "ZZZZZZ"})
    assert wrong.status_code == 404 and ticket.content not in wrong.content.decode()


def test_the_console_is_for_operators(client, county, tree):
    client.force_login(county.handler_a)
    assert client.get("/hotline/console/").status_code == 403
    client.force_login(county.operator)
    assert client.get("/hotline/console/").status_code == 200
    panel = client.post(
        "/hotline/console/panel/", {"content": "小区物业不作为，开发商逾期交房，房产证办不下来"}
    )
    assert "城乡建设/住房保障与房地产" in panel.content.decode()


def test_the_console_registers_and_dispatches_in_one_go(client, county, tree):
    client.force_login(county.operator)
    category = tree["城乡建设/住房保障与房地产"]
    response = client.post(
        "/hotline/console/",
        {
            "kind": "complaint",
            "channel": "phone",
            "urgency": "normal",
            "content": "幸福小区物业公司只收钱不干活，楼道垃圾无人清理",
            "citizen_name": "王五",
            "citizen_phone": "13700001111",
            "category": category.pk,
            "lead_unit": county.dept_a.pk,
            "then": "dispatch",
            "suggested_category": category.path,
            "suggested_unit": "depta",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.status == "dispatched" and ticket.suggested_unit == "depta"
    missing = client.post(
        "/hotline/console/",
        {
            "kind": "complaint",
            "content": "幸福小区物业公司只收钱不干活",
            "citizen_name": "王五",
            "citizen_phone": "13700001111",
            "then": "dispatch",
        },
    )
    assert missing.status_code == 400 and Ticket.objects.count() == 1  # nothing half-saved


def test_a_handler_of_another_unit_gets_404_on_the_page_and_its_parts(client, county, tree):
    ticket = handling(county, tree["城乡建设/住房保障与房地产"])
    client.force_login(county.handler_b)
    for url in (f"/hotline/t/{ticket.number}/", f"/hotline/t/{ticket.number}/files/1/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/hotline/t/{ticket.number}/sign/").status_code == 404
    assert (
        client.post(f"/hotline/t/{ticket.number}/check-reply/", {"text": GOOD_REPLY}).status_code
        == 404
    )
    assert ticket.number not in client.get("/hotline/inbox/").content.decode()


def test_the_reply_check_shows_flags_before_submitting(client, county, tree):
    ticket = handling(county, tree["城乡建设/住房保障与房地产"], now=timezone.now())
    client.force_login(county.handler_a)
    flags = client.post(
        f"/hotline/t/{ticket.number}/check-reply/", {"text": PERFUNCTORY_REPLY}
    ).content.decode()
    assert "hl-flag-perfunctory" in flags
    clean = client.post(
        f"/hotline/t/{ticket.number}/check-reply/", {"text": GOOD_REPLY}
    ).content.decode()
    assert "hl-flags-ok" in clean


def test_buttons_call_the_services_and_errors_are_told(client, county, tree):
    ticket = dispatched(county, tree["城乡建设/住房保障与房地产"], now=timezone.now())
    client.force_login(county.handler_a)
    client.post(f"/hotline/t/{ticket.number}/sign/")
    ticket.refresh_from_db()
    assert ticket.status == "signed"
    page = client.post(f"/hotline/t/{ticket.number}/reply/", {"text": GOOD_REPLY}, follow=True)
    assert "先联系" in page.content.decode() or "Contact the citizen" in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "signed"


def test_the_inbox_and_the_queue_cost_the_same_queries_for_5_or_25_tickets(
    client, county, tree, django_assert_max_num_queries
):
    category = tree["城乡建设/住房保障与房地产"]
    for _ in range(5):
        dispatched(county, category, now=timezone.now())
    client.force_login(county.handler_a)
    client.get("/hotline/inbox/")
    with django_assert_max_num_queries(14) as few:
        client.get("/hotline/inbox/")
    for _ in range(20):
        dispatched(county, category, now=timezone.now())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/hotline/inbox/")
    client.force_login(county.operator)
    client.get("/hotline/queue/open/")
    with django_assert_max_num_queries(30) as queue_queries:
        client.get("/hotline/queue/open/")
    register(county)
    with django_assert_max_num_queries(len(queue_queries.captured_queries)):
        client.get("/hotline/queue/open/")


def test_the_hot_issue_page_and_the_follow_up_queue(client, county, tree):
    client.force_login(county.operator)
    assert client.get("/hotline/hot/?days=7").status_code == 200
    assert client.get("/hotline/follow-up/").status_code == 200
    assert client.get("/hotline/queue/nope/").status_code == 404
    services.refuse_ticket(ticket=register(county), by=county.operator, reason="repeat")


def test_the_admin_edits_categories_through_the_service(client, county, tree):
    from onetrip.audit.models import Event

    category = tree["城乡建设/村镇建设"]
    client.force_login(county.admin)
    url = f"/admin/hotline/category/{category.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "description": "村道、村容村貌、新农村建设",
            "keywords": "村道\n村庄\n新农村",
            "default_unit": "",
            "local": "on",
            "sort_order": 104,
            "is_active": "on",
            "attributes-TOTAL_FORMS": "0",
            "attributes-INITIAL_FORMS": "0",
            "attributes-MIN_NUM_FORMS": "0",
            "attributes-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:500]
    category.refresh_from_db()
    assert category.keywords == "村道\n村庄\n新农村" and category.path == "城乡建设/村镇建设"
    assert Event.objects.filter(
        action="hotline.category_changed", object_id=str(category.pk)
    ).exists()
