"""Security headers on every response: every route of the authorization matrix (as the visitor it
is meant for, so pages, JSON, downloads, redirects and refusals all count), plus 404, 405, 413, 429
and a forced 500 in production mode, which must show neither a traceback nor a debugger.
"""

from __future__ import annotations

import logging

import pytest

from tests.adversarial import kit
from tests.adversarial.routes import CASES, ROLES, fill

# What the CSP must say, directive by directive (docs/threat-model.md: strict CSP, no inline script).
REQUIRED_DIRECTIVES = {"default-src": ["'none'"], "script-src": ["'self'"], "frame-ancestors": ["'none'"]}
# Sources no directive may allow: they would let injected markup run or load from anywhere.
FORBIDDEN_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "blob:", "http:", "https:",
                     "'strict-dynamic'", "filesystem:"}
#: Blueprints whose every response is per-user (staff pages, signer verification answers).
PER_USER_BLUEPRINTS = {"auth", "organize", "trustee", "admin", "dev", "affiliation"}
#: API endpoints whose answers belong to one signer (a receipt, a withdrawal, a statement), and the manifest
#: (no-store like the rest of the affiliation flow it serves).
PER_USER_ENDPOINTS = {"api.submit", "api.withdraw", "api.receipt", "api.manifest", "api.statement", "api.statement_status"}
ONE_YEAR = 365 * 24 * 3600


def parse_csp(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response, *, per_user: bool, https: bool = False) -> list[str]:
    """What is missing or wrong in one response's headers."""
    problems = []
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    directives = parse_csp(csp)
    for name, sources in REQUIRED_DIRECTIVES.items():
        if directives.get(name) != sources:
            problems.append(f"CSP {name} is {directives.get(name)}, not {sources}")
    for name, sources in directives.items():
        if FORBIDDEN_SOURCES & {s.lower() for s in sources}:
            problems.append(f"CSP {name} allows {sorted(FORBIDDEN_SOURCES & set(sources))}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy") != "no-referrer":
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')!r}")
    if headers.get("X-Frame-Options") != "DENY":
        problems.append("no X-Frame-Options: DENY")
    if headers.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append("no Cross-Origin-Opener-Policy: same-origin")
    if headers.get("Cross-Origin-Resource-Policy") != "same-origin":
        problems.append("no Cross-Origin-Resource-Policy: same-origin")
    if per_user and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"per-user response with Cache-Control {headers.get('Cache-Control')!r}")
    hsts = headers.get("Strict-Transport-Security")
    if https:
        max_age = int(hsts.split("max-age=")[1].split(";")[0]) if hsts and "max-age=" in hsts else 0
        if max_age < ONE_YEAR:
            problems.append(f"over HTTPS, Strict-Transport-Security is {hsts!r}")
    elif hsts:
        problems.append("Strict-Transport-Security over plain HTTP")
    return problems


def test_the_judge_refuses_weak_policies():
    class Fake:
        def __init__(self, **headers):
            self.headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                            "X-Frame-Options": "DENY", "Cross-Origin-Opener-Policy": "same-origin",
                            "Cross-Origin-Resource-Policy": "same-origin", **headers}

    good = "default-src 'none'; script-src 'self'; frame-ancestors 'none'"
    assert header_problems(Fake(**{"Content-Security-Policy": good}), per_user=False) == []
    for weak in ("default-src 'self'; script-src 'self'; frame-ancestors 'none'",
                 "default-src 'none'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
                 "default-src 'none'; script-src 'self'; frame-ancestors 'none'; img-src *",
                 "default-src 'none'; script-src 'self'"):
        assert header_problems(Fake(**{"Content-Security-Policy": weak}), per_user=False), weak
    assert header_problems(Fake(**{"Content-Security-Policy": good}), per_user=True)


def _per_user(endpoint: str, role: str) -> bool:
    return role != "anon" or endpoint.split(".")[0] in PER_USER_BLUEPRINTS or endpoint in PER_USER_ENDPOINTS


def _role_for(case) -> str:
    """The visitor a route is meant for: someone it answers 200, else the first role listed."""
    return next((role for role in ROLES if case.expect[role] == 200), ROLES[0])


def test_every_route_answers_with_the_security_headers(app):
    kit.prepare(app)
    world = kit.build_world(app)
    clients, tokens = {}, {}
    for role in ROLES:
        clients[role] = app.test_client()
        if role != "anon":
            person = getattr(world, role)
            assert kit.login(clients[role], person.email, person.password).status_code == 302
        tokens[role] = kit.token_of(clients[role], "/" if role != "anon" else "/login")
    failures, seen = [], set()
    for case in CASES:
        role = _role_for(case)
        url = fill(case.url, world)
        client = clients[role]
        if case.method == "GET":
            response = client.get(url)
        elif case.json is not None:
            response = client.post(url, json=case.json)
        else:
            response = client.post(url, data={**case.data, "csrf_token": tokens[role]})
        with response:
            seen.add(case.endpoint)
            for problem in header_problems(response, per_user=_per_user(case.endpoint, role)):
                failures.append(f"{case.method} {url} as {role} ({response.status_code}): {problem}")
    assert seen == {rule.endpoint for rule in app.url_map.iter_rules()}
    assert failures == [], "\n".join(failures)


