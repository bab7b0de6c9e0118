"""Helpers for the adversarial suite: staff who log in through the real form, campaigns in every
state (one launched through a real ceremony, with a frozen reveal round), and a snapshot of the
database to prove that a refused request changed nothing."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from crypto import reveal
from crypto.formats import roundfile
from crypto.formats.files import parse_document
from crypto.hashing import canonical_json
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignLab, CampaignState, Condition, Role, User, utcnow
from pledge.services import ceremony, trustees
from pledge.services import reveal as reveal_rounds
from pledge.services.accounts import PasswordCost, create_user
from pledge.services.demo import seed_labs
from tests.ceremony_kit import FakeTrustee
from tests.kit.forms import csrf_from
from tests.kit.ticks import publish_due
from tests.review_kit import approve
from tests.signing_kit import Signer

FAST = PasswordCost(opslimit=1, memlimit=8192)
TRUSTEE_PASSWORD = "long enough pw"
JSON = {"Content-Type": "application/json"}
# What a refused CSRF check says (pledge/errors.py); a control request must not see it.
CSRF_REFUSAL = "The form expired or was sent from elsewhere"


class FreshClient(FlaskClient):
    """A test client whose requests never inherit another request's user or CSRF token.

    The tests keep one app context open, so ``flask.g`` outlives each request: Flask-Login caches
    the user in ``g._login_user`` and Flask-WTF the raw token in ``g.csrf_token``. Dropping both
    before every request makes each client act only on its own cookies, as a browser would.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for cached in ("_login_user", "csrf_token"):
                g.pop(cached, None)
        return super().open(*args, **kwargs)


def prepare(app) -> None:
    """Fresh clients, and rate limits out of the way: these corpora are not brute force, and the
    limits have their own tests."""
    app.test_client_class = FreshClient
    for key in list(app.config):
        if key.startswith("RATELIMIT_") and isinstance(app.config[key], tuple):
            app.config[key] = (1_000_000, 3600)


def token_of(client, url: str = "/login") -> str:
    """The CSRF token bound to this client's session, read from a page it may open."""
    response = client.get(url)
    return csrf_from(response.get_data(as_text=True))


def login(client, email: str, password: str, **kwargs):
    """Log in through the real form; return the response (302 on success)."""
    token = token_of(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}, **kwargs)


def new_user(*roles: Role, email: str, name: str = "Staff Person") -> tuple[User, str]:
    """An account with the given roles; returns (user, password)."""
    password = secrets.token_urlsafe(16)
    with write_intent():
        user = create_user(db.session, email=email, name=name, password=password, roles=roles, cost=FAST)
        db.session.commit()
    return user, password


def labs_by_slug() -> dict:
    """Seed the demo labs; return them by slug."""
    with write_intent():
        found = {lab.slug: lab for lab in seed_labs(db.session)}
        db.session.commit()
    return found


def insert_campaign(organizer: User, labs: dict, *, state=CampaignState.DRAFT, lab_slugs=("anthropic", "openai"),
                    conditions=("Publish the safety framework.",), **fields) -> Campaign:
    """A campaign written straight to the database (no ceremony)."""
    now = utcnow()
    values = dict(
        slug=f"campaign-{secrets.token_hex(4)}", title="A test campaign", pledge_text="I pledge **this**.",
        min_total=1, min_per_lab=0, min_labs=0, deadline=now + timedelta(days=20),
        trustee_quorum=2, trustee_count=3, suppress_below=1, practice=True, batch_interval_seconds=3600,
    )
    values.update(fields)
    campaign = Campaign(organizer_id=organizer.id, state=state, **values)
    if state != CampaignState.DRAFT:
        campaign.frozen_at = campaign.submitted_at = campaign.approved_at = now
    if state not in (CampaignState.DRAFT, CampaignState.CEREMONY):
        from crypto import group

        campaign.launched_at = now
        campaign.group_key = group.scalarmult_base(group.random_scalar())
    campaign.lab_links = [CampaignLab(lab=labs[s]) for s in lab_slugs]
    campaign.conditions = [Condition(position=i, text=t) for i, t in enumerate(conditions)]
    with write_intent():
        db.session.add(campaign)
        db.session.commit()
    return campaign


