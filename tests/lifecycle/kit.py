"""Helpers for the full-lifecycle tests: people acting through the site with Flask test clients
(organizer, trustees), and trustees doing every step of theirs with the real ``pledge-trustee``
tool on files they download from, and upload to, the trustee pages."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, has_app_context

from pledge.extensions import db
from pledge_tools.trustee.cli import main as pledge_trustee
from tests.kit.forms import csrf_from
from tests.mailsink import MailSink, first_link
from tests.review_kit import approve

#: The trustees' passphrase (the tool reads it from PLEDGE_TRUSTEE_PASSPHRASE in tests).
PASSPHRASE = "correct horse battery staple"
TRUSTEE_PASSWORD = "trustee password 123"


def tool(*args: object) -> int:
    """``pledge-trustee ARGS`` in-process; its exit code."""
    return pledge_trustee([str(a) for a in args])


class WebUser:
    """One person's browser session, as a Flask test client.

    The test thread keeps an application context pushed, and Flask lets test-client requests
    reuse it, so ``g`` (Flask-Login's cached user, Flask-WTF's CSRF token) and the database
    session would carry over from another person's request: both are reset before each request.
    """

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self.email = ""

    @staticmethod
    def _fresh() -> None:
        if has_app_context():
            for cached in ("_login_user", "csrf_token"):
                g.pop(cached, None)
            db.session.rollback()  # no read snapshot older than another writer's commit

    def get(self, path: str, **kwargs):
        self._fresh()
        return self.client.get(path, **kwargs)

    def post_form(self, page: str, data: dict, action: str | None = None):
        """GET ``page`` for a CSRF token, then POST ``data`` to ``action`` (default: ``page``)."""
        token = csrf_from(self.get(page).get_data(as_text=True))
        self._fresh()
        return self.client.post(action or page, data={**data, "csrf_token": token})

    def upload(self, action: str, path: Path, page: str = "/trustee/"):
        """POST the file at ``path`` as the form's ``file`` field (CSRF token from ``page``)."""
        token = csrf_from(self.get(page).get_data(as_text=True))
        self._fresh()
        return self.client.post(action, data={"file": (io.BytesIO(path.read_bytes()), path.name), "csrf_token": token},
                                content_type="multipart/form-data")

    def login(self, email: str, password: str) -> None:
        response = self.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[-800:]
        self.email = email


def redirected(response, to: str | None = None) -> str:
    """Assert a 302 (optionally to a path containing ``to``); return the target path."""
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    location = urlsplit(response.headers["Location"]).path
    if to is not None:
        assert to in location, location
    return location


def create_draft(organizer: WebUser, *, title: str, lab_ids: list[int], min_total: int, min_per_lab: int,
                 min_labs: int, t: int, n: int, deadline: datetime, conditions: list[str]) -> int:
    """The organizer writes a draft and its conditions through the organize pages; its id."""
    response = organizer.post_form("/organize/campaigns/new", {
        "title": title, "slug": "", "pledge_text": f"I will withhold my work unless my lab meets the conditions of *{title}*.",
        "labs": [str(i) for i in lab_ids], "min_total": str(min_total), "min_per_lab": str(min_per_lab),
        "min_labs": str(min_labs), "deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "trustee_count": str(n),
        "trustee_quorum": str(t), "suppress_below": "5", "batch_interval_seconds": "3600",
    })
    location = redirected(response, "/conditions")
    campaign_id = int(re.search(r"/campaigns/(\d+)/conditions", location).group(1))
    for text in conditions:
        redirected(organizer.post_form(location, {"text": text}), "/conditions")
    return campaign_id


@dataclass
class Desk:
    """One trustee: their seat, their session on the site, and the folder of their files."""

    seat: int
    name: str
    email: str
    web: WebUser
    folder: Path

    @property
    def key(self) -> Path:
        return self.folder / "trustee.key"

    @property
    def share(self) -> Path:
        return self.folder / "share.json"

    def download(self, path: str, target: str) -> Path:
        response = self.web.get(path)
        assert response.status_code == 200, (path, response.status_code)
        out = self.folder / target
        out.write_bytes(response.get_data())
        return out


