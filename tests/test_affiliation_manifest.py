"""A campaign's eligible labs and domains are those of its manifest for its whole life.

Changing a lab's domains during a running campaign changes nothing for that campaign: a domain
removed from the registry still verifies for it, a domain added does not, and a domain moved to
another lab still gets the manifest's lab's token. Campaigns frozen after the change follow the
registry as it then was."""

import json

import pytest
from sqlalchemy import func, select

from crypto import blindrsa
from pledge.extensions import db
from pledge.models import IssuanceCount, Lab, TokenIssuance, VerificationCode
from tests.test_affiliation import blind_requests, code_for, issue, post, start, verified_ticket


@pytest.fixture
def sink(app, sink):
    app.config["MAIL_PORT"] = sink.port
    return sink


def edit(runner, slug, *domains):
    args = ["lab", "edit", slug]
    for domain in domains:
        args += ["--domain", domain]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def reshuffle(runner):
    """During the campaign: Anthropic drops anthropic.com and gains anthropic.ai; OpenAI's
    openai.com moves to Anthropic (OpenAI keeps only openai.org)."""
    edit(runner, "openai", "openai.org")
    edit(runner, "anthropic", "anthropic.ai", "openai.com")


def manifest_domains(campaign):
    return {lab["slug"]: lab["domains"] for lab in json.loads(campaign.manifest)["labs"]}


def signed_tokens(client, ticket, pending, response):
    """Finalise and verify each blind signature; the token messages, by campaign id."""
    assert response.status_code == 200, response.get_json()
    messages = {}
    for item in response.get_json()["signatures"]:
        key, prepared, _, inv = pending[item["campaign"]]
        signature = blindrsa.finalize(key, prepared, bytes.fromhex(item["blind_signature"]), inv)
        messages[item["campaign"]] = blindrsa.verify_token(key, prepared, signature)
    return messages


def test_changing_a_labs_domains_during_a_running_campaign_changes_nothing_for_it(client, sink, runner, launched):
    campaign, _, _ = launched
    assert manifest_domains(campaign) == {"anthropic": ["anthropic.com"], "openai": ["openai.com"]}
    reshuffle(runner)
    db.session.expire_all()
    assert db.session.scalar(select(Lab).where(Lab.slug == "anthropic")).domain_names == ["anthropic.ai", "openai.com"]

    # The domain removed from Anthropic still verifies for the campaign, as Anthropic.
    ticket = verified_ticket(client, sink, "ada@anthropic.com")
    assert ticket["lab"]["slug"] == "anthropic"
    assert [c["id"] for c in ticket["campaigns"]] == [campaign.public_id]
    pending = blind_requests(client, ticket)
    tokens = signed_tokens(client, ticket, pending, issue(client, ticket, pending))
    assert tokens[campaign.public_id].lab_slug == "anthropic"

    # The domain added to Anthropic is refused: no open campaign's manifest lists it. Nothing is sent.
    refused = post(client, "/api/verify/start", {"email": "bo@anthropic.ai"})
    assert refused.status_code == 422 and refused.get_json()["error"] == "not_eligible"
    assert refused.get_json()["message"] == "Addresses at anthropic.ai are not eligible for any open campaign."
    assert sink.messages("bo@anthropic.ai") == []
    # So is OpenAI's new domain.
    assert post(client, "/api/verify/start", {"email": "bo@openai.org"}).status_code == 422

    # The domain moved from OpenAI to Anthropic still gets OpenAI's token (the manifest's lab),
    # signed with OpenAI's key for this campaign, and counts for OpenAI.
    moved = verified_ticket(client, sink, "cy@openai.com")
    assert moved["lab"]["slug"] == "openai"
    pending = blind_requests(client, moved)
    tokens = signed_tokens(client, moved, pending, issue(client, moved, pending))
    assert tokens[campaign.public_id].lab_slug == "openai"
    counted = {db.session.get(Lab, row.lab_id).slug: row.issued for row in db.session.scalars(select(IssuanceCount))}
    assert counted == {"anthropic": 1, "openai": 1}
    # The verification codes were recorded under the manifest's labs.
    assert sorted(db.session.get(Lab, row.lab_id).slug for row in db.session.scalars(select(VerificationCode))) == [
        "anthropic", "openai"]