def seat_people(campaign: Campaign, people: list[FakeTrustee], *, keys: bool = True) -> list:
    """Invite, accept (reusing an existing account with the same email) and register keys."""
    now = utcnow()
    seats = []
    with write_intent():
        for person in people:
            invitation = trustees.invite_trustee(db.session, campaign, name=person.name, email=person.email, now=now)
            user = db.session.scalar(select(User).where(User.email == person.email))
            if user is None:
                user = create_user(db.session, email=person.email, name=person.name, password=TRUSTEE_PASSWORD,
                                   roles=[Role.TRUSTEE], cost=FAST)
            trustees.accept_invitation(db.session, invitation.trustee, user, now)
            if keys:
                ed, x = ceremony.parse_public_keys(person.public_file())
                trustees.register_keys(db.session, campaign, invitation.trustee, ed, x, now)
            seats.append(invitation.trustee)
        db.session.commit()
    return seats


def freeze(app, campaign: Campaign) -> None:
    """Freeze a seated draft for its ceremony."""
    approve(campaign.id)
    with write_intent():
        ceremony.freeze(db.session, campaign, app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
        db.session.commit()


def post_deals(campaign: Campaign, people, seats, *, skip: tuple[int, ...] = ()) -> bytes:
    """Honest deals from every fake trustee whose seat is not in ``skip``."""
    package = ceremony.ceremony_package(campaign)
    with write_intent():
        for person, seat in zip(people, seats):
            if seat.seat not in skip:
                ceremony.submit_deal(db.session, campaign, seat, person.deal_file(package, seat.seat))
        db.session.commit()
    return package


def post_results(campaign: Campaign, people, seats, *, skip: tuple[int, ...] = ()) -> None:
    """Transcript signatures from every fake trustee whose seat is not in ``skip``."""
    package = ceremony.ceremony_package(campaign)
    board = ceremony.board_file(db.session, campaign)
    with write_intent():
        for person, seat in zip(people, seats):
            if seat.seat not in skip:
                ceremony.submit_result(db.session, campaign, seat, person.finish_file(package, board, seat.seat), utcnow())
        db.session.commit()


def launch(app, campaign: Campaign) -> None:
    """Open signing once every transcript signature is in."""
    with write_intent():
        ceremony.launch(db.session, campaign, app.config["LOG_KEY_SECRET"], utcnow())
        db.session.commit()


def launched_campaign(app, organizer: User, labs: dict, people: list[FakeTrustee], **fields):
    """A 2-of-n campaign launched through a real ceremony; returns (campaign, seats)."""
    fields.setdefault("trustee_count", len(people))
    campaign = insert_campaign(organizer, labs, **fields)
    seats = seat_people(campaign, people)
    freeze(app, campaign)
    post_deals(campaign, people, seats)
    post_results(campaign, people, seats)
    launch(app, campaign)
    return campaign, seats


def submit(client, campaign: Campaign, signer: Signer):
    """Send a sealed signature through the signing API."""
    return client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()), headers=JSON)


def partials_file(campaign: Campaign, person: FakeTrustee, seat, number: int) -> bytes:
    """The partials file ``pledge-trustee decrypt`` would write for this round."""
    package = roundfile.parse_round(parse_document(reveal_rounds.round_package(db.session, campaign, number), "round", {"round"}))
    records = []
    for item in package.leaves:
        if item.ciphertext is None:
            continue
        nullifier = bytes.fromhex(json.loads(item.leaf)["nullifier"])
        partial = reveal.partial_decrypt(seat.seat, person.share, seat.verification_key, item.ciphertext[:32],
                                         campaign.ctx + nullifier)
        records.append(roundfile.PartialRecord(item.index, nullifier, partial))
    return canonical_json(roundfile.partials_doc(roundfile.PartialsFile(
        campaign.ctx, seat.seat, package.head.size, package.head.timestamp, package.head.root, records, [])))


