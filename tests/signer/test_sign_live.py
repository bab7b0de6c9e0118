"""``pledge-sign sign``, ``check`` and ``withdraw`` against the real application: a campaign
launched by a real ceremony, tokens from the real verification flow, real HTTP."""

from __future__ import annotations

import json
import re
import stat

import pytest
from sqlalchemy import select

from crypto.hashing import WIRE_VERSION, canonical_json
from crypto.opening import parse_opening
from pledge.extensions import db
from pledge.models import Entry
from tests.kit.ticks import publish_due
from tests.signer.helpers import ADDRESS, one_error_line, read_tokens
from tests.signer.sign_kit import check, launch_campaign, open_entry, read_json, sign, verify, withdraw

RECEIPT_KEYS = {"v", "kind", "server", "campaign", "slug", "ctx", "leaf_hash", "nullifier",
                "opening", "withdrawal_secret"}
NAME, STATEMENT = "Ada Lovelace", "No frontier run without the evaluations."


@pytest.fixture
def launched(app, make_campaign):
    """An open campaign whose key comes from a real ceremony."""
    return launch_campaign(app, make_campaign, title="Evaluations first",
                           lab_slugs=("anthropic", "openai", "meta"))


@pytest.fixture
def tokens(site, launched, type_code, tmp_path):
    """Ada's tokens file, from ``pledge-sign verify`` and the code emailed to her."""
    path = tmp_path / "tokens.json"
    assert verify(site, ADDRESS, path) == 0
    return path


@pytest.fixture
def signed(site, launched, tokens, tmp_path, capsys):
    """Ada signs with every field given; yields the receipt path."""
    receipt = tmp_path / "receipt.json"
    capsys.readouterr()
    assert sign(site, launched.campaign.slug, tokens, receipt, name=NAME, role="Researcher",
                statement=STATEMENT) == 0
    return receipt


def public_total(app, launched) -> int:
    """The public count, as ``GET /api/campaigns/<slug>`` serves it."""
    return app.test_client().get(f"/api/campaigns/{launched.campaign.slug}").get_json()["total"]


def test_sign_keeps_a_private_receipt_removes_the_token_and_prints_no_secret(
    site, launched, tokens, tmp_path, capsys
):
    token = read_tokens(tokens)[0]
    receipt_path = tmp_path / "receipt.json"
    capsys.readouterr()

    assert sign(site, launched.campaign.slug, tokens, receipt_path, name=NAME,
                role="Researcher", statement=STATEMENT) == 0

    # The receipt has the contract's shape, is readable by Ada alone, and names the stored entry.
    receipt = read_json(receipt_path)
    assert set(receipt) == RECEIPT_KEYS and receipt["kind"] == "pledge-receipt"
    assert receipt["server"] == site and receipt["slug"] == launched.campaign.slug
    assert receipt["campaign"] == launched.campaign.public_id
    assert stat.S_IMODE(receipt_path.stat().st_mode) == 0o600
    assert receipt_path.read_bytes() == canonical_json(receipt) + b"\n"
    db.session.rollback()
    entry = db.session.scalar(select(Entry))
    assert entry.leaf_hash.hex() == receipt["leaf_hash"]
    assert entry.nullifier.hex() == receipt["nullifier"]
    # The entry's leaf names no lab and no token: only a commitment, which the receipt's opening
    # (Ada's token for her lab, and a fresh nonce) opens.
    leaf = json.loads(entry.leaf)
    assert set(leaf) == {"ciphertext_sha256", "kind", "lab_commitment", "nullifier", "v", "withdrawal_key"}
    opening = parse_opening(receipt["opening"])
    assert opening.slug == "anthropic" and opening.prepared_message.hex() == token["prepared"]
    assert leaf["lab_commitment"] == opening.commitment.hex()
    assert b"anthropic" not in entry.leaf and token["prepared"].encode() not in entry.leaf
    # The spent token left the tokens file, which keeps the browser's shape.
    assert read_tokens(tokens) == []
    # Before submission Ada was told who sees what; after it, nothing she typed is echoed,
    # and no secret is printed at all.
    printed = capsys.readouterr()
    before, after = printed.out.split("Submitted.")
    assert "Who can see what, and when" in before and "nobody can read it" in before
    assert NAME not in after and STATEMENT not in after
    for secret in (token["prepared"], token["signature"], receipt["withdrawal_secret"]):
        assert secret not in printed.out + printed.err


def test_check_says_pending_then_included_with_a_verified_proof(app, signed, capsys):
    capsys.readouterr()
    assert check(signed) == 0
    assert capsys.readouterr().out.startswith("pending")

    publish_due(app)
    assert check(signed) == 0
    out = capsys.readouterr().out
    assert out.startswith("included at index 0 of a log of size 1, head signed at ")
    assert "inclusion proof verified" in out
    commitment = parse_opening(read_json(signed)["opening"]).commitment.hex()
    assert f"Your entry commits to Anthropic: its lab commitment {commitment} opens" in out
    assert "The log shows only the commitment" in out


