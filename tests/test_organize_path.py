"""The organizer's path through a campaign: the step indicator and the one next step on each page,
submitting for review and taking it back, the refusal note, the confirmation pages before the
freeze and the launch, the majority rule for t, every form problem at once, the contact address."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import func, select

from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Role, utcnow
from pledge.services import review
from tests.ceremony_kit import FakeTrustee, post_deals, seat_everyone
from tests.kit.forms import csrf_from, post_form
from tests.review_kit import approve
from tests.test_organize import draft_form

STEP_RE = re.compile(r'<li class="org-step org-step-(done|current|next)"( aria-current="step")?>.*?'
                     r'(?:<a href="[^"]*">|<span>)([^<]+)<', re.S)


@pytest.fixture
def organizer(make_user, login):
    user, password = make_user(Role.ORGANIZER, email="org@staff.example")
    login("org@staff.example", password)
    return user


@pytest.fixture
def draft(make_campaign, organizer):
    return make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_count=2, trustee_quorum=2,
                         min_total=4, min_per_lab=2, min_labs=1, suppress_below=2)


def steps(page: str) -> list[tuple[str, str, bool]]:
    """(label, state, has aria-current) of each step of the page's indicator."""
    assert page.count('<nav class="org-steps"') == 1
    return [(html_lib.unescape(label.strip()), state, bool(current)) for state, current, label in STEP_RE.findall(page)]


def current(page: str) -> str:
    marked = [(label, state) for label, state, aria in steps(page) if aria]
    assert len(marked) == 1 and marked[0][1] == "current"
    return marked[0][0]


def next_text(page: str) -> str:
    block = re.search(r'<div class="org-next"[^>]*>(.*?)</div>', page, re.S)
    assert block, "no next step on the page"
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", block.group(1))).split())


def next_href(page: str) -> str | None:
    block = re.search(r'<div class="org-next"[^>]*>(.*?)</div>', page, re.S)
    link = re.search(r'href="([^"]+)"', block.group(1)) if block else None
    return html_lib.unescape(link.group(1)) if link else None


def get(client, url: str) -> str:
    """The page at ``url``, its whitespace runs made single spaces."""
    reply = client.get(url)
    assert reply.status_code == 200, url
    return " ".join(reply.get_data(as_text=True).split())


def reload(campaign_id: int) -> Campaign:
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id)


def test_a_new_draft_shows_the_steps_with_the_first_current(client, labs, organizer):
    page = get(client, "/organize/campaigns/new")
    shown = steps(page)
    assert [label for label, _, _ in shown] == ["Write the draft", "Conditions", "Preview", "Invite trustees",
                                                "Site admin's review", "Key ceremony", "Launch"]
    assert current(page) == "Write the draft"
    assert all(state == "next" for _, state, aria in shown if not aria)
    assert 'aria-label="Campaign steps"' in page and "<ol>" in page


def test_each_page_marks_its_step_and_offers_the_next(client, organizer, make_campaign):
    empty = make_campaign(organizer=organizer, state=CampaignState.DRAFT, conditions=())
    cid = empty.id
    edit = get(client, f"/organize/campaigns/{cid}/edit")
    assert current(edit) == "Write the draft" and next_href(edit) == f"/organize/campaigns/{cid}/conditions"
    page = get(client, f"/organize/campaigns/{cid}/conditions")
    assert current(page) == "Conditions"
    assert next_text(page) == "Next: Preview the campaign, not possible yet. Add at least one condition."
    assert next_href(page) is None
    assert post_form(client, f"/organize/campaigns/{cid}/conditions", {"text": "Publish evals."}).status_code == 302
    page = get(client, f"/organize/campaigns/{cid}/conditions")
    assert ("Conditions", "current", True) in steps(page)
    assert next_href(page) == f"/organize/campaigns/{cid}/preview"
    preview = get(client, f"/organize/campaigns/{cid}/preview")
    assert current(preview) == "Preview" and ("Conditions", "done", False) in steps(preview)
    assert next_href(preview) == f"/organize/campaigns/{cid}/trustees"
    trustees = get(client, f"/organize/campaigns/{cid}/trustees")
    assert current(trustees) == "Invite trustees"
    assert next_text(trustees) == "Next: Submit for review"
    assert next_href(trustees) == f"/organize/campaigns/{cid}/preview#review"


