"""Staff login and logout."""

import re

import pytest

from pledge.models import Role
from tests.kit.forms import csrf_from, post_form


def test_login_page_renders_with_a_csrf_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert csrf_from(response.get_data(as_text=True))
    assert response.headers["Cache-Control"] == "no-store"


def test_organizer_logs_in_and_reaches_the_dashboard(client, make_user, login):
    user, password = make_user(Role.ORGANIZER, email="ada@staff.example")
    response = login("ADA@staff.example ", password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/organize/"
    page = client.get("/organize/")
    assert page.status_code == 200
    assert "Your campaigns" in page.get_data(as_text=True)


def _strip_token(html: str) -> str:
    # The CSRF token and the echoed email differ by construction; everything else must not.
    return re.sub(r'value="[^"]*"', 'value=""', html)


def test_wrong_password_and_unknown_email_look_the_same(client, make_user, login):
    _, password = make_user(Role.ORGANIZER, email="ada@staff.example")
    wrong = login("ada@staff.example", password + "x")
    unknown = login("nobody@staff.example", password)
    assert wrong.status_code == unknown.status_code == 401
    assert _strip_token(wrong.get_data(as_text=True)) == _strip_token(unknown.get_data(as_text=True))
    assert "do not match an account" in wrong.get_data(as_text=True)
    assert client.get("/organize/").status_code == 302  # still logged out


def test_login_without_csrf_token_is_refused(client, make_user):
    _, password = make_user(Role.ORGANIZER, email="ada@staff.example")
    response = client.post("/login", data={"email": "ada@staff.example", "password": password})
    assert response.status_code == 400
    assert client.get("/organize/").status_code == 302


def test_session_cookie_is_secure_httponly_and_samesite(client, make_user, login):
    _, password = make_user(Role.ORGANIZER)
    response = login("user1@staff.example", password)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_is_post_only(client, make_user, login):
    _, password = make_user(Role.ORGANIZER)
    login("user1@staff.example", password)
    assert client.get("/logout").status_code == 405
    assert client.get("/organize/").status_code == 200


def test_a_cookie_saved_before_logout_is_refused_after(app, client, make_user, login):
    _, password = make_user(Role.ORGANIZER)
    login("user1@staff.example", password)
    saved = client.get_cookie("session").value
    page = client.get("/organize/")
    logout = client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert logout.status_code == 302
    assert client.get("/organize/").status_code == 302

    # An attacker who copied the cookie before logout replays it.
    replay = app.test_client()
    replay.set_cookie("session", saved, domain="localhost")
    response = replay.get("/organize/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_without_csrf_token_is_refused(client, make_user, login):
    _, password = make_user(Role.ORGANIZER)
    login("user1@staff.example", password)
    assert client.post("/logout").status_code == 400
    assert client.get("/organize/").status_code == 200


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/organize/campaigns/new", "/organize/campaigns/new"),
        ("https://evil.example/", "/organize/"),
        ("//evil.example/", "/organize/"),
        ("/\\evil.example", "/organize/"),
        ("javascript:alert(1)", "/organize/"),
        ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
    ],
)
def test_next_is_followed_only_as_a_local_path(client, make_user, target, expected):
    _, password = make_user(Role.ORGANIZER)
    response = post_form(client, "/login", {"email": "user1@staff.example", "password": password, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_redirect_carries_next_for_protected_pages(client):
    response = client.get("/organize/campaigns/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_disabled_account_cannot_log_in(app, client, make_user, login):
    from pledge.extensions import db

    user, password = make_user(Role.ORGANIZER)
    user.active = False
    db.session.commit()
    assert login("user1@staff.example", password).status_code == 401