def test_a_campaign_frozen_after_the_change_follows_the_registry_as_it_then_was(client, sink, runner, labs,
                                                                               make_open_campaign):
    before = make_open_campaign(title="Before", lab_slugs=("anthropic", "openai"))
    edit(runner, "anthropic", "anthropic.ai", "anthropic.com")  # a domain added
    after = make_open_campaign(title="After", lab_slugs=("anthropic", "openai"))
    assert manifest_domains(before)["anthropic"] == ["anthropic.com"]
    assert manifest_domains(after)["anthropic"] == ["anthropic.ai", "anthropic.com"]

    # The old domain covers both campaigns; the new one only the later campaign.
    old = verified_ticket(client, sink, "ada@anthropic.com")
    assert {c["id"] for c in old["campaigns"]} == {before.public_id, after.public_id}
    new = verified_ticket(client, sink, "bo@anthropic.ai")
    assert [c["id"] for c in new["campaigns"]] == [after.public_id]

    # The new domain's ticket cannot be stretched to the earlier campaign: issuance takes exactly
    # the listed campaigns, computed again from the manifests and the code's domain.
    pending = blind_requests(client, new)
    extra = blind_requests(client, {**new, "campaigns": old["campaigns"]})
    stretched = issue(client, new, extra)
    assert stretched.status_code == 400 and "every listed campaign" in stretched.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 0
    # (That spent the ticket; a fresh verification gets the one token it may have.)
    again = verified_ticket(client, sink, "bo@anthropic.ai")
    pending = blind_requests(client, again)
    assert set(signed_tokens(client, again, pending, issue(client, again, pending))) == {after.public_id}


def test_a_ticket_is_bound_to_its_domain_but_one_person_is_still_one_identity_per_lab(client, sink, runner, labs,
                                                                                     make_open_campaign):
    """The domain is not an identity: the same local part at the manifest's other domain of the
    same lab is the same person, even when the registry has since dropped that domain."""
    edit(runner, "meta", "meta.com", "fb.com", "facebook.com")
    campaign = make_open_campaign(title="Meta", lab_slugs=("meta",))
    edit(runner, "meta", "meta.com")
    first = verified_ticket(client, sink, "zed@facebook.com")
    pending = blind_requests(client, first)
    assert signed_tokens(client, first, pending, issue(client, first, pending))[campaign.public_id].lab_slug == "meta"
    second = verified_ticket(client, sink, "zed@fb.com")
    refused = issue(client, second, blind_requests(client, second))
    assert refused.status_code == 409 and refused.get_json()["error"] == "already_issued"


def test_a_domain_two_open_campaigns_give_to_different_labs_verifies_for_the_registrys_lab(client, sink, runner, labs,
                                                                                       make_open_campaign):
    early = make_open_campaign(title="Early", lab_slugs=("anthropic", "openai"))
    edit(runner, "openai", "openai.org")
    edit(runner, "anthropic", "anthropic.com", "openai.com")
    late = make_open_campaign(title="Late", lab_slugs=("anthropic", "openai"))
    assert manifest_domains(early)["openai"] == ["openai.com"]
    assert manifest_domains(late)["anthropic"] == ["anthropic.com", "openai.com"]
    ticket = verified_ticket(client, sink, "cy@openai.com")
    assert ticket["lab"]["slug"] == "anthropic"
    assert [c["id"] for c in ticket["campaigns"]] == [late.public_id]


def test_a_code_started_before_a_change_is_checked_and_issued_by_the_manifest(client, sink, runner, labs,
                                                                             make_open_campaign):
    campaign = make_open_campaign(title="Steady", lab_slugs=("anthropic",))
    handle = start(client, "ada@anthropic.com")
    edit(runner, "anthropic", "anthropic.ai")
    response = post(client, "/api/verify/check", {"email": "ada@anthropic.com", "code": code_for(sink, "ada@anthropic.com"),
                                                  "handle": handle})
    assert response.status_code == 200
    ticket = response.get_json()
    edit(runner, "anthropic", "anthropic.net")
    pending = blind_requests(client, ticket)
    assert set(signed_tokens(client, ticket, pending, issue(client, ticket, pending))) == {campaign.public_id}