def run_ceremony(app: Flask, sink: MailSink, organizer: WebUser, campaign_id: int,
                 people: list[tuple[str, str]], folder: Path) -> list[Desk]:
    """Invite, accept, ``init``, register keys, freeze, ``deal``, ``finish``, launch: every trustee
    step through the trustee pages with the real tool. Needs PLEDGE_TRUSTEE_PASSPHRASE set."""
    trustees_page = f"/organize/campaigns/{campaign_id}/trustees"
    for name, email in people:
        redirected(organizer.post_form(trustees_page, {"name": name, "email": email}), "/trustees")

    desks = []
    for name, email in people:
        message = sink.wait_for(email, "invited to be a Pledge trustee")
        seat = int(re.search(r"invited to be trustee (\d+) of", message.body).group(1))
        web = WebUser(app)
        invitation = urlsplit(first_link(message.body)).path
        accepted = web.post_form(invitation, {"password": TRUSTEE_PASSWORD, "confirm": TRUSTEE_PASSWORD})
        redirected(accepted, f"/trustee/campaigns/{campaign_id}/keys")
        desk = Desk(seat, name, email, web, folder / f"trustee-{seat}")
        desk.folder.mkdir()
        # Keys are made offline; only the public half is uploaded.
        assert tool("init", "--name", name, "--out", desk.key, "--kdf", "interactive") == 0
        keys_page = f"/trustee/campaigns/{campaign_id}/keys"
        redirected(web.upload(keys_page, desk.folder / "trustee.key.pub.json", page=keys_page), "/trustee/")
        desks.append(desk)

    with app.app_context():
        approve(campaign_id)
    redirected(organizer.post_form(trustees_page, {}, action=f"/organize/campaigns/{campaign_id}/freeze"), "/trustees")
    for desk in desks:
        sink.wait_for(desk.email, "please post your deal")
        package = desk.download(f"/trustee/campaigns/{campaign_id}/ceremony.json", "ceremony.json")
        assert tool("deal", "--key", desk.key, "--package", package, "--out", desk.folder / "deal.json") == 0
        redirected(desk.web.upload(f"/trustee/campaigns/{campaign_id}/deal", desk.folder / "deal.json"), "/trustee/")

    for desk in desks:
        board = desk.download(f"/trustee/campaigns/{campaign_id}/board.json", "board.json")
        assert tool("finish", "--key", desk.key, "--package", desk.folder / "ceremony.json", "--board", board,
                    "--share-out", desk.share, "--out", desk.folder / "result.json", "--kdf", "interactive") == 0
        redirected(desk.web.upload(f"/trustee/campaigns/{campaign_id}/result", desk.folder / "result.json"), "/trustee/")

    sink.wait_for(organizer.email, "ready to launch")
    redirected(organizer.post_form(trustees_page, {}, action=f"/organize/campaigns/{campaign_id}/launch"), "/campaigns/")
    return sorted(desks, key=lambda d: d.seat)


def decrypt_round(desk: Desk, campaign_id: int, number: int):
    """Download round ``number``, run ``pledge-trustee decrypt`` on it, upload the partials;
    returns the upload's response (a redirect to the dashboard when accepted)."""
    package = desk.download(f"/trustee/campaigns/{campaign_id}/rounds/{number}/round.json", f"round-{number}.json")
    partials = desk.folder / f"partials-{number}.json"
    assert tool("decrypt", "--key", desk.key, "--share", desk.share, "--package", package, "--out", partials) == 0
    return desk.web.upload(f"/trustee/campaigns/{campaign_id}/rounds/{number}/partials", partials)


def flashes(web: WebUser, path: str = "/trustee/") -> str:
    """The page at ``path`` (its flashed messages included), whitespace collapsed."""
    return " ".join(web.get(path).get_data(as_text=True).split())


def witness_latest(app: Flask, desks: list[Desk], slug: str, ctx: bytes, at: int) -> list[str]:
    """Every trustee runs ``pledge-witness check`` against the live site with its clock at ``at``
    (Unix seconds), as each would on their own machine; returns their output lines."""
    from contextlib import redirect_stdout

    from pledge_tools.witness import cli as witness_cli
    from tests.browser import live_server

    lines: list[str] = []
    real_clock = witness_cli.clock
    witness_cli.clock = lambda: at
    try:
        with live_server(app) as url:
            for desk in desks:
                out = io.StringIO()
                state = desk.folder / "witness-state.json"
                pinned = [] if state.exists() else ["--ctx", ctx.hex()]
                with redirect_stdout(out):
                    code = witness_cli.main(["check", "--server", url, "--campaign", slug, "--key", str(desk.key),
                                             "--state", str(state), *pinned])
                assert code == 0, (desk.seat, out.getvalue())
                lines.append(out.getvalue().strip())
    finally:
        witness_cli.clock = real_clock
    return lines