def test_a_receipt_with_a_tampered_leaf_hash_is_not_found(app, signed, tmp_path, capsys):
    publish_due(app)
    doc = read_json(signed)
    doc["leaf_hash"] = f"{int(doc['leaf_hash'][0], 16) ^ 1:x}" + doc["leaf_hash"][1:]
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(canonical_json(doc))
    capsys.readouterr()

    assert check(tampered) == 4
    assert "No signature with this receipt exists" in one_error_line(capsys)


def test_withdraw_then_the_next_batch_drops_the_count_and_check_says_withdrawn(
    app, launched, signed, capsys
):
    # Given Ada's signature was published and counted,
    publish_due(app, hours=1)
    assert public_total(app, launched) == 1
    capsys.readouterr()

    # when she withdraws it, the server confirms and the count drops at the next batch only;
    assert withdraw(signed) == 0
    assert "cannot be undone" in capsys.readouterr().out
    assert public_total(app, launched) == 1
    # until that batch the log, and check, still show the entry as published (a withdrawal is
    # public only with its batch),
    assert check(signed) == 0
    assert capsys.readouterr().out.startswith("included at index 0 of a log of size 1")
    publish_due(app, hours=2)
    assert public_total(app, launched) == 0

    # check then says withdrawn, with the withdrawal's place in the log,
    assert check(signed) == 0
    out = capsys.readouterr().out
    assert out.startswith("withdrawn: your signature was included at index 0 of a log of size 2")
    assert "the withdrawal is at index 1" in out
    # and a second withdrawal is refused with the server's message.
    assert withdraw(signed) == 4
    assert "already withdrawn" in one_error_line(capsys)


def test_a_second_sign_finds_no_token_and_sends_nothing(site, launched, signed, tokens,
                                                        tmp_path, capsys):
    capsys.readouterr()
    again = tmp_path / "again.json"
    assert sign(site, launched.campaign.slug, tokens, again, name=NAME, role="Researcher") == 3
    assert "holds no token for campaign" in one_error_line(capsys)
    assert not again.exists()


def test_an_existing_receipt_is_never_overwritten(site, launched, tokens, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    receipt.write_text("mine")
    capsys.readouterr()
    assert sign(site, launched.campaign.slug, tokens, receipt, name=NAME, role="Researcher") == 5
    assert "refusing to overwrite" in one_error_line(capsys)
    assert receipt.read_text() == "mine" and len(read_tokens(tokens)) == 1
    db.session.rollback()
    assert db.session.scalar(select(Entry)) is None


def test_at_the_keyboard_the_disclosure_comes_before_the_questions(
    site, launched, tokens, sink, tmp_path, capsys, monkeypatch
):
    """Interactive signing: the explanation is printed before the first question, and the
    answers typed are what gets sealed (anonymous: no name is asked, and without
    --include-role no role either: the role sealed is "")."""
    answers = iter(["anonymous", "", "yes"])
    seen: list[tuple[str, str]] = []

    def keyboard(prompt: str = "") -> str:
        seen.append((prompt, capsys.readouterr().out))
        return next(answers)

    monkeypatch.setattr("builtins.input", keyboard)
    receipt = tmp_path / "receipt.json"
    from pledge_tools.sign.cli import main

    assert main(["sign", "--server", site, "--campaign", launched.campaign.slug,
                 "--tokens", str(tokens), "--receipt-out", str(receipt)]) == 0
    first_prompt, printed_before = seen[0]
    assert "name / anonymous" in first_prompt
    assert "Who can see what, and when" in printed_before
    assert "You are revealed only together with at least 4 others from your lab" in printed_before
    assert "withdraw" in printed_before and "not your employer's" in printed_before
    assert "“Evaluations first”" in printed_before
    assert not any("your name" in p.lower() or "your role" in p.lower() for p, _ in seen)
    assert "No role is sealed" in seen[1][1]
    assert re.search(r"Seal and submit", seen[-1][0])
    assert "role: (none)" in seen[-1][1]
    assert set(json.loads(receipt.read_text())) == RECEIPT_KEYS
    db.session.rollback()
    entry = db.session.scalar(select(Entry))
    assert open_entry(launched, entry) == {"v": WIRE_VERSION, "display": "anonymous", "name": "", "role": "",
                                           "statement": ""}


def test_an_anonymous_signer_who_includes_the_role_seals_it(site, launched, tokens, tmp_path):
    receipt = tmp_path / "receipt.json"
    assert sign(site, launched.campaign.slug, tokens, receipt, role="Member of technical staff",
                display="anonymous", include_role=True) == 0
    db.session.rollback()
    entry = db.session.scalar(select(Entry))
    assert open_entry(launched, entry)["role"] == "Member of technical staff"
