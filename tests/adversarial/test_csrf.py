"""CSRF: every POST route of the staff blueprints refuses a request without a token, and one
carrying another session's token (what an attacker's page can embed: a token valid for the
attacker's own session), with 400, and changes nothing: no row, no email. The same request with
the victim's own token then goes through, so the refusal was the CSRF check.

The signer's JSON APIs under /api/ carry no token by design: they read no cookie, so there is no
ambient authority to forge. What stands in for the token is that they accept only
``application/json``, which no cross-site form can send; they set no cookie and grant no CORS.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crypto.formats import messages as trustee_messages
from crypto.formats.files import SignedStatement, destroy_confirmation_doc
from crypto.hashing import canonical_json
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import (
    Campaign,
    CampaignReport,
    CampaignState,
    CeremonyDeal,
    DestroyConfirmation,
    Lab,
    RoundPartials,
    TranscriptSignature,
    User,
    utcnow,
)
from pledge.services import ceremony, review
from tests.adversarial import kit
from tests.ceremony_kit import FakeTrustee
from tests.mailsink import MailSink
from tests.review_kit import approve

STAFF_BLUEPRINTS = ("auth", "organize", "trustee", "admin", "dev")
# Every staff POST route; a new one fails test_every_staff_post_route_is_attempted until added.
ATTEMPTED_ENDPOINTS = (
    "auth.login", "auth.logout", "trustee.invitation", "organize.new_campaign", "organize.edit_campaign",
    "organize.conditions", "organize.edit_condition", "organize.move_condition", "organize.delete_condition",
    "organize.trustees", "organize.reinvite_trustee", "organize.remove_trustee", "organize.freeze",
    "organize.allow_organizer_trustee", "organize.outcomes_page", "trustee.keys", "trustee.upload_deal",
    "trustee.upload_result", "trustee.upload_answer", "organize.replace_trustee", "organize.launch", "trustee.upload_partials",
    "trustee.upload_destroyed", "organize.freeze_confirm", "organize.launch_confirm", "organize.submit_review",
    "organize.take_back", "admin.new_lab", "admin.lab", "admin.approve_campaign",
    "admin.refuse_campaign", "admin.takedown_campaign",
    "admin.report_handled",
)


@dataclass
class Attempt:
    """A POST that would succeed with the actor's own token."""

    endpoint: str
    actor: str  # anon, owner, trustee, admin
    url: str
    data: dict = field(default_factory=dict)
    upload: bytes | None = None
    # After the control request (own token): did it take effect?
    took_effect: Callable[[], bool] | None = None


@pytest.fixture
def sink(app, tmp_path):
    mail = MailSink(tmp_path / "mail")
    app.config["MAIL_PORT"] = mail.port
    yield mail
    mail.stop()