def test_submit_take_back_and_the_pages_of_a_submitted_draft(client, draft):
    cid = draft.id
    preview = get(client, f"/organize/campaigns/{cid}/preview")
    assert "A site admin reads it before it goes public, and the draft cannot change while it waits" in preview
    assert f'action="/organize/campaigns/{cid}/submit"' in preview and "Take back to edit" not in preview
    # Without the CSRF token nothing happens.
    assert client.post(f"/organize/campaigns/{cid}/submit").status_code == 400
    assert reload(cid).submitted_at is None
    reply = client.post(f"/organize/campaigns/{cid}/submit", data={"csrf_token": csrf_from(preview)})
    assert reply.status_code == 302 and reply.headers["Location"] == f"/organize/campaigns/{cid}/preview"
    assert reload(cid).review_status == "submitted"
    preview = get(client, f"/organize/campaigns/{cid}/preview")
    assert "Submitted for review on" in preview and "Take back to edit" in preview
    assert current(preview) == "Site admin's review"
    assert next_text(preview) == ("Next: Freeze for the key ceremony, not possible yet. Waiting for a site admin's "
                                  "review.")
    # The edit pages of a submitted draft lead back to the preview, which says why.
    for url in (f"/organize/campaigns/{cid}/edit", f"/organize/campaigns/{cid}/conditions"):
        reply = client.get(url, follow_redirects=True)
        assert reply.request.path == f"/organize/campaigns/{cid}/preview", url
        assert "cannot change while a site admin reads it" in reply.get_data(as_text=True)
    # Submitting twice is refused and changes nothing.
    again = client.post(f"/organize/campaigns/{cid}/submit", data={"csrf_token": csrf_from(preview)})
    assert again.status_code == 409 or again.status_code == 400
    reply = client.post(f"/organize/campaigns/{cid}/take-back", data={"csrf_token": csrf_from(preview)})
    assert reply.status_code == 302
    assert reload(cid).review_status == "draft" and reload(cid).is_editable
    assert client.get(f"/organize/campaigns/{cid}/edit").status_code == 200


def test_a_refused_draft_shows_the_admins_note_and_edit_and_submit_again(client, draft, make_user):
    cid = draft.id
    admin, _ = make_user(Role.ADMIN, email="admin@staff.example")
    from pledge.database import write_intent

    with write_intent():
        campaign = db.session.get(Campaign, cid)
        review.submit(db.session, campaign, utcnow())
        review.refuse(db.session, campaign, admin, "Name the labs' policies you mean in condition 1.")
        db.session.commit()
    for url in (f"/organize/campaigns/{cid}/preview", "/organize/"):
        page = get(client, url)
        assert "Name the labs&#39; policies you mean in condition 1." in page, url
        assert "Edit and submit again" in page, url
    preview = get(client, f"/organize/campaigns/{cid}/preview")
    assert 'role="alert"' in preview.split('id="review"')[1].split("</section>")[0]
    assert "Submit again for review" in preview


def test_an_approved_draft_says_so_and_the_trustees_page_names_what_is_missing(client, draft):
    cid = draft.id
    approve(cid)
    preview = get(client, f"/organize/campaigns/{cid}/preview")
    assert "Approved by a site admin on" in preview and "next: freeze for the key ceremony" in preview
    trustees = get(client, f"/organize/campaigns/{cid}/trustees")
    assert current(trustees) == "Invite trustees"
    assert next_text(trustees) == "Next: Freeze for the key ceremony, not possible yet. Invite 2 more trustees: " \
                                  "2 seats, 0 taken."
    people = [FakeTrustee("Trustee 1", "t1@trustees.example"), FakeTrustee("Trustee 2", "t2@trustees.example")]
    seat_everyone(reload(cid), people)
    trustees = get(client, f"/organize/campaigns/{cid}/trustees")
    assert next_href(trustees) == f"/organize/campaigns/{cid}/freeze/confirm"
    assert f'action="/organize/campaigns/{cid}/freeze"' not in trustees


def test_next_step_counts_trustees_without_keys(client, draft):
    from pledge.database import write_intent
    from pledge.services import trustees as seats

    approve(draft.id)
    with write_intent():
        campaign = db.session.get(Campaign, draft.id)
        for i in (1, 2):
            seats.invite_trustee(db.session, campaign, name=f"T{i}", email=f"t{i}@trustees.example", now=utcnow())
        db.session.commit()
    page = get(client, f"/organize/campaigns/{draft.id}/trustees")
    assert next_text(page).endswith("2 trustees have not registered their keys.")