def post_partials(campaign: Campaign, people, seats, number: int, quorum: int) -> bool:
    """The first ``quorum`` trustees post their partials; True once the round opened."""
    opened = False
    with write_intent():
        for person, seat in list(zip(people, seats))[:quorum]:
            opened = reveal_rounds.submit_partials(db.session, campaign, seat, number,
                                                   partials_file(campaign, person, seat, number), utcnow())
        db.session.commit()
    return opened


# --- the database as an attacker would compare it ---------------------------------------------

#: Tables that legitimately change on a refused request: the rate-limit counters count every
#: attempt, refused or not.
VOLATILE_TABLES = {"rate_limits", "alembic_version"}


def snapshot() -> dict[str, list[tuple]]:
    """Every committed row of every table (rate-limit counters aside), in a stable order."""
    db.session.rollback()
    with db.engine.connect() as connection:
        names = [t for t in inspect(connection).get_table_names() if t not in VOLATILE_TABLES]
        return {name: sorted((tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
                for name in names}


def differences(before: dict, after: dict) -> list[str]:
    """Tables whose rows differ."""
    return [name for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]


# --- the world of the authorization and CSRF tests --------------------------------------------


@dataclass
class Person:
    """A staff login."""

    email: str
    password: str
    user: User | None = None


@dataclass
class World:
    """Users of every kind and campaigns in every state, by role."""

    owner: Person
    other: Person
    trustee: Person
    admin: Person
    draft: Campaign
    other_draft: Campaign
    open: Campaign
    launched: Campaign
    people: list[FakeTrustee]
    seats: list
    invitation_secret: str
    leaf_hash: str
    labs: dict
    extra: dict = field(default_factory=dict)


DRAFT_TITLE = "Canary draft of organizer A"
OTHER_TITLE = "Canary draft of organizer B"


def build_world(app) -> World:
    """Organizer A owns a draft (three conditions, one invited seat), an open campaign and a
    campaign launched through a real 2-of-3 ceremony whose round 1 is frozen; organizer B owns a
    draft; the trustee holds seat 1 of the launched campaign; the admin holds no other role."""
    labs = labs_by_slug()
    owner_user, owner_pw = new_user(Role.ORGANIZER, email="owner@staff.example", name="Organizer A")
    other_user, other_pw = new_user(Role.ORGANIZER, email="other@staff.example", name="Organizer B")
    admin_user, admin_pw = new_user(Role.ADMIN, email="admin@staff.example", name="Admin")
    draft = insert_campaign(owner_user, labs, title=DRAFT_TITLE, conditions=("First", "Second", "Third"))
    with write_intent():
        invitation = trustees.invite_trustee(db.session, draft, name="Invited Person", email="invited@trustees.example",
                                             now=utcnow())
        db.session.commit()
    other_draft = insert_campaign(other_user, labs, title=OTHER_TITLE)
    open_campaign = insert_campaign(owner_user, labs, state=CampaignState.OPEN, title="Open without ceremony")
    people = [FakeTrustee(f"Trustee {i}", f"t{i}@trustees.example") for i in (1, 2, 3)]
    launched, seats = launched_campaign(app, owner_user, labs, people, title="Launched through a ceremony")
    client = app.test_client()
    signer = Signer(launched, "anthropic", app.config["TOKEN_KEY_SECRET"], name="Ada", role="Researcher")
    receipt = submit(client, launched, signer)
    assert receipt.status_code == 201, receipt.get_data(as_text=True)
    frozen = [done.round_frozen for done in publish_due(app, hours=2) if done.campaign.id == launched.id]
    assert frozen and frozen[0] is not None, "round 1 did not freeze"
    trustee_user = db.session.scalar(select(User).where(User.email == people[0].email))
    return World(
        owner=Person("owner@staff.example", owner_pw, owner_user),
        other=Person("other@staff.example", other_pw, other_user),
        trustee=Person(people[0].email, TRUSTEE_PASSWORD, trustee_user),
        admin=Person("admin@staff.example", admin_pw, admin_user),
        draft=draft, other_draft=other_draft, open=open_campaign, launched=launched,
        people=people, seats=seats, invitation_secret=invitation.secret,
        leaf_hash=receipt.get_json()["receipt"]["leaf_hash"], labs=labs,
    )