def deadline_text(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def campaign_form(world, **overrides) -> dict:
    data = {"title": "A campaign from a forged form", "slug": "", "pledge_text": "Forged.",
            "labs": [str(world.labs["anthropic"].id)], "min_total": "10", "min_per_lab": "0", "min_labs": "0",
            "deadline": deadline_text(), "trustee_count": "3", "trustee_quorum": "2", "suppress_below": "5",
            "batch_interval_seconds": "3600"}
    data.update(overrides)
    return data


@pytest.fixture
def scene(app, sink):
    """The world, plus campaigns where each trustee and ceremony step is one valid POST away."""
    kit.prepare(app)
    world = kit.build_world(app)
    owner = world.owner.user
    t1 = world.people[0]
    # A draft whose three seats hold keys: freezing it is valid.
    ready = kit.insert_campaign(owner, world.labs, title="Ready to freeze", lab_slugs=("anthropic",))
    kit.seat_people(ready, [FakeTrustee(f"R{i}", f"r{i}@trustees.example") for i in (1, 2, 3)])
    approve(ready.id)
    # The same, frozen through the confirmation page.
    confirmed = kit.insert_campaign(owner, world.labs, title="Ready to freeze after confirming", lab_slugs=("anthropic",))
    kit.seat_people(confirmed, [FakeTrustee(f"Q{i}", f"q{i}@trustees.example") for i in (1, 2, 3)])
    approve(confirmed.id)
    # A frozen campaign where trustee 1 (the world's trustee) has a deal to post, then a result,
    # and the organizer then launches.
    people = [FakeTrustee("Trustee 1", t1.email), FakeTrustee("C2", "c2@trustees.example"),
              FakeTrustee("C3", "c3@trustees.example")]
    frozen = kit.insert_campaign(owner, world.labs, title="In ceremony", lab_slugs=("anthropic",))
    frozen_seats = kit.seat_people(frozen, people)
    kit.freeze(app, frozen)
    kit.post_deals(frozen, people, frozen_seats, skip=(1,))
    # A frozen campaign where trustee 1 is accused (falsely) and has its answer to post.
    accused_people = [FakeTrustee("Trustee 1", t1.email), FakeTrustee("D2", "d2@trustees.example"),
                      FakeTrustee("D3", "d3@trustees.example")]
    accused = kit.insert_campaign(owner, world.labs, title="Accused", lab_slugs=("anthropic",))
    accused_seats = kit.seat_people(accused, accused_people)
    kit.freeze(app, accused)
    kit.post_deals(accused, accused_people, accused_seats)
    with write_intent():
        ceremony.submit_result(db.session, accused, accused_seats[1], accused_people[1].complaint_file(
            accused.ctx, 2, 1, "feldman-check-failed"), utcnow())
        db.session.commit()
    answer_file = accused_people[0].answer_file(accused.ctx, 1, 2, accused_people[1].public.x25519)
    # A draft where trustee 1 accepted a seat but has not registered keys.
    keyless = kit.insert_campaign(owner, world.labs, title="Keys to register", lab_slugs=("anthropic",))
    kit.seat_people(keyless, [FakeTrustee("Trustee 1", t1.email)], keys=False)
    # An expired campaign whose share trustee 1 confirms destroying.
    expired_people = [FakeTrustee("Trustee 1", t1.email), FakeTrustee("E2", "e2@trustees.example")]
    expired, expired_seats = kit.launched_campaign(app, owner, world.labs, expired_people, lab_slugs=("anthropic",),
                                                   title="Expired")
    with write_intent():
        expired.state = CampaignState.EXPIRED
        db.session.commit()
    destroy = trustee_messages.sign(expired_people[0].seed, trustee_messages.destroy_message(expired.ctx, 1))
    destroy_file = canonical_json(destroy_confirmation_doc(SignedStatement(expired.ctx, 1, destroy)))
    # Review, takedown and reports: two submitted drafts, an open campaign and a report.
    to_approve = kit.insert_campaign(owner, world.labs, title="To approve")
    to_refuse = kit.insert_campaign(owner, world.labs, title="To refuse")
    to_take_down = kit.insert_campaign(owner, world.labs, title="To take down", state=CampaignState.OPEN)
    with write_intent():
        for campaign in (to_approve, to_refuse):
            review.submit(db.session, campaign, utcnow())
        report = CampaignReport(campaign_id=to_take_down.id, reason="spam", message="Spam.", received_at=utcnow())
        db.session.add(report)
        db.session.commit()
    world.extra.update(to_approve=to_approve, to_refuse=to_refuse, to_take_down=to_take_down, report=report)
    world.extra.update(accused=accused, answer_file=answer_file)
    world.extra.update(ready=ready, confirmed=confirmed, frozen=frozen, frozen_people=people, frozen_seats=frozen_seats,
                       keyless=keyless,
                       expired=expired, destroy_file=destroy_file)
    return world


def attempts(world) -> list[Attempt]:
    """One valid POST per staff route, in an order where each control leaves the next valid."""
    x = world.extra
    draft, conditions = world.draft, world.draft.conditions
    frozen, keyless, launched = x["frozen"], x["keyless"], world.launched

    def campaign_titled(title):
        return lambda: any(c.title == title for c in _campaigns())

    return [
        Attempt("auth.login", "anon", "/login", {"email": world.owner.email, "password": world.owner.password}),
        Attempt("trustee.invitation", "anon", f"/trustee/invitations/{world.invitation_secret}",
                {"password": "a long enough password", "confirm": "a long enough password"},
                took_effect=lambda: _user_exists("invited@trustees.example")),
        Attempt("organize.new_campaign", "owner", "/organize/campaigns/new", campaign_form(world),
                took_effect=campaign_titled("A campaign from a forged form")),
        Attempt("organize.edit_campaign", "owner", f"/organize/campaigns/{draft.id}/edit",
                campaign_form(world, title="Edited by a forged form", slug=draft.slug),
                took_effect=lambda: _refreshed(draft).title == "Edited by a forged form"),
        Attempt("organize.conditions", "owner", f"/organize/campaigns/{draft.id}/conditions", {"text": "Forged condition"},
                took_effect=lambda: "Forged condition" in [c.text for c in _refreshed(draft).conditions]),
        Attempt("organize.edit_condition", "owner", f"/organize/campaigns/{draft.id}/conditions/{conditions[0].id}",
                {"text": "Rewritten by a forged form"},
                took_effect=lambda: "Rewritten by a forged form" in [c.text for c in _refreshed(draft).conditions]),
        Attempt("organize.move_condition", "owner", f"/organize/campaigns/{draft.id}/conditions/{conditions[2].id}/move",
                {"direction": "up"}),
        Attempt("organize.delete_condition", "owner", f"/organize/campaigns/{draft.id}/conditions/{conditions[1].id}/delete"),
        Attempt("organize.trustees", "owner", f"/organize/campaigns/{draft.id}/trustees",
                {"name": "Planted Trustee", "email": "planted@evil.example"},
                took_effect=lambda: "planted@evil.example" in [t.email for t in _refreshed(draft).trustees]),
        Attempt("organize.reinvite_trustee", "owner", f"/organize/campaigns/{draft.id}/trustees/reinvite", {"seat": "1"}),
        Attempt("organize.remove_trustee", "owner", f"/organize/campaigns/{draft.id}/trustees/remove", {"seat": "1"},
                took_effect=lambda: 1 not in [t.seat for t in _refreshed(draft).trustees]),
        Attempt("organize.freeze", "owner", f"/organize/campaigns/{x['ready'].id}/freeze",
                took_effect=lambda: _refreshed(x["ready"]).state == CampaignState.CEREMONY),
        Attempt("organize.freeze_confirm", "owner", f"/organize/campaigns/{x['confirmed'].id}/freeze/confirm",
                {"understand": "y"}, took_effect=lambda: _refreshed(x["confirmed"]).state == CampaignState.CEREMONY),
        Attempt("organize.allow_organizer_trustee", "admin", f"/organize/campaigns/{draft.id}/allow-organizer-trustee",
                took_effect=lambda: _refreshed(draft).organizer_may_be_trustee),
        Attempt("organize.outcomes_page", "owner", f"/organize/campaigns/{launched.id}/outcomes",
                {"update-title": "Forged update", "update-body": "Forged.", "update-submit": "1"}),
        Attempt("trustee.keys", "trustee", f"/trustee/campaigns/{keyless.id}/keys",
                {"pasted": FakeTrustee("Trustee 1", world.people[0].email).public_file().decode()},
                took_effect=lambda: all(t.has_keys for t in _refreshed(keyless).trustees)),
        Attempt("trustee.upload_deal", "trustee", f"/trustee/campaigns/{frozen.id}/deal",
                upload=_deal_of(x), took_effect=lambda: _exists(CeremonyDeal, (frozen.id, 1))),
        Attempt("trustee.upload_result", "trustee", f"/trustee/campaigns/{frozen.id}/result", upload=b"",
                took_effect=lambda: _exists(TranscriptSignature, (frozen.id, 1))),
        Attempt("trustee.upload_answer", "trustee", f"/trustee/campaigns/{x['accused'].id}/answer",
                upload=x["answer_file"], took_effect=lambda: len(_refreshed(x["accused"]).trustees) == 2),
        Attempt("organize.replace_trustee", "owner", f"/organize/campaigns/{frozen.id}/trustees/2/replace"),
        Attempt("organize.launch", "owner", f"/organize/campaigns/{frozen.id}/launch",
                took_effect=lambda: _refreshed(frozen).state == CampaignState.OPEN),
        # Already launched by the control above: the confirmed launch is refused with a message.
        Attempt("organize.launch_confirm", "owner", f"/organize/campaigns/{frozen.id}/launch/confirm",
                {"understand": "y"}),
        Attempt("trustee.upload_partials", "trustee", f"/trustee/campaigns/{launched.id}/rounds/1/partials",
                upload=kit.partials_file(launched, world.people[0], world.seats[0], 1),
                took_effect=lambda: _exists(RoundPartials, (launched.id, 1, 1))),
        Attempt("trustee.upload_destroyed", "trustee", f"/trustee/campaigns/{x['expired'].id}/destroyed",
                upload=x["destroy_file"],
                took_effect=lambda: _exists(DestroyConfirmation, (x["expired"].id, 1))),
        Attempt("organize.submit_review", "owner", f"/organize/campaigns/{draft.id}/submit",
                took_effect=lambda: _refreshed(draft).submitted_at is not None),
        Attempt("organize.take_back", "owner", f"/organize/campaigns/{draft.id}/take-back",
                took_effect=lambda: _refreshed(draft).submitted_at is None),
        Attempt("admin.new_lab", "admin", "/admin/labs/new",
                {"slug": "forged-lab", "name": "Forged Lab", "domains": "forged-lab.example"},
                took_effect=lambda: _lab_domains("forged-lab") == ["forged-lab.example"]),
        Attempt("admin.lab", "admin", "/admin/labs/forged-lab", {"name": "Forged Lab", "domains": "forged.example"},
                took_effect=lambda: _lab_domains("forged-lab") == ["forged.example"]),
        Attempt("admin.approve_campaign", "admin", f"/admin/review/{x['to_approve'].id}/approve",
                took_effect=lambda: _refreshed(x["to_approve"]).approved_at is not None),
        Attempt("admin.refuse_campaign", "admin", f"/admin/review/{x['to_refuse'].id}/refuse", {"note": "Forged note."},
                took_effect=lambda: _refreshed(x["to_refuse"]).review_note == "Forged note."),
        Attempt("admin.takedown_campaign", "admin", f"/admin/campaigns/{x['to_take_down'].id}/takedown",
                {"notice": "Forged notice."},
                took_effect=lambda: _refreshed(x["to_take_down"]).state == CampaignState.TAKEN_DOWN),
        Attempt("admin.report_handled", "admin", f"/admin/reports/{x['report'].id}/handled",
                took_effect=lambda: _exists_handled(x["report"].id)),
        Attempt("auth.logout", "owner", "/logout"),
    ]


def _lab_domains(slug: str) -> list[str] | None:
    db.session.rollback()
    lab = db.session.scalar(select(Lab).where(Lab.slug == slug))
    return lab.domain_names if lab is not None else None


def _campaigns():
    db.session.rollback()
    return list(db.session.scalars(select(Campaign)))


def _user_exists(email: str) -> bool:
    db.session.rollback()
    return db.session.scalar(select(User).where(User.email == email)) is not None


def _refreshed(campaign):
    db.session.rollback()
    db.session.refresh(campaign)
    return campaign


def _exists_handled(report_id: int) -> bool:
    db.session.rollback()
    report = db.session.get(CampaignReport, report_id)
    return report is not None and report.handled_at is not None


def _deal_of(x) -> bytes:
    """Trustee 1's honest deal for the frozen campaign (computed before any request)."""
    return x["frozen_people"][0].deal_file(ceremony.ceremony_package(x["frozen"]), 1)


def _exists(model, key) -> bool:
    db.session.rollback()
    return db.session.get(model, key) is not None


def _result_of(x) -> bytes:
    """Trustee 1's transcript signature, once every deal is on the board."""
    frozen = x["frozen"]
    return x["frozen_people"][0].finish_file(ceremony.ceremony_package(frozen), ceremony.board_file(db.session, frozen), 1)


def _post(client, attempt: Attempt, token: str | None, upload: bytes | None):
    data = dict(attempt.data)
    if token is not None:
        data["csrf_token"] = token
    if upload is not None:
        data["file"] = (io.BytesIO(upload), "upload.json")
        return client.post(attempt.url, data=data, content_type="multipart/form-data")
    return client.post(attempt.url, data=data)


def test_every_staff_post_route_is_attempted(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS}
    assert posts == set(ATTEMPTED_ENDPOINTS), "add an Attempt for each new staff POST route"


def test_posts_without_a_token_or_with_another_session_s_token_are_refused_and_change_nothing(app, scene, sink):
    world = scene
    clients, tokens = {}, {}
    for actor in ("owner", "trustee", "admin", "other"):
        person = getattr(world, actor)
        clients[actor] = app.test_client()
        assert kit.login(clients[actor], person.email, person.password).status_code == 302
        tokens[actor] = kit.token_of(clients[actor], "/")
    clients["anon"] = app.test_client()
    tokens["anon"] = kit.token_of(clients["anon"], "/login")
    stranger = app.test_client()
    foreign = dict.fromkeys(clients, tokens["other"]) | {"anon": kit.token_of(stranger, "/login")}

    planned = attempts(world)
    assert {a.endpoint for a in planned} == set(ATTEMPTED_ENDPOINTS)
    failures = []
    for attempt in planned:
        client = clients[attempt.actor]
        if attempt.actor == "anon":  # each anonymous attempt comes from a browser of its own
            client = clients["anon"] = app.test_client()
            tokens["anon"] = kit.token_of(client, "/login")
        upload = attempt.upload
        if attempt.endpoint == "trustee.upload_result":
            upload = _result_of(world.extra)  # the board is complete once the previous control posted the deal
        before, mails = kit.snapshot(), len(sink.messages())
        for label, token in (("no token", None), ("another session's token", foreign[attempt.actor])):
            with _post(client, attempt, token, upload) as response:
                body = response.get_data(as_text=True)
            if response.status_code != 400 or kit.CSRF_REFUSAL not in body:
                failures.append(f"{attempt.endpoint} with {label}: {response.status_code}")
        changed = kit.differences(before, kit.snapshot())
        if changed:
            failures.append(f"{attempt.endpoint}: a refused request changed {changed}")
        if len(sink.messages()) != mails:
            failures.append(f"{attempt.endpoint}: a refused request sent email")
        # Control: the victim's own token passes the CSRF check and the action happens.
        with _post(client, attempt, tokens[attempt.actor], upload) as response:
            body = response.get_data(as_text=True)
        if kit.CSRF_REFUSAL in body or response.status_code >= 400:
            failures.append(f"{attempt.endpoint} with its own token: {response.status_code} (control failed)")
        elif attempt.took_effect is not None and not attempt.took_effect():
            failures.append(f"{attempt.endpoint} with its own token: no effect (control failed)")
        if attempt.endpoint == "trustee.upload_result":
            kit.post_results(world.extra["frozen"], world.extra["frozen_people"], world.extra["frozen_seats"], skip=(1,))
    assert failures == [], "\n".join(failures)


def test_a_refused_login_logs_nobody_in_and_a_refused_logout_logs_nobody_out(app, scene):
    world = scene
    victim = app.test_client()
    response = victim.post("/login", data={"email": world.owner.email, "password": world.owner.password})
    assert response.status_code == 400 and victim.get("/organize/").status_code == 302
    assert kit.login(victim, world.owner.email, world.owner.password).status_code == 302
    assert victim.post("/logout").status_code == 400
    assert victim.get("/organize/").status_code == 200


# --- the cookie-less JSON APIs -----------------------------------------------------------------

def cross_site_bodies() -> dict[str, dict]:
    """What a form on another site can POST without a preflight (fresh streams each call)."""
    return {
        "form": {"data": {"email": "ada@anthropic.com"}},
        "multipart": {"data": {"email": "ada@anthropic.com", "f": (io.BytesIO(b"{}"), "x.json")},
                      "content_type": "multipart/form-data"},
        "text/plain": {"data": '{"email": "ada@anthropic.com"}', "content_type": "text/plain"},
    }


def api_posts(app, world) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.rule.startswith("/api/"):
            urls.append(rule.rule.replace("<slug>", world.launched.slug))
    return urls


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "with-a-staff-cookie"])
def test_json_apis_refuse_what_a_cross_site_form_can_send_and_set_no_cookie(app, logged_in):
    kit.prepare(app)
    world = kit.build_world(app)
    client = app.test_client()
    if logged_in:
        assert kit.login(client, world.owner.email, world.owner.password).status_code == 302
    urls = api_posts(app, world)
    assert len(urls) >= 5
    before = kit.snapshot()
    for url in urls:
        for kind, body in cross_site_bodies().items():
            response = client.post(url, headers={"Origin": "https://evil.example"}, **body)
            assert response.status_code == 415, (url, kind, response.status_code)
            assert response.is_json and response.get_json()["error"] == "unsupported_media_type"
            assert "Set-Cookie" not in response.headers, (url, kind)
            assert not any(h.lower().startswith("access-control-") for h in response.headers.keys()), (url, kind)  # noqa: SIM118  (Headers iterate as pairs)
        # A JSON request from another origin needs a preflight: it is granted nothing.
        preflight = client.options(url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type"})
        assert not any(h.lower().startswith("access-control-") for h in preflight.headers.keys()), url  # noqa: SIM118  (Headers iterate as pairs)
        assert "Set-Cookie" not in preflight.headers
        # And a proper JSON request sets no cookie either.
        answered = client.post(url, json={})
        assert answered.status_code in (400, 404, 422) and "Set-Cookie" not in answered.headers, url
    assert kit.differences(before, kit.snapshot()) == []