def test_public_pages_for_a_logged_in_visitor_are_not_cached_either(app):
    kit.prepare(app)
    world = kit.build_world(app)
    client = app.test_client()
    assert kit.login(client, world.owner.email, world.owner.password).status_code == 302
    for url in ("/", f"/campaigns/{world.launched.slug}", f"/api/campaigns/{world.launched.slug}"):
        assert header_problems(client.get(url), per_user=True) == [], url


def test_errors_carry_the_headers_and_api_errors_are_json(app, client):
    kit.prepare(app)
    cases = [
        ("GET", "/no-such-page", 404, False), ("GET", "/api/no-such-thing", 404, True),
        ("GET", "/logout", 405, False), ("PUT", "/login", 405, False), ("GET", "/api/verify/start", 405, True),
        ("DELETE", "/api/campaigns/x/entries", 405, True),
    ]
    for method, url, status, is_api in cases:
        response = client.open(url, method=method)
        assert response.status_code == status, (method, url, response.status_code)
        assert header_problems(response, per_user=False) == [], (method, url)
        if is_api:
            assert response.is_json and response.get_json()["error"] in ("not_found", "method_not_allowed")
        else:
            assert response.mimetype == "text/html" and "<title>" in response.get_data(as_text=True)


def test_strict_transport_security_only_over_https(app):
    kit.prepare(app)
    secure = app.test_client()
    for url in ("/", "/login", "/about", "/api/no-such-thing", "/static/css/pledge.css", "/organize/"):
        with secure.get(url, base_url="https://localhost") as response:
            assert header_problems(response, per_user=False, https=True) == [], url
        with secure.get(url) as response:
            assert "Strict-Transport-Security" not in response.headers, url


def test_bodies_over_the_limit_are_refused_with_413(app, client):
    kit.prepare(app)
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 16 * 1024 * 1024
    big = b"{" + b" " * (limit + 1) + b"}"
    response = client.post("/api/verify/start", data=big, content_type="application/json")
    assert response.status_code == 413 and response.is_json and response.get_json()["error"] == "too_large"
    assert header_problems(response, per_user=True) == []
    response = client.post("/login", data={"email": "x" * (limit + 1), "password": "y"})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert header_problems(response, per_user=True) == []


def test_rate_limited_answers_carry_the_headers(app_factory):
    application = app_factory()
    client = application.test_client()
    per, _ = application.config["RATELIMIT_LOGIN_PER_CLIENT"]
    with application.app_context():
        token = kit.token_of(client, "/login")
        for _ in range(per):
            client.post("/login", data={"email": "nobody@staff.example", "password": "wrong password", "csrf_token": token})
        response = client.post("/login", data={"email": "nobody@staff.example", "password": "x", "csrf_token": token})
    assert response.status_code == 429 and response.headers.get("Retry-After")
    assert header_problems(response, per_user=True) == []


CANARY = "canary-ada.lovelace@anthropic.com-Z9"


@pytest.fixture
def production(app_factory):
    """A production-mode app with two routes that fail, registered before its first request."""
    application = app_factory(PLEDGE_ENV="production")

    def boom():
        raise RuntimeError(f"failed while handling {CANARY}")

    application.add_url_rule("/boom", "boom", boom)
    application.add_url_rule("/api/boom", "api_boom", boom)
    return application


def test_a_crash_in_production_shows_the_site_s_error_page_and_nothing_of_the_crash(production, caplog):
    assert production.debug is False and production.config["TESTING"] is False
    client = production.test_client()
    with caplog.at_level(logging.DEBUG):
        page = client.get("/boom")
        api = client.get("/api/boom")
    body = page.get_data(as_text=True)
    assert page.status_code == 500 and "Something went wrong" in body
    for leak in ("Traceback", "RuntimeError", CANARY, "Werkzeug", "__debugger__", "werkzeug/debug", ".py\"", "/pledge/"):
        assert leak not in body, leak
    assert header_problems(page, per_user=False) == []
    assert api.status_code == 500 and api.get_json()["error"] == "server_error"
    assert set(api.get_json()) == {"error", "message"} and CANARY not in api.get_data(as_text=True)
    assert header_problems(api, per_user=False) == []
    # The log names the failure's type and route, never what the request carried.
    assert all(CANARY not in record.getMessage() for record in caplog.records)
    assert any("RuntimeError" in record.getMessage() for record in caplog.records)


def test_production_has_no_debugger_to_reach(production):
    client = production.test_client()
    for url in ("/?__debugger__=yes&cmd=resource&f=debugger.js", "/console", "/boom?__debugger__=yes&cmd=printpin&s=x"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 404, 500), url
        for sign in ("Werkzeug Debugger", "CONSOLE_MODE", "EVALEX", "debugger.js", "Traceback"):
            assert sign not in body, (url, sign)
        assert header_problems(response, per_user=False) == [], url
