"""Every route × every kind of visitor: anonymous, organizer A (who owns the campaigns), organizer
B, a trustee seated on A's launched campaign, and an admin.

A new route fails ``test_every_route_has_a_row`` until it gets a row in tests/adversarial/routes.py.
Each role runs in a fresh world (see ``kit.build_world``); POSTs carry the role's own valid CSRF
token, so what refuses them is the authorization check, not CSRF. Refused roles must change nothing at all.
"""

from __future__ import annotations

import pytest

from pledge.extensions import db
from tests.adversarial import kit
from tests.adversarial.routes import CASES, DEVELOPMENT_ONLY, ROLES, Case, fill


@pytest.fixture
def world(app):
    kit.prepare(app)
    return kit.build_world(app)


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    covered = {case.endpoint for case in CASES}
    assert endpoints - covered == set(), "add these routes to CASES in tests/adversarial/test_authorization_matrix.py"
    assert covered - endpoints == set(), "CASES names routes that no longer exist"
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(c.endpoint == rule.endpoint and c.method == method for c in CASES), (rule.endpoint, method)


def test_every_row_requests_the_route_it_names(app, world):
    adapter = app.url_map.bind("localhost")
    for case in CASES:
        endpoint, _ = adapter.match(fill(case.url, world).split("?")[0], method=case.method)  # the path, not the query
        assert endpoint == case.endpoint, (case.url, endpoint)


def test_development_adds_only_the_mailbox(app_factory, app):
    development = app_factory(PLEDGE_ENV="development")
    production = app_factory(PLEDGE_ENV="production")
    testing = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {rule.endpoint for rule in development.url_map.iter_rules()} - testing == DEVELOPMENT_ONLY
    assert {rule.endpoint for rule in production.url_map.iter_rules()} == testing
    assert production.test_client().get("/dev/mail").status_code == 404


def _client_for(app, world: kit.World, role: str):
    client = app.test_client()
    if role != "anon":
        person = getattr(world, role)
        assert kit.login(client, person.email, person.password).status_code == 302
        token = kit.token_of(client, "/")
    else:
        token = kit.token_of(client, "/login")
    return client, token


def _send(client, case: Case, url: str, token: str):
    if case.method == "GET":
        return client.get(url)
    if case.json is not None:
        return client.post(url, json=case.json)
    return client.post(url, data={**case.data, "csrf_token": token})


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_it_may(app, world, role):
    client, token = _client_for(app, world, role)
    before = kit.snapshot()
    wrong, leaks = [], []
    for case in CASES:
        if case.endpoint == "auth.logout" and role in ("anon", "other", "trustee"):
            # Refused roles must not have changed anything, up to here.
            assert kit.differences(before, kit.snapshot()) == [], f"{role} changed the database"
        url = fill(case.url, world)
        with _send(client, case, url, token) as response:
            body = response.get_data(as_text=True)
        expected = case.expect[role]
        if response.status_code != expected:
            wrong.append(f"{case.method} {url} ({case.endpoint}): {response.status_code}, expected {expected}")
        if response.status_code in (403, 404) and (kit.DRAFT_TITLE in body or kit.OTHER_TITLE in body):
            leaks.append(f"{case.method} {url}: a refusal names a private draft")
        if (role == "anon" and response.status_code == 302
                and case.endpoint.split(".")[0] in ("organize", "trustee", "admin")
                and not response.headers["Location"].startswith("/login")):
            wrong.append(f"{case.method} {url}: anonymous sent to {response.headers['Location']}, not to login")
    assert wrong == [] and leaks == [], "\n".join(wrong + leaks)
    # After logging out, the same cookie opens no staff page.
    db.session.rollback()
    assert client.get("/organize/").status_code == 302
    assert client.get("/trustee/").status_code == 302


def test_organizer_b_sees_only_b_s_campaigns_on_the_dashboard(app, world):
    client, _ = _client_for(app, world, "other")
    page = client.get("/organize/").get_data(as_text=True)
    assert kit.OTHER_TITLE in page and kit.DRAFT_TITLE not in page and world.launched.title not in page
    admin, _ = _client_for(app, world, "admin")
    page = admin.get("/organize/").get_data(as_text=True)
    assert kit.OTHER_TITLE in page and kit.DRAFT_TITLE in page and world.launched.title in page


def test_a_trustee_dashboard_lists_only_the_trustee_s_own_seats(app, world):
    client, _ = _client_for(app, world, "trustee")
    page = client.get("/trustee/").get_data(as_text=True)
    assert world.launched.title in page
    assert kit.DRAFT_TITLE not in page and kit.OTHER_TITLE not in page and world.open.title not in page
