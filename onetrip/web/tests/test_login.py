import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_the_login_page_is_chinese_by_default():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "登录" in text and 'lang="zh-Hans"' in text


def test_pages_are_chinese_even_for_a_browser_set_to_english():
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode() and 'lang="zh-Hans"' in response.content.decode()


def test_programs_get_the_language_they_ask_for():
    chinese = Client().post("/api/cases/track", {}, content_type="application/json")
    english = Client().post("/api/cases/track", {}, content_type="application/json",
                            HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 422
    assert chinese.json()["detail"] != english.json()["detail"]


def test_english_can_be_chosen():
    client = Client()
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True
    )
    assert response.status_code == 200
    assert "Log in" in response.content.decode() and 'lang="en"' in response.content.decode()


def test_a_user_logs_in_and_out(county):
    client = Client()
    response = login(client, "t-clerk", "test-pass-123")
    assert response.status_code == 302
    assert client.get("/workbench/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/workbench/").status_code == 302


def test_a_wrong_password_is_refused_with_an_error_summary(county):
    response = login(Client(), "t-clerk", "wrong")
    assert response.status_code == 200
    assert "There is a problem" not in response.content.decode()
    assert "error-summary" in response.content.decode()


def test_repeated_failures_lock_the_account(county, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "t-clerk", "wrong")
    response = login(client, "t-clerk", "test-pass-123")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    # another account from the same address is not locked
    assert login(Client(), "t-handler-a", "test-pass-123").status_code == 302


@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2(county):
    from onetrip.accounts.models import User

    user = User.objects.create_user("hashed", password="s3cret-pass-x")
    assert user.password.startswith("argon2")


def test_the_workbench_needs_a_login():
    response = Client().get("/workbench/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
