"""``pledge-sign verify`` against the real application: real SMTP, real token keys, real HTTP."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import func, select

from crypto import blindrsa
from pledge.extensions import db
from pledge.models import TokenIssuance
from pledge.services.affiliation import WrongCode
from pledge.services.tokens import TokenRefused, redeem_token
from tests.signer.helpers import (
    ADDRESS,
    assert_token_verifies,
    one_error_line,
    read_tokens,
    sign_verify,
)


@pytest.fixture
def campaigns(make_open_campaign):
    """Two open campaigns that accept Anthropic, and one that does not."""
    alpha = make_open_campaign(title="Alpha pledge", lab_slugs=("anthropic", "openai"))
    beta = make_open_campaign(title="Beta pledge", lab_slugs=("anthropic", "meta"))
    make_open_campaign(title="Gamma pledge", lab_slugs=("openai", "meta"))
    return alpha, beta


def anthropic_key(campaign) -> bytes:
    """The campaign's token public key for Anthropic, as stored by the server."""
    links = campaign.lab_links
    return next(link.token_public_key for link in links if link.lab.slug == "anthropic")


def test_verify_keeps_one_token_per_open_campaign_each_verifying_under_its_key(
    site, campaigns, type_code, tmp_path, capsys
):
    # Given two open campaigns that accept Anthropic, when Ada runs the tool and types her code,
    out = tmp_path / "tokens.json"
    assert sign_verify(site, out) == 0

    # then the file holds one token per campaign, each valid under that campaign's key,
    tokens = {entry["campaign"]: entry for entry in read_tokens(out)}
    assert set(tokens) == {c.public_id for c in campaigns}
    for campaign in campaigns:
        entry = tokens[campaign.public_id]
        assert entry["slug"] == campaign.slug and entry["title"] == campaign.title
        assert entry["lab"] == "anthropic"
        message = assert_token_verifies(entry, anthropic_key(campaign))
        assert message.campaign_id == campaign.public_id.encode("ascii")
        assert message.lab_slug == "anthropic"
    # readable by Ada alone,
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # and the output names the campaigns and gives the timing advice, never the code or a token.
    printed = capsys.readouterr()
    assert "Alpha pledge" in printed.out and "Beta pledge" in printed.out
    assert "Stored 2 new tokens" in printed.out and "from another network" in printed.out
    for secret in [*type_code.codes, *(e["prepared"] for e in tokens.values()),
                   *(e["signature"] for e in tokens.values())]:
        assert secret not in printed.out + printed.err
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 2


def test_a_second_run_for_the_same_address_reports_already_issued_and_adds_nothing(
    site, campaigns, type_code, tmp_path, capsys
):
    out = tmp_path / "tokens.json"
    assert sign_verify(site, out) == 0
    before = out.read_bytes()
    capsys.readouterr()

    assert sign_verify(site, out) == 3
    printed = capsys.readouterr()
    assert "already received its tokens" in printed.out
    assert "error" not in printed.err
    assert out.read_bytes() == before


def test_a_campaign_opened_later_is_added_to_the_file_and_the_rest_reported(
    site, campaigns, make_open_campaign, type_code, tmp_path, capsys
):
    out = tmp_path / "tokens.json"
    assert sign_verify(site, out) == 0
    kept = read_tokens(out)
    delta = make_open_campaign(title="Delta pledge", lab_slugs=("anthropic",))
    capsys.readouterr()

    assert sign_verify(site, out) == 0
    tokens = read_tokens(out)
    assert tokens[:2] == kept  # the earlier tokens are untouched
    assert [t["campaign"] for t in tokens[2:]] == [delta.public_id]
    assert_token_verifies(tokens[2], anthropic_key(delta))
    printed = capsys.readouterr().out
    assert "Stored 1 new token" in printed and "Delta pledge" in printed
    assert "already received its tokens for" in printed
    assert "Alpha pledge" in printed and "Beta pledge" in printed


def test_a_wrong_code_from_a_script_exits_with_the_servers_message(
    site, campaigns, sink, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("PLEDGE_SIGN_CODE", "00000000")
    out = tmp_path / "tokens.json"

    assert sign_verify(site, out) == 4
    sent = sink.wait_for(ADDRESS, "verification code")  # a code was sent, just not this one
    assert "00000000" not in sent.body
    assert WrongCode().message in one_error_line(capsys)
    assert not out.exists()


def test_at_the_keyboard_a_mistyped_code_can_be_typed_again(
    site, campaigns, type_code, tmp_path, capsys
):
    type_code.wrong_first = True
    out = tmp_path / "tokens.json"
    assert sign_verify(site, out) == 0
    assert len(type_code.prompts) == 2
    assert WrongCode().message in capsys.readouterr().out
    assert len(read_tokens(out)) == 2


def test_an_address_of_no_eligible_lab_is_refused_with_the_servers_message(
    site, campaigns, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("PLEDGE_SIGN_CODE", "12345678")
    assert sign_verify(site, tmp_path / "tokens.json", email="ada@example.org") == 4
    error = one_error_line(capsys)
    assert error.startswith("pledge-sign: error: Addresses at example.org are not eligible")


def test_tokens_from_the_file_redeem_on_the_server(site, campaigns, type_code, tmp_path):
    """The file is what a later signature carries: the server accepts each token once."""
    out = tmp_path / "tokens.json"
    assert sign_verify(site, out) == 0
    alpha = campaigns[0]
    entry = next(t for t in read_tokens(out) if t["campaign"] == alpha.public_id)
    prepared, signature = bytes.fromhex(entry["prepared"]), bytes.fromhex(entry["signature"])
    db.session.rollback()
    redeemed = redeem_token(db.session, alpha, prepared, signature)
    db.session.commit()
    assert redeemed.lab_slug == "anthropic"
    assert redeemed.nullifier == blindrsa.nullifier(prepared)
    with pytest.raises(TokenRefused):
        redeem_token(db.session, alpha, prepared, signature)