def test_freeze_needs_the_confirmation_page_box(app, client, draft):
    cid = draft.id
    people = [FakeTrustee("Trustee 1", "t1@trustees.example"), FakeTrustee("Trustee 2", "t2@trustees.example")]
    seat_everyone(reload(cid), people)
    approve(cid)
    url = f"/organize/campaigns/{cid}/freeze/confirm"
    page = get(client, url)
    for words in ("Nothing below can change afterwards", "Publish the safety framework.", "Anthropic", "anthropic.com",
                  "Trustee 1", "Trustee 2", "Deadline", "k, the fewest signers", "Witnesses", "I understand"):
        assert words in page, words
    assert current(page) == "Key ceremony"
    # Without the box: refused, nothing changes.
    reply = client.post(url, data={"csrf_token": csrf_from(page)})
    assert reply.status_code == 400 and "Tick the box" in reply.get_data(as_text=True)
    assert reload(cid).state == CampaignState.DRAFT and reload(cid).manifest is None
    reply = client.post(url, data={"csrf_token": csrf_from(page), "understand": "y"})
    assert reply.status_code == 302 and reply.headers["Location"] == f"/organize/campaigns/{cid}/trustees"
    assert reload(cid).state == CampaignState.CEREMONY and reload(cid).manifest is not None
    # Now the page says it is frozen and offers no button.
    page = get(client, url)
    assert "This campaign is already frozen." in page and "Freeze for good" not in page


def test_freeze_confirmation_of_an_unapproved_draft_offers_no_button(client, draft):
    page = get(client, f"/organize/campaigns/{draft.id}/freeze/confirm")
    assert "A site admin must approve this campaign" in page and "Freeze for good" not in page


def test_launch_needs_the_confirmation_page_box(app, client, draft):
    from pledge.database import write_intent
    from pledge.services import ceremony

    cid = draft.id
    people = [FakeTrustee("Trustee 1", "t1@trustees.example"), FakeTrustee("Trustee 2", "t2@trustees.example")]
    seats = seat_everyone(reload(cid), people)
    approve(cid)
    url = f"/organize/campaigns/{cid}/launch/confirm"
    with write_intent():
        ceremony.freeze(db.session, reload(cid), app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
        db.session.commit()
    assert "Launch: open signing" not in get(client, url)
    trustees = get(client, f"/organize/campaigns/{cid}/trustees")
    assert next_text(trustees).startswith("Next: Launch the campaign, not possible yet.")
    campaign = reload(cid)
    package = post_deals(campaign, people, seats)
    board = ceremony.board_file(db.session, campaign)
    with write_intent():
        for person, seat in zip(people, seats, strict=True):
            ceremony.submit_result(db.session, campaign, seat, person.finish_file(package, board, seat.seat), utcnow())
        db.session.commit()
    trustees = get(client, f"/organize/campaigns/{cid}/trustees")
    assert next_href(trustees) == url and f'action="/organize/campaigns/{cid}/launch"' not in trustees
    page = get(client, url)
    assert "computes the campaign key" in page and "opens signing" in page and "Nothing can change" in page
    reply = client.post(url, data={"csrf_token": csrf_from(page)})
    assert reply.status_code == 400 and reload(cid).launched_at is None
    reply = client.post(url, data={"csrf_token": csrf_from(page), "understand": "y"})
    assert reply.status_code == 302 and reply.headers["Location"] == f"/campaigns/{reload(cid).slug}"
    assert reload(cid).state == CampaignState.OPEN


def field_errors(page: str) -> dict[str, str]:
    """Each field's error text, by field id."""
    return {m.group(1): html_lib.unescape(m.group(2)) for m in re.finditer(r'<p class="error" id="([\w-]+)-error">(.*?)</p>',
                                                                              page, re.S)}


def test_t_must_be_a_majority_unless_the_organizer_accepts_less(client, labs, organizer):
    reply = post_form(client, "/organize/campaigns/new", draft_form(labs, trustee_count="4", trustee_quorum="2"))
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "t = 2 is not a majority of the 4 trustees" in field_errors(page)["trustee_quorum"]
    assert "Set t to at least 3" in field_errors(page)["trustee_quorum"]
    assert "I accept a quorum that is not a majority" in page
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0
    reply = post_form(client, "/organize/campaigns/new",
                      draft_form(labs, trustee_count="4", trustee_quorum="2", weak_quorum="y"))
    assert reply.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.trustee_quorum, campaign.trustee_count) == (2, 4)
    # Editing shows the box still ticked; a majority needs no box.
    edit = get(client, f"/organize/campaigns/{campaign.id}/edit")
    assert re.search(r'<input checked id="weak_quorum"|id="weak_quorum" name="weak_quorum" type="checkbox" '
                     r'value="y" checked|checked[^>]*id="weak_quorum"', edit)
    reply = post_form(client, f"/organize/campaigns/{campaign.id}/edit",
                      draft_form(labs, trustee_count="3", trustee_quorum="2"))
    assert reply.status_code == 302


