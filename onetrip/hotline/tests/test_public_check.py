"""The citizen's appeal: form, "check your answers", change, confirm once."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from onetrip.audit.models import Event
from onetrip.files.models import StoredFile
from onetrip.hotline.models import Ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CONTENT = "测试镇幸福路的路灯坏了半个月，晚上一片漆黑，请尽快修理。"


def answers(county, **extra):
    return {
        "kind": "complaint",
        "content": CONTENT,
        "address": "幸福路12号",
        "township": str(county.township.pk),
        "citizen_name": "李四",
        "citizen_phone": "13900005678",
        "confidential": "1",
        **extra,
    }


def photo(name="路灯.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def token_of(page) -> str:
    html = page.content.decode()
    start = html.index('name="token" value="') + len('name="token" value="')
    return html[start : html.index('"', start)]


def test_the_check_page_shows_every_answer_and_nothing_is_registered_yet(
    client, county, tree, media
):
    sent = client.post("/hotline/", {**answers(county), "attachments": [photo()]})
    assert sent.status_code == 302 and sent.url == "/hotline/check/"
    page = client.get("/hotline/check/")
    html = page.content.decode()
    assert page.status_code == 200
    for shown in ("投诉", CONTENT, "幸福路12号", county.township.name, "李四", "139 0000 5678"):
        assert shown in html
    assert "路灯.png" in html and "确认提交" in html and "修改" in html
    assert 'href="/hotline/#content"' in html
    assert "no-store" in page.headers["Cache-Control"]
    assert Ticket.objects.count() == 0
    assert not Event.objects.filter(action__startswith="ticket.").exists()


def test_an_anonymous_appeal_is_shown_without_name_and_phone(client, county, tree):
    client.post("/hotline/", answers(county, citizen_name="", citizen_phone="", anonymous="1"))
    html = client.get("/hotline/check/").content.decode()
    assert "不记录" in html and "13900005678" not in html


def test_changing_an_answer_keeps_the_others_and_the_files(client, county, tree, media):
    client.post("/hotline/", {**answers(county), "attachments": [photo()]})
    stored = StoredFile.objects.get()
    form = client.get("/hotline/").content.decode()
    assert CONTENT in form and 'value="李四"' in form and 'value="13900005678"' in form
    assert f'value="upload:{stored.pk}" checked' in form and "路灯.png" in form
    assert 'id="confidential" name="confidential" value="1" checked' in form
    assert f'value="{county.township.pk}" selected' in form

    changed = client.post(
        "/hotline/",
        {**answers(county, content="幸福路路灯坏了，请修。"), "kept": f"upload:{stored.pk}"},
    )
    assert changed.status_code == 302
    html = client.get("/hotline/check/").content.decode()
    assert "幸福路路灯坏了，请修。" in html and CONTENT not in html and "路灯.png" in html
    assert StoredFile.objects.count() == 1  # not uploaded again

    client.post("/hotline/check/", {"token": token_of(client.get("/hotline/check/"))})
    ticket = Ticket.objects.get()
    assert ticket.content == "幸福路路灯坏了，请修。" and ticket.confidential
    attachment = ticket.attachments.select_related("file").get()
    assert attachment.file == stored  # the kept file itself, not a second copy
    assert StoredFile.objects.count() == 1


def test_unticking_a_kept_file_leaves_it_out(client, county, tree, media):
    client.post("/hotline/", {**answers(county), "attachments": [photo()]})
    client.post("/hotline/", answers(county))  # no "kept": the file was unticked
    assert "路灯.png" not in client.get("/hotline/check/").content.decode()


def test_confirming_registers_one_ticket_with_its_event_and_shows_number_and_code(
    client, county, tree, media
):
    client.post("/hotline/", {**answers(county), "attachments": [photo()]})
    token = token_of(client.get("/hotline/check/"))
    done = client.post("/hotline/check/", {"token": token})
    assert done.status_code == 302 and done.url == "/hotline/filed/"
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.citizen_name, ticket.citizen_phone) == (
        "complaint",
        "李四",
        "13900005678",
    )
    assert ticket.township == county.township and ticket.address == "幸福路12号"
    assert ticket.channel == "web" and ticket.attachments.count() == 1
    events = Event.objects.filter(object_id=str(ticket.pk), action="ticket.registered")
    assert events.count() == 1
    filed = client.get("/hotline/filed/").content.decode()
    assert ticket.number in filed and ticket.query_code in filed
    # The answers are gone: the form is empty again, the check page leads back to it.
    assert CONTENT not in client.get("/hotline/").content.decode()
    assert client.get("/hotline/check/").url == "/hotline/"


def test_confirming_twice_registers_one_ticket(client, county, tree):
    client.post("/hotline/", answers(county))
    token = token_of(client.get("/hotline/check/"))
    first = client.post("/hotline/check/", {"token": token})
    second = client.post("/hotline/check/", {"token": token})
    assert first.url == second.url == "/hotline/filed/"
    assert Ticket.objects.count() == 1
    assert Event.objects.filter(action="ticket.registered").count() == 1


def test_a_check_page_of_older_answers_cannot_confirm_the_new_ones(client, county, tree):
    client.post("/hotline/", answers(county))
    old = token_of(client.get("/hotline/check/"))
    client.post("/hotline/", answers(county, content="另一件事：幸福路积水严重。"))
    stale = client.post("/hotline/check/", {"token": old})
    assert stale.status_code == 302 and stale.url == "/hotline/check/"
    assert Ticket.objects.count() == 0


def test_bad_input_shows_each_error_beside_its_field_in_chinese_and_registers_nothing(
    client, county, tree, media
):
    bad = client.post(
        "/hotline/",
        {
            "content": "短",
            "citizen_name": "",
            "citizen_phone": "abc",
            "township": "999999",
            "attachments": [
                photo("好的.png"),
                SimpleUploadedFile("坏的.txt", b"just text", content_type="text/plain"),
            ],
        },
    )
    html = bad.content.decode()
    assert bad.status_code == 400 and "error-summary" in html
    for message in ("请选择诉求类型", "至少", "乡镇", "姓名", "电话", "坏的.txt"):
        assert message in html, message
    assert html.count('class="error-message"') == 6
    assert 'href="#content"' in html and 'href="#attachments"' in html
    assert "<title>错误：" in html
    # What was typed is kept, and so is the file that passed.
    assert ">短</textarea>" in html and 'value="abc"' in html
    kept = StoredFile.objects.get()
    assert kept.original_name == "好的.png" and f'value="upload:{kept.pk}" checked' in html
    assert client.get("/hotline/check/").url == "/hotline/"
    assert client.post("/hotline/check/", {"token": ""}).url == "/hotline/"
    assert Ticket.objects.count() == 0
    assert not Event.objects.filter(action__startswith="ticket.").exists()


def test_an_error_when_confirming_returns_to_the_form_with_everything_kept(
    client, county, tree, media
):
    client.post("/hotline/", {**answers(county), "attachments": [photo()]})
    token = token_of(client.get("/hotline/check/"))
    session = client.session  # the service, not only the form, refuses what it must
    session["hotline_draft"]["answers"]["content"] = "短"
    session.save()
    back = client.post("/hotline/check/", {"token": token})
    html = back.content.decode()
    assert back.status_code == 400 and "error-summary" in html
    assert 'href="#content"' in html and "至少" in html
    assert 'value="李四"' in html and "路灯.png" in html
    assert 'action="/hotline/"' in html
    assert Ticket.objects.count() == 0


def test_a_session_cannot_refer_to_someone_elses_upload(client, county, tree, media):
    other = Client()
    other.post("/hotline/", {**answers(county), "attachments": [photo("别人的.png")]})
    theirs = StoredFile.objects.get()
    client.post("/hotline/", {**answers(county), "kept": f"upload:{theirs.pk}"})
    assert "别人的.png" not in client.get("/hotline/check/").content.decode()
    client.post("/hotline/check/", {"token": token_of(client.get("/hotline/check/"))})
    assert Ticket.objects.get().attachments.count() == 0


def test_at_most_ten_files(client, county, tree, media):
    sent = client.post(
        "/hotline/", {**answers(county), "attachments": [photo(f"{i}.png") for i in range(11)]}
    )
    assert sent.status_code == 400 and "10" in sent.content.decode()
    assert StoredFile.objects.count() == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_register_one_ticket(county, tree):
    first = Client()
    first.post("/hotline/", answers(county))
    token = token_of(first.get("/hotline/check/"))
    second = Client()
    second.cookies = first.cookies  # the same browser: a double click sends both
    barrier = threading.Barrier(2)
    answered, errors = [], []

    def confirm(client):
        try:
            barrier.wait()
            answered.append(client.post("/hotline/check/", {"token": token}).url)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(c,)) for c in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert answered == ["/hotline/filed/", "/hotline/filed/"]
    assert Ticket.objects.count() == 1
