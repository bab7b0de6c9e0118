"""A ceremony a trustee cannot stall or hijack, over HTTP with the real trustee tool: weak keys are
refused at registration; a complaint may name only what the server cannot check; the accused
answers in public and the answer decides who is removed (never the organizer); after the
ceremony deadline the organizer may replace a trustee who has not acted, and only then. Every
e-mail is read from the SMTP sink."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crypto.hashing import canonical_json
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import (
    CampaignState,
    CeremonyAnswer,
    CeremonyArchive,
    CeremonyComplaint,
    CeremonyDeal,
    Role,
    Trustee,
    utcnow,
)
from tests.ceremony_cli_kit import PASSPHRASE, World, client_of, page, tool
from tests.kit.forms import post_form

P = 2**255 - 19


@pytest.fixture
def world(app, sink, make_user, make_campaign, tmp_path, monkeypatch):
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    app.config["MAIL_PORT"] = sink.port
    organizer, password = make_user(Role.ORGANIZER, email="org@staff.example")
    campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3,
                             title="Ceremony under attack")
    client = client_of(app)
    assert post_form(client, "/login", {"email": "org@staff.example", "password": password}).status_code == 302
    return World(app, sink, campaign, client, "org@staff.example", tmp_path)


def seated_and_frozen(world: World):
    people = [world.seat(name, f"{name.split()[0].lower()}@trustees.example")
              for name in ("Ada Trustee", "Bo Trustee", "Cy Trustee")]
    world.freeze()
    return people


def rows(model, campaign_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(model.campaign_id == campaign_id))


def first(model):
    """The first row of ``model`` as the database holds it now."""
    db.session.rollback()
    return db.session.scalar(select(model).order_by(model.id))


def move_deadline_to_the_past(world: World, **fields) -> None:
    """The ceremony deadline (or a complaint's answer deadline) has passed."""
    with write_intent():
        campaign = world.fresh()
        campaign.ceremony_deadline = utcnow() - timedelta(seconds=1)
        if fields.get("answers"):
            for complaint in db.session.scalars(select(CeremonyComplaint).where(CeremonyComplaint.campaign_id == world.cid)):
                complaint.answer_due_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


# --- registration -----------------------------------------------------------------------------


@pytest.mark.parametrize("weak, reason", [
    (bytes([1]) + bytes(31), "of low order"),  # u = 1: a point of order 4 in the X25519 group
    ((P - 1).to_bytes(32, "little"), "of low order"),
    (P.to_bytes(32, "little"), "not a canonical field element"),
])
def test_a_weak_x25519_key_is_refused_at_registration_with_the_reason(world, weak, reason):
    person = world.seat("Mallory Trustee", "mallory@trustees.example", x25519=weak)
    response = person.registration
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"The X25519 public key is refused: the X25519 key is {reason}." in text
    assert "make your keys again with pledge-trustee init" in text
    seat = world.fresh().trustees[0]
    assert not seat.has_keys and seat.x25519_public is None and seat.ed25519_public is None
    # The honest public file from the same init registers.
    good = world.register(person, (person.folder / "trustee.key.pub.json").read_bytes())
    assert good.status_code == 302 and world.fresh().trustees[0].has_keys


def test_every_path_that_stores_trustee_keys_refuses_a_weak_one(world):
    from pledge.services import trustees
    from pledge.services.trustees import TrusteeError

    person = world.seat("Mallory Trustee", "mallory@trustees.example", x25519=bytes([1]) + bytes(31))
    seat = world.fresh().trustees[0]
    public = json.loads((person.folder / "trustee.key.pub.json").read_bytes())
    with pytest.raises(TrusteeError, match="the X25519 key is of low order"):
        trustees.register_keys(db.session, world.fresh(), seat, bytes.fromhex(public["ed25519"]),
                               bytes([1]) + bytes(31), utcnow())
    assert not world.fresh().trustees[0].has_keys


# --- complaints -------------------------------------------------------------------------------


def test_a_complaint_naming_a_public_reason_is_refused(world):
    ada, bo, cy = seated_and_frozen(world)
    for person in (ada, bo, cy):
        assert world.post_deal(person).status_code == 302
    for reason in ("bad-proof", "bad-signature", "bad-point", "malformed"):
        refused = world.post_result(cy, world.false_complaint(cy, 1, reason))
        text = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert (f"A complaint for “{reason.replace('-', ' ')}” is refused: the server checks that in public before it "
                "posts a deal, and trustee 1&#39;s deal passed.") in text
    assert rows(CeremonyComplaint, world.cid) == 0
    assert "halted" not in page(ada.client, "/trustee/")
    # Nor against oneself, nor twice against the same dealer.
    refused = world.post_result(cy, world.false_complaint(cy, 3, "feldman-check-failed"))
    assert refused.status_code == 400 and "complain against itself" in refused.get_data(as_text=True)
    assert world.post_result(cy, world.false_complaint(cy, 1, "feldman-check-failed")).status_code == 302
    again = world.post_result(cy, world.false_complaint(cy, 1, "share-context-wrong"))
    assert again.status_code == 400 and "at most once against each dealer" in again.get_data(as_text=True)
    assert rows(CeremonyComplaint, world.cid) == 1


def test_a_false_complaint_removes_the_complainer_and_the_ceremony_runs_again_to_launch(world, capsys):
    ada, bo, cy = seated_and_frozen(world)
    deal_mail = world.sink.wait_for(bo.email, "please post your deal")
    deadline = world.fresh().ceremony_deadline
    assert f"The ceremony deadline is {deadline:%Y-%m-%d %H:%M UTC}" in deal_mail.body
    assert f"Ceremony deadline: <strong>{deadline:%Y-%m-%d %H:%M UTC}</strong>" in page(bo.client, "/trustee/")
    assert f"Ceremony deadline: <strong>{deadline:%Y-%m-%d %H:%M UTC}</strong> (7 days after the freeze)" in \
        world.organizer_page()
    for person in (ada, bo, cy):
        assert world.post_deal(person).status_code == 302
    code, result = world.finish(ada)
    assert code == 0 and world.post_result(ada, result.read_bytes()).status_code == 302

    # Cy lies: Bo's deal is honest, yet Cy files a signed complaint against it.
    filed = world.post_result(cy, world.false_complaint(cy, bo.seat, "share-does-not-decrypt"))
    assert filed.status_code == 302
    complaint = first(CeremonyComplaint)
    assert complaint.answer_due_at == max(deadline, complaint.filed_at + timedelta(days=3))
    due = f"{complaint.answer_due_at:%Y-%m-%d %H:%M UTC}"
    accused_mail = world.sink.wait_for(bo.email, "a complaint against your deal")
    assert "pledge-trustee answer" in accused_mail.body and f"Please answer by {due}" in accused_mail.body
    for email in (ada.email, world.organizer_email):
        halted = world.sink.wait_for(email, "halted by a complaint")
        assert f"trustee 3 (Cy Trustee) accuses trustee 2 (Bo Trustee): share does not decrypt; answer due by {due}" \
            in halted.body
    assert f"Next: answer the complaint against your deal by {due}" in page(bo.client, "/trustee/")
    assert "The ceremony is halted by a complaint." in world.organizer_page()
    # Halted: no transcript signature is taken, and the organizer has no one to remove.
    code, result = world.finish(bo)
    assert code == 0
    refused = world.post_result(bo, result.read_bytes())
    assert refused.status_code == 400 and "halted by a complaint until the accused trustee answers" in \
        refused.get_data(as_text=True)
    early = world.organizer_post(f"/organize/campaigns/{world.cid}/trustees/{bo.seat}/replace")
    assert early.status_code == 302
    assert f"Trustee 2 may answer the complaint against them until {due}" in world.organizer_page()
    assert len(world.fresh().trustees) == 3

    # Bo answers with the real tool; the server checks the proof and decides against Cy.
    answer = world.answer(bo)
    posted = world.post_answer(bo, answer.read_bytes())
    assert posted.status_code == 302
    campaign = world.fresh()
    assert [t.seat for t in campaign.trustees] == [1, 2]
    assert campaign.manifest is None and campaign.ctx is None and campaign.ceremony_deadline is None
    assert rows(CeremonyDeal, world.cid) == rows(CeremonyComplaint, world.cid) == rows(CeremonyAnswer, world.cid) == 0
    archive = first(CeremonyArchive)
    assert "the complaint is false; trustee 3 (Cy Trustee) is at fault" in archive.outcome
    for person in (ada, bo):
        mail = world.sink.wait_for(person.email, "ceremony restarts")
        assert "trustee 3 (Cy Trustee), who filed a false complaint against trustee 2" in mail.body
        assert "do not register them again" in mail.body
    removed = world.sink.wait_for(cy.email, "ceremony restarts")
    assert "You no longer hold seat 3 of this campaign: you filed a false complaint against trustee 2." in removed.body
    organizer_mail = world.sink.wait_for(world.organizer_email, "ceremony restarts")
    assert "invite a replacement for each empty seat" in organizer_mail.body
    organizer_page = world.organizer_page()
    assert "the complaint is false; trustee 3 (Cy Trustee) is at fault" in organizer_page
    assert "Next: invite a replacement" in organizer_page
    assert page(cy.client, "/trustee/").count("Ceremony under attack") == 0  # no seat any more
    # The organizer still cannot pick an honest trustee to drop while the seats are open again.
    assert 'aria-label="Remove Ada Trustee"' not in organizer_page
    assert world.organizer_post(f"/organize/campaigns/{world.cid}/trustees/remove", {"seat": "1"}).status_code == 302
    assert "loses their seat only by a complaint&#39;s verdict or by missing a ceremony deadline" in world.organizer_page()
    assert [t.seat for t in world.fresh().trustees] == [1, 2]

    # Anyone holding the archived run re-checks the verdict with the tool alone.
    for kind in ("ceremony", "board"):
        response = world.organizer.get(f"/organize/campaigns/{world.cid}/archives/{archive.id}/{kind}.json")
        assert response.status_code == 200
        (world.tmp / f"archived-{kind}.json").write_bytes(response.data)
        assert ada.client.get(f"/trustee/campaigns/{world.cid}/archives/{archive.id}/{kind}.json").data == response.data
    capsys.readouterr()
    assert tool("adjudicate", "--ceremony", world.tmp / "archived-ceremony.json",
                "--board", world.tmp / "archived-board.json") == 0
    printed = capsys.readouterr().out
    assert "Complaint of trustee 3 against trustee 2 (share-does-not-decrypt):" in printed
    assert ("verdict: trustee 3 (the complainant) is at fault: the share opens, has the right context and matches "
            "the dealer's commitments: the complaint is false.") in printed

    # A replacement takes seat 3; the organizer freezes again; everyone deals and finishes again.
    world.people.remove(cy)
    dee = world.seat("Dee Trustee", "dee@trustees.example")
    assert dee.seat == 3
    world.freeze()
    assert world.fresh().ctx != archive.ctx
    world.run_everyone()
    assert world.sink.wait_for(world.organizer_email, "ready to launch")
    assert world.organizer_post(f"/organize/campaigns/{world.cid}/launch").status_code == 302
    launched = world.fresh()
    assert launched.state == CampaignState.OPEN and launched.group_key is not None
    assert [t.name for t in launched.trustees] == ["Ada Trustee", "Bo Trustee", "Dee Trustee"]


def test_a_true_complaint_removes_the_dealer_who_dealt_a_bad_share(world):
    ada, bo, cy = seated_and_frozen(world)
    # Ada's deal carries a wrong share for Bo, boxed and signed like an honest one: the server's
    # public checks pass.
    assert world.post_deal(ada, world.deal_with_bad_share(ada, bo)).status_code == 302
    for person in (bo, cy):
        assert world.post_deal(person).status_code == 302
    code, complaint = world.finish(bo)
    assert code == 3  # the tool wrote a signed complaint
    assert json.loads(complaint.read_bytes())["complaints"][0]["reason"] == "feldman-check-failed"
    assert world.post_result(bo, complaint.read_bytes()).status_code == 302
    accused = world.sink.wait_for(ada.email, "a complaint against your deal")
    assert "trustee 2 (Bo Trustee): feldman check failed" in accused.body

    answer = world.answer(ada)
    assert world.post_answer(ada, answer.read_bytes()).status_code == 302
    campaign = world.fresh()
    assert [t.name for t in campaign.trustees] == ["Bo Trustee", "Cy Trustee"] and campaign.manifest is None
    archive = first(CeremonyArchive)
    assert "trustee 1 (Ada Trustee) is at fault" in archive.outcome
    assert "the share does not match the dealer's commitments" in archive.outcome
    assert "trustee 1 (Ada Trustee) is at fault" in world.organizer_page()
    mail = world.sink.wait_for(ada.email, "ceremony restarts")
    assert "You no longer hold seat 1 of this campaign: you dealt a bad share to trustee 2." in mail.body
    for email in (bo.email, cy.email, world.organizer_email):
        assert "trustee 1 (Ada Trustee), who dealt a bad share to trustee 2" in world.sink.wait_for(
            email, "ceremony restarts").body


def test_an_invalid_answer_is_refused_with_its_reason_and_nothing_is_stored(world):
    ada, bo, cy = seated_and_frozen(world)
    for person in (ada, bo, cy):
        assert world.post_deal(person).status_code == 302
    assert world.post_result(cy, world.false_complaint(cy, bo.seat, "feldman-check-failed")).status_code == 302
    honest = json.loads(world.answer(bo).read_bytes())

    # The shared point of another pair, signed by Bo: the signature verifies, the proof does not.
    from crypto.formats import messages

    forged = json.loads(json.dumps(honest))
    item = forged["answers"][0]
    item["shared_point"], item["a1"] = item["a1"], item["shared_point"]
    ctx = bytes.fromhex(forged["ctx"])
    item["signature"] = messages.sign(bo.secrets().signing_seed, messages.complaint_answer_message(
        ctx, bo.seat, cy.seat, *(bytes.fromhex(item[k]) for k in ("shared_point", "a1", "a2", "z")))).hex()
    refused = world.post_answer(bo, canonical_json(forged))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "The answer to trustee 3&#39;s complaint was refused:" in text and "Nothing was stored." in text
    # Not signed by Bo.
    unsigned = json.loads(json.dumps(honest))
    unsigned["answers"][0]["signature"] = "00" * 64
    refused = world.post_answer(bo, canonical_json(unsigned))
    assert refused.status_code == 400 and "signature does not verify" in refused.get_data(as_text=True)
    # Someone else cannot answer for Bo.
    refused = world.post_answer(ada, canonical_json(honest))
    assert refused.status_code == 400 and "no complaint against you" in refused.get_data(as_text=True)
    assert rows(CeremonyAnswer, world.cid) == 0
    assert first(CeremonyComplaint).decided_at is None
    assert len(world.fresh().trustees) == 3
    # The honest answer still settles it.
    assert world.post_answer(bo, canonical_json(honest)).status_code == 302
    assert [t.seat for t in world.fresh().trustees] == [1, 2]


# --- the ceremony deadline --------------------------------------------------------------------


def test_after_the_deadline_the_organizer_replaces_a_trustee_who_never_dealt_and_not_before(world):
    ada, bo, cy = seated_and_frozen(world)
    for person in (ada, bo):
        assert world.post_deal(person).status_code == 302
    replace = f"/organize/campaigns/{world.cid}/trustees/{cy.seat}/replace"
    # Before the deadline: refused, with the reason, and nothing changes.
    deadline = f"{world.fresh().ceremony_deadline:%Y-%m-%d %H:%M UTC}"
    confirm = page(world.organizer, replace)
    assert "Cy Trustee cannot be replaced now." in confirm and f"still has until the ceremony deadline ({deadline})" in confirm
    assert "Replace Cy Trustee and restart" not in confirm
    assert world.organizer_post(replace).status_code == 302
    assert f"still has until the ceremony deadline ({deadline})" in world.organizer_page()
    assert len(world.fresh().trustees) == 3 and rows(CeremonyDeal, world.cid) == 2
    assert not any("restarts" in message.subject for message in world.sink.messages())

    move_deadline_to_the_past(world)
    organizer_page = world.organizer_page()
    assert "Late: posted no deal by the ceremony deadline" in organizer_page
    assert "Replace Cy Trustee…" in organizer_page
    assert "Replace Ada Trustee" not in organizer_page  # Ada dealt: not late
    confirm = page(world.organizer, replace)
    assert "Cy Trustee posted no deal by the ceremony deadline" in confirm
    assert "every trustee deals and signs again" in confirm
    refused = world.organizer_post(f"/organize/campaigns/{world.cid}/trustees/{ada.seat}/replace")
    assert refused.status_code == 302 and len(world.fresh().trustees) == 3
    assert world.organizer_post(replace).status_code == 302
    campaign = world.fresh()
    assert [t.seat for t in campaign.trustees] == [1, 2] and campaign.manifest is None
    assert rows(CeremonyDeal, world.cid) == 0
    for person in (ada, bo):
        mail = world.sink.wait_for(person.email, "ceremony restarts")
        assert "The organizer replaced trustee 3 (Cy Trustee), who posted no deal by the ceremony deadline" in mail.body
    assert "You no longer hold seat 3" in world.sink.wait_for(cy.email, "ceremony restarts").body
    assert "invite a replacement" in world.sink.wait_for(world.organizer_email, "ceremony restarts").body


def test_an_accused_who_does_not_answer_in_time_can_be_replaced(world):
    ada, bo, cy = seated_and_frozen(world)
    for person in (ada, bo, cy):
        assert world.post_deal(person).status_code == 302
    assert world.post_result(ada, world.false_complaint(ada, cy.seat, "share-context-wrong")).status_code == 302
    move_deadline_to_the_past(world)  # the ceremony deadline alone does not reach the answer deadline
    assert world.organizer_post(f"/organize/campaigns/{world.cid}/trustees/{cy.seat}/replace").status_code == 302
    assert len(world.fresh().trustees) == 3
    # Bo has nothing to do while the ceremony waits for Cy: Bo is not late.
    assert world.organizer_post(f"/organize/campaigns/{world.cid}/trustees/{bo.seat}/replace").status_code == 302
    assert len(world.fresh().trustees) == 3
    move_deadline_to_the_past(world, answers=True)
    assert "did not answer trustee 1&#39;s complaint by" in world.organizer_page()
    assert world.organizer_post(f"/organize/campaigns/{world.cid}/trustees/{cy.seat}/replace").status_code == 302
    assert [t.seat for t in world.fresh().trustees] == [1, 2]
    assert "did not answer trustee 1's complaint" in world.sink.wait_for(ada.email, "ceremony restarts").body


# --- the draft setting ------------------------------------------------------------------------


def test_ceremony_days_is_a_draft_setting_from_1_to_30(world):
    from pledge.services.campaigns import DraftFields, update_draft
    from pledge.services.errors import CampaignError

    campaign = world.fresh()
    assert campaign.ceremony_days == 7
    fields = DraftFields(
        title=campaign.title, slug=campaign.slug, pledge_text=campaign.pledge_text,
        lab_ids=tuple(link.lab_id for link in campaign.lab_links), rule=campaign.rule, deadline=campaign.deadline,
        trustee_quorum=2, trustee_count=3, batch_interval_seconds=3600, ceremony_days=31,
    )
    for days in (0, 31):
        with pytest.raises(CampaignError, match="The key ceremony needs 1 to 30 days"):
            update_draft(db.session, campaign, DraftFields(**{**fields.__dict__, "ceremony_days": days}), utcnow())
    db.session.rollback()
    form = page(world.organizer, f"/organize/campaigns/{world.cid}/edit")
    assert "Days for the key ceremony" in form
    world.seat("Ada Trustee", "ada@trustees.example")
    with write_intent():
        campaign = world.fresh()
        update_draft(db.session, campaign, DraftFields(**{**fields.__dict__, "ceremony_days": 12}), utcnow())
        db.session.commit()
    for name, email in (("Bo Trustee", "bo@trustees.example"), ("Cy Trustee", "cy@trustees.example")):
        world.seat(name, email)
    world.freeze()
    campaign = world.fresh()
    assert campaign.ceremony_deadline - campaign.frozen_at == timedelta(days=12)
    assert db.session.scalar(select(func.count()).select_from(Trustee).where(Trustee.campaign_id == world.cid)) == 3
