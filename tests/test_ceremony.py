"""The key ceremony's board: every upload is checked before it is stored, and launch computes
Y only from what all trustees signed."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from crypto import dkg, group
from crypto.hashing import WIRE_VERSION, canonical_json
from pledge.extensions import db
from pledge.models import CampaignState, CeremonyDeal, Role, utcnow
from pledge.services import ceremony, trustees
from pledge.services.accounts import PasswordCost, create_user
from pledge.services.ceremony import CeremonyError
from pledge.services.keys import token_private_key
from pledge.services.manifest import manifest_ctx
from pledge.services.trustees import INVALID_INVITATION, TrusteeError
from tests import dbkit
from tests.ceremony_kit import FakeTrustee, frozen, post_deals, seat_everyone
from tests.review_kit import approve

COST = PasswordCost(opslimit=1, memlimit=8192)


@pytest.fixture
def people():
    return [FakeTrustee(f"Trustee {i}", f"t{i}@trustees.example") for i in (1, 2, 3)]


@pytest.fixture
def draft(make_campaign):
    """A draft a site admin has approved (so it may be frozen once its trustees are seated)."""
    campaign = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3)
    approve(campaign.id)
    return campaign


def test_freeze_refuses_a_draft_no_site_admin_approved(app, make_campaign, people):
    unreviewed = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3)
    seat_everyone(unreviewed, people)
    with pytest.raises(CeremonyError, match="A site admin must approve this campaign"):
        ceremony.freeze(db.session, unreviewed, app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
    assert unreviewed.manifest is None and unreviewed.state == CampaignState.DRAFT


def test_invitations_fill_seats_and_refuse_duplicates_and_the_organizer(draft, people):
    now = utcnow()
    first = trustees.invite_trustee(db.session, draft, name="A", email="A@x.example", now=now)
    assert first.trustee.seat == 1 and first.trustee.invitation_hash and len(first.secret) > 30
    assert first.secret.encode() not in first.trustee.invitation_hash  # only a hash is stored
    with pytest.raises(TrusteeError, match="already has a seat"):
        trustees.invite_trustee(db.session, draft, name="A again", email="a@x.example", now=now)
    with pytest.raises(TrusteeError, match="cannot also be one of its trustees"):
        trustees.invite_trustee(db.session, draft, name="Me", email=draft.organizer.email, now=now)
    draft.organizer_may_be_trustee = True
    trustees.invite_trustee(db.session, draft, name="Me", email=draft.organizer.email, now=now)
    trustees.invite_trustee(db.session, draft, name="C", email="c@x.example", now=now)
    with pytest.raises(TrusteeError, match="All 3 trustee seats are filled"):
        trustees.invite_trustee(db.session, draft, name="D", email="d@x.example", now=now)


def test_invitation_links_are_single_use_and_expire(draft):
    now = utcnow()
    invitation = trustees.invite_trustee(db.session, draft, name="A", email="a@x.example", now=now)
    assert trustees.find_invitation(db.session, invitation.secret, now) is invitation.trustee
    for secret, when in ((invitation.secret, now + timedelta(days=8)), ("x" * 43, now), ("short", now)):
        with pytest.raises(TrusteeError) as caught:
            trustees.find_invitation(db.session, secret, when)
        assert caught.value.message == INVALID_INVITATION
    user = create_user(db.session, email="a@x.example", name="A", password="long enough pw", roles=[Role.TRUSTEE], cost=COST)
    trustees.accept_invitation(db.session, invitation.trustee, user, now)
    with pytest.raises(TrusteeError, match="not valid"):
        trustees.find_invitation(db.session, invitation.secret, now)


def test_invitation_must_be_accepted_by_its_own_address(draft):
    invitation = trustees.invite_trustee(db.session, draft, name="A", email="a@x.example", now=utcnow())
    other = create_user(db.session, email="b@x.example", name="B", password="long enough pw", roles=[Role.TRUSTEE], cost=COST)
    with pytest.raises(TrusteeError, match="for a@x.example"):
        trustees.accept_invitation(db.session, invitation.trustee, other, utcnow())


@pytest.mark.parametrize("data, message", [
    (b"", "Choose your public key file"),
    (b"not json", "not valid JSON"),
    (b'{"v":2,"kind":"deal"}', "trustee-public"),
    (canonical_json({"v": WIRE_VERSION, "kind": "trustee-public", "name": "A", "ed25519": "00" * 32, "x25519": "11" * 32}),
     "not a valid key"),
])
def test_bad_public_key_files_are_refused(draft, data, message):
    with pytest.raises(Exception) as caught:
        ed, x = ceremony.parse_public_keys(data)
        invitation = trustees.invite_trustee(db.session, draft, name="A", email="a@x.example", now=utcnow())
        user = create_user(db.session, email="a@x.example", name="A", password="long enough pw", roles=[Role.TRUSTEE], cost=COST)
        trustees.accept_invitation(db.session, invitation.trustee, user, utcnow())
        trustees.register_keys(db.session, draft, invitation.trustee, ed, x, utcnow())
    assert message in getattr(caught.value, "message", str(caught.value))


def test_freeze_puts_the_log_key_and_protecting_parameters_in_the_manifest(app, draft, people):
    from pledge.services.keys import log_public_key

    seat_everyone(draft, people)
    draft.extra_witnesses = json.dumps([{"name": "Watch group", "ed25519": people[1].public.ed25519.hex()}])
    with pytest.raises(CeremonyError, match="An extra witness uses a trustee's Ed25519 key"):
        ceremony.freeze(db.session, draft, app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
    assert draft.manifest is None
    draft.extra_witnesses = json.dumps([{"name": "Watch group", "ed25519": "ab" * 32}])
    draft.trustee_quorum = 3  # n = 3 and one extra witness: w = 3, which must not exceed t
    ceremony.freeze(db.session, draft, app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
    manifest = json.loads(draft.manifest)
    assert manifest["log_key"] == log_public_key(draft, app.config["LOG_KEY_SECRET"]).hex() == draft.log_public_key.hex()
    assert (manifest["witnesses"], manifest["w"]) == ([{"name": "Watch group", "ed25519": "ab" * 32}], 3)
    assert (manifest["k"], manifest["practice"], manifest["reveal_window"]) == (draft.suppress_below, False, 14 * 86400)
    assert manifest["batch_interval"] == draft.batch_interval_seconds


def test_freeze_waits_for_every_trustee_then_fixes_the_manifest(app, draft, people):
    seat_everyone(draft, people[:2])
    with pytest.raises(CeremonyError, match="1 of 3 trustees has not registered"):
        ceremony.freeze(db.session, draft, app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
    seat_everyone(draft, people[2:])
    ceremony.freeze(db.session, draft, app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
    assert draft.state == CampaignState.CEREMONY and draft.frozen_at
    manifest = json.loads(draft.manifest)
    assert draft.ctx == manifest_ctx(manifest)
    assert [t["ed25519"] for t in manifest["trustees"]] == [p.public.ed25519.hex() for p in people]
    for link in draft.lab_links:
        assert link.token_private_key_sealed and b"PRIVATE" not in link.token_private_key_sealed
        key = token_private_key(draft, link, app.config["TOKEN_KEY_SECRET"])  # opens with the configured secret
        assert key.key_size == 2048
    with pytest.raises(Exception, match="does not open"):
        token_private_key(draft, draft.lab_links[0], b"\x01" * 32)
    # Frozen: the text and the seats can no longer change.
    with pytest.raises(TrusteeError, match="fixed once the campaign is frozen"):
        trustees.invite_trustee(db.session, draft, name="Late", email="late@x.example", now=utcnow())


def resign(document, person):
    """A dishonest trustee signs its own bad deal, so only the deeper checks can catch it."""
    from nacl.signing import SigningKey

    d = document["deal"]
    digest = dkg.deal_digest(bytes.fromhex(document["ctx"]), [bytes.fromhex(c) for c in d["commitments"]],
                             bytes.fromhex(d["pop_r"]), bytes.fromhex(d["pop_z"]),
                             {int(j): bytes.fromhex(e) for j, e in d["encrypted_shares"].items()})
    d["signature"] = SigningKey(person.seed).sign(digest).signature.hex()


def bump_pop_z(document, person):
    document["deal"]["pop_z"] = group.scalar_add(bytes.fromhex(document["deal"]["pop_z"]), group.ONE).hex()
    resign(document, person)


def small_order_commitment(document, person):
    document["deal"]["commitments"][1] = "01" + "00" * 31  # the identity point
    resign(document, person)


@pytest.mark.parametrize("tamper, reason", [
    (bump_pop_z, "bad proof"),
    (lambda d, p: d["deal"].update(pop_z=group.scalar_add(bytes.fromhex(d["deal"]["pop_z"]), group.ONE).hex()),
     "bad signature"),
    (lambda d, p: d["deal"].update(signature="00" * 64), "bad signature"),
    (small_order_commitment, "bad point"),
    (lambda d, p: d.update(ctx="11" * 32), "made for another ceremony"),
    (lambda d, p: d["deal"].update(dealer=2), "trustee 2's; you are trustee 1"),
    (lambda d, p: d["deal"].update(commitments=d["deal"]["commitments"][:1]), "refused"),
])
def test_a_tampered_deal_is_refused_with_its_reason(app, draft, people, tamper, reason):
    seats = frozen(app, draft, people)
    package = ceremony.ceremony_package(draft)
    deal = json.loads(people[0].deal_file(package, 1))
    tamper(deal, people[0])
    with pytest.raises(CeremonyError, match=reason):
        ceremony.submit_deal(db.session, draft, seats[0], canonical_json(deal))
    assert db.session.scalar(select(CeremonyDeal)) is None


def test_a_deal_is_posted_once(app, draft, people):
    seats = frozen(app, draft, people)
    package = ceremony.ceremony_package(draft)
    ceremony.submit_deal(db.session, draft, seats[0], people[0].deal_file(package, 1))
    with pytest.raises(CeremonyError, match="already on the board"):
        ceremony.submit_deal(db.session, draft, seats[0], people[0].deal_file(package, 1))


def test_full_ceremony_launches_with_y_from_the_board(app, draft, people):
    seats = frozen(app, draft, people)
    package = post_deals(draft, people, seats)
    board = ceremony.board_file(db.session, draft)
    for person, seat in zip(people, seats):
        assert not ceremony.ready_to_launch(draft, ceremony.load_board(db.session, draft))
        with pytest.raises(CeremonyError, match="only when every trustee has signed"):
            ceremony.launch(db.session, draft, app.config["LOG_KEY_SECRET"], utcnow())
        assert ceremony.submit_result(db.session, draft, seat, person.finish_file(package, board, seat.seat),
                                      utcnow()) == "signed"
    ceremony.launch(db.session, draft, app.config["LOG_KEY_SECRET"], utcnow())
    db.session.commit()
    assert draft.state == CampaignState.OPEN and draft.launched_at
    y = group.add(group.add(*[group.scalarmult_base(p.coefficients[0]) for p in people[:2]]),
                  group.scalarmult_base(people[2].coefficients[0]))
    assert draft.group_key == y
    for person, seat in zip(people, seats):
        assert seat.verification_key == group.scalarmult_base(person.share)


def test_a_wrong_transcript_signature_is_refused(app, draft, people):
    seats = frozen(app, draft, people)
    package = post_deals(draft, people, seats)
    board = ceremony.board_file(db.session, draft)
    good = json.loads(people[0].finish_file(package, board, 1))
    wrong_transcript = people[0].transcript_file(draft.ctx, 1, b"\x07" * 64)
    with pytest.raises(CeremonyError, match="differs from this board's transcript"):
        ceremony.submit_result(db.session, draft, seats[0], wrong_transcript, utcnow())
    by_someone_else = json.loads(people[1].transcript_file(draft.ctx, 1, bytes.fromhex(good["transcript"])))
    forged = dict(good, signature=by_someone_else["signature"])
    with pytest.raises(CeremonyError, match="does not verify under your registered Ed25519 key"):
        ceremony.submit_result(db.session, draft, seats[0], canonical_json(forged), utcnow())
    with pytest.raises(CeremonyError, match="not yours"):
        ceremony.submit_result(db.session, draft, seats[1], canonical_json(good), utcnow())
    assert ceremony.load_board(db.session, draft).signatures == {}


def test_a_complaint_halts_the_ceremony_until_the_answer_decides_who_is_removed(app, draft, people):
    seats = frozen(app, draft, people)
    package = post_deals(draft, people, seats)
    complaint = people[0].complaint_file(draft.ctx, 1, 2, "feldman-check-failed")  # false: deal 2 is honest
    assert ceremony.submit_result(db.session, draft, seats[0], complaint, utcnow()) == "complaint"
    board = ceremony.load_board(db.session, draft)
    assert board.halted
    assert ceremony.step_of(draft, board, seats[0]) == ceremony.Step.COMPLAINED
    assert ceremony.step_of(draft, board, seats[1]) == ceremony.Step.ACCUSED
    board_bytes = ceremony.board_file(db.session, draft)
    assert json.loads(board_bytes)["complaints"] == [json.loads(complaint)]
    with pytest.raises(CeremonyError, match="halted by a complaint"):
        ceremony.submit_result(db.session, draft, seats[2], people[2].finish_file(package, board_bytes, 3), utcnow())
    # Nobody chooses whom to remove: only the accused's answer (or a missed deadline) decides.
    assert not hasattr(ceremony, "restart_without")
    with pytest.raises(CeremonyError, match="may answer the complaint against them until"):
        ceremony.replace_trustee(db.session, draft, 2, utcnow())
    with pytest.raises(CeremonyError, match="no complaint against you"):
        ceremony.submit_answer(db.session, draft, seats[2], people[2].answer_file(draft.ctx, 3, 1, people[0].public.x25519),
                               utcnow())
    restart = ceremony.submit_answer(db.session, draft, seats[1],
                                     people[1].answer_file(draft.ctx, 2, 1, people[0].public.x25519), utcnow())
    assert restart is not None and [r.seat for r in restart.removed] == [1]
    assert "the complaint is false" in restart.archive.outcome
    archived = json.loads(restart.archive.board)
    assert len(archived["complaints"]) == len(archived["answers"]) == 1
    assert [t.seat for t in draft.trustees] == [2, 3]
    assert draft.manifest is None and trustees.seats_open(draft)
    board = ceremony.load_board(db.session, draft)
    assert board.deals == {} and board.complaints == [] and board.answers == [] and not board.halted
    # A replacement takes seat 1 and the campaign freezes again under a new ctx.
    replacement = FakeTrustee("Replacement", "r@trustees.example")
    seat_everyone(draft, [replacement])
    ceremony.freeze(db.session, draft, app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
    assert [t["name"] for t in json.loads(draft.manifest)["trustees"]] == ["Replacement", "Trustee 2", "Trustee 3"]
    assert draft.ctx != restart.archive.ctx


def test_a_forged_complaint_is_refused(app, draft, people):
    seats = frozen(app, draft, people)
    post_deals(draft, people, seats)
    forged = people[1].complaint_file(draft.ctx, 1, 2, "feldman-check-failed")  # signed by someone else
    with pytest.raises(CeremonyError, match="complaint's signature does not verify"):
        ceremony.submit_result(db.session, draft, seats[0], forged, utcnow())
    assert not ceremony.load_board(db.session, draft).halted


def test_nothing_secret_of_any_trustee_reaches_the_database(app, draft, people):
    seats = frozen(app, draft, people)
    package = post_deals(draft, people, seats)
    board = ceremony.board_file(db.session, draft)
    for person, seat in zip(people, seats):
        ceremony.submit_result(db.session, draft, seat, person.finish_file(package, board, seat.seat), utcnow())
    ceremony.launch(db.session, draft, app.config["LOG_KEY_SECRET"], utcnow())
    db.session.commit()
    db.engine.dispose()  # checkpoint the WAL into the file
    stored = dbkit.stored_bytes(app)
    secrets_ = [s for p in people for s in (*p.coefficients, p.share, p.seed, p.x_secret)]
    assert len(secrets_) == 3 * 5
    for secret in secrets_:
        assert secret not in stored and secret.hex().encode() not in stored
    # The public values are there (so the check above reads the right file).
    assert draft.group_key in stored or draft.group_key.hex().encode() in stored


def test_n_cannot_drop_below_the_seats_already_offered(make_campaign, people):
    from dataclasses import replace

    from pledge.models import ThresholdRule
    from pledge.services.campaigns import DraftFields, update_draft
    from pledge.services.errors import CampaignError

    draft = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3)
    seat_everyone(draft, people)
    fields = DraftFields(
        title=draft.title, slug=draft.slug, pledge_text=draft.pledge_text, lab_ids=tuple(link.lab_id for link in draft.lab_links),
        rule=ThresholdRule(min_total=draft.min_total, min_per_lab=draft.min_per_lab, min_labs=draft.min_labs,
                           suppress_below=5),
        deadline=draft.deadline, trustee_quorum=2, trustee_count=3, batch_interval_seconds=3600,
    )
    update_draft(db.session, draft, fields, utcnow())
    with pytest.raises(CampaignError, match="3 trustees already have seats"):
        update_draft(db.session, draft, replace(fields, trustee_count=2, trustee_quorum=2), utcnow())