@pytest.mark.parametrize("t,n", [(1, 1), (2, 3), (3, 4), (3, 5)])
def test_a_majority_quorum_needs_no_box(client, labs, organizer, t, n):
    reply = post_form(client, "/organize/campaigns/new", draft_form(labs, trustee_count=str(n), trustee_quorum=str(t),
                                                                   witness_quorum=""))
    assert reply.status_code == 302, field_errors(reply.get_data(as_text=True))


def test_every_problem_is_reported_at_once_with_a_summary(client, labs, organizer):
    data = draft_form(labs, title="", min_total="10", min_per_lab="20", min_labs="1", trustee_count="4",
                      trustee_quorum="1", suppress_below="1", deadline="2020-01-01T00:00",
                      contact_address="not an address")
    reply = post_form(client, "/organize/campaigns/new", data)
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    errors = field_errors(page)
    assert set(errors) >= {"title", "min_total", "trustee_quorum", "suppress_below", "deadline", "contact_address"}, \
        errors
    summary = page.split('class="error-summary')[1].split("</div>")[0]
    for field in ("title", "min_total", "trustee_quorum", "suppress_below", "deadline", "contact_address"):
        assert f'href="#{field}"' in summary, field
    assert 'role="alert"' in summary.split(">")[0]
    # Each field points at its own error.
    assert 'aria-describedby="trustee_quorum-help trustee_quorum-error"' in page
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_a_valid_draft_still_saves_first_time(client, labs, organizer):
    reply = post_form(client, "/organize/campaigns/new", draft_form(labs))
    assert reply.status_code == 302


def test_the_conditions_form_reports_its_problem_in_a_summary(client, draft):
    url = f"/organize/campaigns/{draft.id}/conditions"
    reply = post_form(client, url, {"text": ""})
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert 'class="error-summary' in page and 'href="#text"' in page


def test_the_trustee_invitation_form_reports_every_problem(client, draft):
    url = f"/organize/campaigns/{draft.id}/trustees"
    reply = post_form(client, url, {"name": "", "email": ""})
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    summary = page.split('class="error-summary')[1].split("</div>")[0]
    assert 'href="#name"' in summary and 'href="#email"' in summary


@pytest.mark.parametrize("given,stored", [("", None), ("  Press@Example.ORG ", "press@example.org"),
                                          ("pledge+contact@lab.example", "pledge+contact@lab.example")])
def test_the_contact_address_is_optional_and_stored_clean(client, labs, organizer, given, stored):
    reply = post_form(client, "/organize/campaigns/new", draft_form(labs, contact_address=given))
    assert reply.status_code == 302
    assert db.session.scalar(select(Campaign)).contact_address == stored


@pytest.mark.parametrize("given", ["nobody", "a@b@c.example", "Ada <ada@x.example>", "x@y.example, z@w.example",
                                   "a@x.example\r\nBcc: b@y.example"])
def test_a_bad_contact_address_is_refused(client, labs, organizer, given):
    reply = post_form(client, "/organize/campaigns/new", draft_form(labs, contact_address=given))
    assert reply.status_code == 400
    assert "contact_address" in field_errors(reply.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_the_contact_address_is_explained_and_editable_only_in_drafts(client, labs, organizer, make_campaign):
    page = get(client, "/organize/campaigns/new")
    assert "Public contact address" in page and "Shown on the public page" in page
    assert "any address you choose" in page
    frozen = make_campaign(organizer=organizer, state=CampaignState.CEREMONY)
    reply = client.get(f"/organize/campaigns/{frozen.id}/edit")
    assert reply.status_code == 302


def test_invitation_mail_says_how_to_install_the_trustee_tool(app, client, sink, draft):
    app.config["MAIL_PORT"] = sink.port
    url = f"/organize/campaigns/{draft.id}/trustees"
    assert post_form(client, url, {"name": "Ada", "email": "ada@trustees.example"}).status_code == 302
    mail = sink.wait_for("ada@trustees.example", "invited")
    assert "python3 -m venv ~/pledge-tools" in mail.body
    assert "~/pledge-tools/bin/pip install /path/to/pledge" in mail.body
    assert "docs/trustees.md" in mail.body


def test_submitting_tells_the_site_admins_by_mail(app, client, sink, draft, make_user):
    app.config["MAIL_PORT"] = sink.port
    make_user(Role.ADMIN, email="admin@staff.example")
    preview = get(client, f"/organize/campaigns/{draft.id}/preview")
    reply = client.post(f"/organize/campaigns/{draft.id}/submit", data={"csrf_token": csrf_from(preview)})
    assert reply.status_code == 302
    mail = sink.wait_for("admin@staff.example", "waits for review")
    assert draft.title in mail.body
