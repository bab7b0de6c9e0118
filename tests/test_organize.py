"""Campaign authoring by organizers, and who may touch which campaign."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Role
from tests.kit.forms import csrf_from, post_form


def deadline_text(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def draft_form(lab_rows, /, **overrides):
    data = {
        "title": "Evaluations before deployment",
        "slug": "",
        "pledge_text": "I will **withhold** my work.\n\n<script>alert(1)</script>",
        "labs": [str(lab_rows[slug].id) for slug in ("anthropic", "openai", "meta")],
        "min_total": "100",
        "min_per_lab": "10",
        "min_labs": "2",
        "deadline": deadline_text(),
        "trustee_count": "5",
        "trustee_quorum": "3",
        "suppress_below": "5",
        "batch_interval_seconds": "3600",
    }
    data.update(overrides)
    return data


@pytest.fixture
def organizer(make_user, login):
    user, password = make_user(Role.ORGANIZER, email="org@staff.example")
    login("org@staff.example", password)
    return user


def campaign_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Campaign))


def test_anonymous_visitors_are_sent_to_login(client, make_campaign):
    campaign = make_campaign(state=CampaignState.DRAFT)
    for url in ("/organize/", "/organize/campaigns/new", f"/organize/campaigns/{campaign.id}/edit",
                f"/organize/campaigns/{campaign.id}/conditions", f"/organize/campaigns/{campaign.id}/preview"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url


def test_a_trustee_without_the_organizer_role_is_refused(client, make_user, login):
    _, password = make_user(Role.TRUSTEE, email="t@staff.example")
    login("t@staff.example", password)
    assert client.get("/organize/").status_code == 403
    assert client.get("/organize/campaigns/new").status_code == 403


def test_create_a_draft(client, labs, organizer):
    response = post_form(client, "/organize/campaigns/new", draft_form(labs))
    assert response.status_code == 302, response.get_data(as_text=True)
    campaign = db.session.scalar(select(Campaign))
    assert response.headers["Location"] == f"/organize/campaigns/{campaign.id}/conditions"
    assert campaign.state == CampaignState.DRAFT
    assert campaign.slug == "evaluations-before-deployment"
    assert campaign.organizer_id == organizer.id
    assert sorted(lab.slug for lab in campaign.labs) == ["anthropic", "meta", "openai"]
    assert (campaign.min_total, campaign.min_per_lab, campaign.min_labs) == (100, 10, 2)
    assert (campaign.trustee_quorum, campaign.trustee_count, campaign.suppress_below) == (3, 5, 5)
    assert campaign.deadline.tzinfo is not None
    # A draft is private.
    assert client.get(f"/campaigns/{campaign.slug}").status_code == 404
    assert client.get(f"/api/campaigns/{campaign.slug}").status_code == 404


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"min_labs": "4"}, "only 3 labs are eligible"),
        ({"labs": []}, "Choose at least one eligible lab"),
        ({"min_per_lab": "3"}, "below k (5)"),
        ({"min_per_lab": "0"}, "or leave both at 0"),
        ({"min_total": "15", "min_per_lab": "10", "min_labs": "2"}, "Raise the overall minimum to at least 20"),
        ({"trustee_quorum": "6"}, "at most the number of trustees"),
        ({"deadline": deadline_text(-1)}, "at least one day from now"),
        ({"deadline": deadline_text(1000)}, "within two years"),
        ({"deadline": "tomorrow"}, "Not a valid datetime value"),
        ({"slug": "Bad Slug!"}, "lower-case letters, digits and hyphens"),
        ({"batch_interval_seconds": "61"}, "Not a valid choice"),
        ({"title": ""}, "This field is required"),
        ({"min_total": "lots"}, "Not a valid integer value"),
    ],
)
def test_bad_drafts_are_refused_with_a_clear_message_and_change_nothing(client, labs, organizer, overrides, message):
    response = post_form(client, "/organize/campaigns/new", draft_form(labs, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert campaign_count() == 0


KEY_A, KEY_B = "ab" * 32, "cd" * 32


def field_error(page: str, field: str) -> str:
    """The error text shown under one form field ('' when it has none)."""
    marker = f'<p class="error" id="{field}-error">'
    return page.split(marker, 1)[1].split("</p>", 1)[0] if marker in page else ""


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"suppress_below": "1"}, "suppress_below", "k must be at least 2"),
        ({"witness_quorum": "4"}, "witness_quorum", "w must not exceed t = 3"),
        ({"witness_quorum": "2"}, "witness_quorum", "w must be a majority of the 5 witnesses (at least 3)"),
        # Two extra witnesses: 7 in all, and the smallest majority (4) is more than t = 3.
        ({"witnesses": f"Auditor A {KEY_A}\nAuditor B {KEY_B}"}, "witness_quorum",
         "(left empty: the smallest majority, 4): w must not exceed t = 3"),
        ({"witnesses": f"Auditor A {KEY_A}\nAuditor B {KEY_A}", "witness_quorum": "3", "trustee_quorum": "4"},
         "witnesses", "Witness 2 (Auditor B): this key is listed twice"),
        ({"witnesses": f"Auditor A {KEY_A.upper()}"}, "witnesses", "64 lowercase hex characters"),
        ({"witnesses": "Auditor A abcd"}, "witnesses", "64 lowercase hex characters"),
        ({"witnesses": KEY_A}, "witnesses", "Witness 1: give a name"),
        ({"reveal_window_days": "0"}, "reveal_window_days", "between 1 and 366"),
        ({"reveal_window_days": "367"}, "reveal_window_days", "between 1 and 366"),
    ],
)
def test_protecting_parameters_are_checked_and_the_message_names_the_field(client, labs, organizer, overrides,
                                                                             field, message):
    response = post_form(client, "/organize/campaigns/new", draft_form(labs, **overrides))
    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), field)
    assert campaign_count() == 0


def test_the_protecting_parameters_are_saved_with_their_defaults(client, labs, organizer):
    response = post_form(client, "/organize/campaigns/new", draft_form(labs))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.practice, campaign.witness_list, campaign.witness_quorum) == (False, [], None)
    assert campaign.effective_witness_quorum == 3  # the smallest majority of the 5 trustees
    assert campaign.reveal_window_seconds == 14 * 86400


def test_extra_witnesses_and_w_are_saved_and_shown_again_for_editing(client, labs, organizer):
    form = draft_form(labs, witnesses=f"Auditor A {KEY_A}\n\n  Watch Group B   {KEY_B} ", witness_quorum="4",
                      trustee_quorum="4", reveal_window_days="30")
    assert post_form(client, "/organize/campaigns/new", form).status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.witness_list == [{"name": "Auditor A", "ed25519": KEY_A}, {"name": "Watch Group B", "ed25519": KEY_B}]
    assert (campaign.witness_quorum, campaign.witness_count, campaign.reveal_window_seconds) == (4, 7, 30 * 86400)
    page = client.get(f"/organize/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert f"Auditor A {KEY_A}\nWatch Group B {KEY_B}" in page
    preview = " ".join(client.get(f"/organize/campaigns/{campaign.id}/preview").get_data(as_text=True).split())
    assert "the trustees and Auditor A, Watch Group B; 4 of 7 cosignatures confirm a head" in preview
    assert "within 30 days of its freeze is abandoned" in preview
    # Rounds do not yet reveal per lab none or at least k: the page must not promise it.
    assert "revealed in a group" not in preview and "smaller than" not in preview
    assert re.search(r'<input[^>]*name="reveal_window_days"[^>]*value="30"', page)


def test_a_practice_campaign_may_use_k_1_and_its_pages_say_it_is_practice(client, labs, organizer):
    response = post_form(client, "/organize/campaigns/new", draft_form(labs, suppress_below="1", min_per_lab="0",
                                                                      min_labs="0", practice="y"))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.practice, campaign.suppress_below) == (True, 1)
    preview = client.get(f"/organize/campaigns/{campaign.id}/preview").get_data(as_text=True)
    assert "Practice campaign." in preview and "Nothing signed here is a real" in preview
    assert "revealed in a group" not in preview


def test_duplicate_slug_is_refused(client, labs, organizer, make_campaign):
    make_campaign(slug="taken-slug")
    response = post_form(client, "/organize/campaigns/new", draft_form(labs, slug="taken-slug"))
    assert response.status_code == 400
    assert "already uses that address" in response.get_data(as_text=True)


def test_edit_a_draft(client, labs, organizer, make_campaign):
    campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT)
    url = f"/organize/campaigns/{campaign.id}/edit"
    form_page = client.get(url).get_data(as_text=True)
    assert "A test campaign" in form_page
    response = post_form(client, url, draft_form(labs, title="A better title", slug=campaign.slug))
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert campaign.title == "A better title"


def test_frozen_campaigns_cannot_be_edited(client, labs, organizer, make_campaign):
    campaign = make_campaign(organizer=organizer, state=CampaignState.OPEN, title="Frozen title")
    url = f"/organize/campaigns/{campaign.id}/edit"
    assert client.get(url).status_code == 302
    token = csrf_from(client.get("/organize/").get_data(as_text=True))
    client.post(url, data={**draft_form(labs, title="Changed"), "csrf_token": token})
    conditions_url = f"/organize/campaigns/{campaign.id}/conditions"
    added = client.post(conditions_url, data={"text": "Sneaky new condition", "csrf_token": token})
    assert added.status_code == 409
    assert "can no longer change" in added.get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.title == "Frozen title"
    assert [c.text for c in campaign.conditions] == ["Publish the safety framework."]


def test_other_organizers_cannot_see_or_change_a_draft(client, make_user, login, make_campaign):
    owner, _ = make_user(Role.ORGANIZER, email="owner@staff.example")
    campaign = make_campaign(organizer=owner, state=CampaignState.DRAFT)
    _, password = make_user(Role.ORGANIZER, email="other@staff.example")
    login("other@staff.example", password)
    for url in (f"/organize/campaigns/{campaign.id}/edit", f"/organize/campaigns/{campaign.id}/preview",
                f"/organize/campaigns/{campaign.id}/conditions"):
        assert client.get(url).status_code == 404, url
    token = csrf_from(client.get("/organize/").get_data(as_text=True))
    condition_id = campaign.conditions[0].id
    response = client.post(f"/organize/campaigns/{campaign.id}/conditions/{condition_id}/delete",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert "A test campaign" not in client.get("/organize/").get_data(as_text=True)


def test_admins_manage_every_campaign(client, make_user, login, make_campaign):
    campaign = make_campaign(state=CampaignState.DRAFT, title="Someone else's draft")
    _, password = make_user(Role.ADMIN, email="admin@staff.example")
    login("admin@staff.example", password)
    assert "Someone else&#39;s draft" in client.get("/organize/").get_data(as_text=True)
    assert client.get(f"/organize/campaigns/{campaign.id}/preview").status_code == 200


def test_conditions_are_added_edited_reordered_and_deleted(client, organizer, make_campaign):
    campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT, conditions=())
    url = f"/organize/campaigns/{campaign.id}/conditions"
    assert "No conditions yet" in client.get(url).get_data(as_text=True)
    for text in ("First", "Second", "Third"):
        assert post_form(client, url, {"text": text}).status_code == 302
    db.session.refresh(campaign)
    ids = [c.id for c in campaign.conditions]
    assert [c.text for c in campaign.conditions] == ["First", "Second", "Third"]

    assert post_form(client, url, {"direction": "up"}, action=f"{url}/{ids[2]}/move").status_code == 302
    assert post_form(client, url, {"direction": "up"}, action=f"{url}/{ids[0]}/move").status_code == 302  # at the top: no-op
    assert post_form(client, url, {"text": "Second, clarified"}, action=f"{url}/{ids[1]}").status_code == 302
    assert post_form(client, url, {}, action=f"{url}/{ids[0]}/delete").status_code == 302
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert [c.text for c in campaign.conditions] == ["Third", "Second, clarified"]

    empty = post_form(client, url, {"text": "   "})
    assert empty.status_code == 400
    assert post_form(client, url, {"direction": "sideways"}, action=f"{url}/{ids[1]}/move").status_code == 400


def test_preview_renders_sanitised_text_conditions_and_rule(client, organizer, make_campaign):
    campaign = make_campaign(
        organizer=organizer, state=CampaignState.DRAFT,
        pledge_text="I **will** refuse.\n\n<script>alert('x')</script>\n\n[bad](javascript:alert(1))",
        conditions=("Publish evaluations <b>now</b>",),
    )
    page = client.get(f"/organize/campaigns/{campaign.id}/preview").get_data(as_text=True)
    assert "Preview." in page and "It is a draft" in page
    assert "<strong>will</strong>" in page
    assert "<script>alert" not in page and 'href="javascript' not in page
    assert "Publish evaluations &lt;b&gt;now&lt;/b&gt;" in page
    assert "50 signatures overall, including at least 10 at each of 2 different labs" in page
