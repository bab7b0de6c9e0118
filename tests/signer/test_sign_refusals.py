"""What ``pledge-sign sign``, ``check`` and ``withdraw`` refuse: a board whose transcript
signature is forged or whose ``Y`` is not the trustees', a receipt from the server for another
leaf than the one computed here, a tree head with a bad signature or differing from the served
head, a published leaf that does not commit to the receipt's lab, a damaged receipt, a refusal
by the server, and a signer who does not confirm. A small fake server with real cryptography
plays the misbehaving site (and, for the leaf, the server the protocol describes)."""

from __future__ import annotations

import json
import re
import secrets

import pytest

from crypto.hashing import H, canonical_json
from crypto.opening import lab_commitment, parse_opening
from pledge_tools.sign.cli import main
from tests.browser import live_server
from tests.signer.fake_signing_server import FakeSigningServer
from tests.signer.helpers import one_error_line, read_tokens
from tests.signer.sign_kit import check, sign


@pytest.fixture
def fake():
    """A fake site serving one campaign with a real manifest and a real DKG board."""
    server = FakeSigningServer()
    with live_server(server) as url:
        server.url = url
        yield server


@pytest.fixture
def tokens(fake, tmp_path):
    """A tokens file holding a valid token for the fake's campaign."""
    path = tmp_path / "tokens.json"
    fake.ceremony.write_tokens(path)
    return path


def sign_fake(fake, tokens, receipt) -> int:
    return sign(fake.url, fake.ceremony.slug, tokens, receipt, name="Ada Lovelace",
                role="Researcher", statement="A statement.")


def assert_nothing_sent(fake, tokens, receipt) -> None:
    assert not any(call.startswith("POST") for call in fake.calls)
    assert not receipt.exists() and len(read_tokens(tokens)) == 1


def test_an_honest_fake_board_passes_the_checks(fake, tokens, tmp_path):
    """The fake itself is sound: with nothing tampered, sealing reaches the submission."""
    fake.refuse_entry = ("closed", "This campaign is not accepting signatures.")
    receipt = tmp_path / "receipt.json"
    assert sign_fake(fake, tokens, receipt) == 4
    [body] = fake.entries
    assert set(body) == {"ciphertext", "opening", "withdrawal_key"}
    assert set(body["opening"]) == {"nonce", "prepared_message", "slug", "token_signature"}
    assert len(bytes.fromhex(body["ciphertext"])) == 1160


def test_sign_sends_a_fresh_opening_and_keeps_it_in_the_receipt_of_the_leaf_it_computed(fake, tmp_path):
    """The server builds the leaf from the opening (as the fake does, by the protocol); the
    receipt names that very leaf, keeps the opening, and every entry gets a fresh nonce."""
    fake.accept_entry = True
    receipts, openings = [], []
    for n in range(2):
        tokens, receipt = tmp_path / f"tokens-{n}.json", tmp_path / f"receipt-{n}.json"
        token = fake.ceremony.write_tokens(tokens)
        assert sign_fake(fake, tokens, receipt) == 0
        body, doc = fake.entries[-1], json.loads(receipt.read_text())
        opening = parse_opening(body["opening"])
        assert (opening.slug, opening.prepared_message, opening.token_signature) == (
            "anthropic", token.prepared, token.signature)
        assert doc["opening"] == body["opening"]
        assert doc["leaf_hash"] == fake.answer(body)["receipt"]["leaf_hash"]
        assert opening.commitment == lab_commitment("anthropic", token.prepared, token.signature, opening.nonce)
        receipts.append(doc)
        openings.append(opening)
    assert openings[0].nonce != openings[1].nonce
    assert receipts[0]["withdrawal_secret"] != receipts[1]["withdrawal_secret"]


def test_a_server_receipt_for_another_leaf_is_named(fake, tokens, tmp_path, capsys):
    fake.accept_entry = True
    fake.answer_leaf_hash = secrets.token_bytes(32)
    receipt = tmp_path / "receipt.json"
    assert sign_fake(fake, tokens, receipt) == 1
    assert "differs from the one computed here" in one_error_line(capsys)
    # The receipt of the leaf computed here is kept: it is the one to check.
    assert json.loads(receipt.read_text())["leaf_hash"] != fake.answer_leaf_hash.hex()


def test_without_a_receipt_path_the_file_name_names_no_campaign(fake, tokens, tmp_path, monkeypatch):
    fake.accept_entry = True
    monkeypatch.chdir(tmp_path)
    assert main(["sign", "--server", fake.url, "--campaign", fake.ceremony.slug, "--tokens", str(tokens),
                 "--display", "name", "--name", "Ada", "--role", "Researcher", "--statement", "", "--yes"]) == 0
    [written] = tmp_path.glob("pledge-receipt*.json")
    assert re.fullmatch(r"pledge-receipt-[0-9a-f]{8}\.json", written.name)
    assert fake.ceremony.slug not in written.name and fake.ceremony.public_id[:8] not in written.name


def test_a_forged_transcript_signature_makes_sign_refuse_before_submitting(
    fake, tokens, tmp_path, capsys
):
    fake.forge_signature_of = 2
    receipt = tmp_path / "receipt.json"
    assert sign_fake(fake, tokens, receipt) == 1
    assert ("trustee 2 (Trustee 2)'s transcript signature does not verify"
            in one_error_line(capsys))
    assert_nothing_sent(fake, tokens, receipt)


def test_a_y_that_is_not_the_sum_of_the_commitments_makes_sign_refuse(
    fake, tokens, tmp_path, capsys
):
    fake.wrong_y = True
    receipt = tmp_path / "receipt.json"
    assert sign_fake(fake, tokens, receipt) == 1
    assert "not the sum of the trustees' commitments" in one_error_line(capsys)
    assert_nothing_sent(fake, tokens, receipt)


def test_a_refused_submission_leaves_no_receipt_and_keeps_the_token(
    fake, tokens, tmp_path, capsys
):
    fake.refuse_entry = ("token_used", "This token was already used to sign this campaign.")
    receipt = tmp_path / "receipt.json"
    assert sign_fake(fake, tokens, receipt) == 4
    assert "already used" in one_error_line(capsys)
    assert not receipt.exists() and len(read_tokens(tokens)) == 1


def test_a_signer_who_does_not_confirm_sends_nothing(fake, tokens, tmp_path, capsys,
                                                     monkeypatch):
    answers = iter(["name", "Ada Lovelace", "Researcher", "", "n"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    receipt = tmp_path / "receipt.json"
    assert main(["sign", "--server", fake.url, "--campaign", fake.ceremony.slug,
                 "--tokens", str(tokens), "--receipt-out", str(receipt)]) == 3
    assert "nothing was sent" in one_error_line(capsys)
    assert_nothing_sent(fake, tokens, receipt)


@pytest.mark.parametrize("flags, message", [
    (["--display", "anonymous", "--name", "Ada"], "no name is sealed"),
    (["--display", "anonymous", "--statement", ""], "no role is sealed unless you choose to"),
    (["--display", "name", "--name", "Ada", "--include-role", "--statement", ""], "--include-role is for"),
    (["--display", "name", "--name", "Ada", "--statement", "x" * 1000], "longer than"),
    (["--display", "name", "--name", "Ada\u202eevil", "--statement", ""], "control characters"),
])
def test_fields_given_as_options_are_checked_before_anything_is_read(
    fake, tokens, tmp_path, capsys, flags, message
):
    receipt = tmp_path / "receipt.json"
    args = ["sign", "--server", fake.url, "--campaign", fake.ceremony.slug, "--tokens",
            str(tokens), "--receipt-out", str(receipt), "--role", "Researcher", "--yes"]
    if "--statement" not in flags:
        args += ["--statement", ""]
    assert main(args + flags) == 2
    assert message in capsys.readouterr().err
    assert fake.calls == []


def test_check_of_a_published_receipt_verifies_against_the_fake_log(fake, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    made = fake.receipt_for_log(receipt, fake.url)
    assert check(receipt) == 0
    out = capsys.readouterr().out
    assert out.startswith("included at index 4 of a log of size 6")
    assert (f"Your entry commits to Anthropic: its lab commitment {made.opening.commitment.hex()} opens with "
            "the opening your receipt keeps. The log shows only the commitment") in out


def test_check_refuses_a_published_leaf_that_is_not_the_receipts(fake, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    fake.served_leaf = fake.log.leaf.replace(b'"v":2', b'"v":2 ')
    assert check(receipt) == 1
    assert "does not hash to your receipt" in one_error_line(capsys)


def test_check_refuses_an_entry_that_does_not_commit_to_the_receipts_opening(fake, tmp_path, capsys):
    """A receipt whose opening was changed (another nonce): the leaf is found, but its lab
    commitment does not open with what the receipt keeps."""
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    doc = json.loads(receipt.read_text())
    doc["opening"]["nonce"] = secrets.token_bytes(32).hex()
    receipt.write_text(json.dumps(doc))
    assert check(receipt) == 1
    assert "does not commit to the lab and token your receipt's opening keeps" in one_error_line(capsys)


@pytest.mark.parametrize(("change", "message"), [
    (lambda doc: doc.pop("opening"), "missing field opening"),
    (lambda doc: doc["opening"].update(extra="x"), "an opening is an object with exactly"),
    (lambda doc: doc["opening"].update(nonce=doc["opening"]["nonce"].upper()), "opening field nonce must be lowercase hex"),
    (lambda doc: doc["opening"].update(nonce=doc["opening"]["nonce"][:62]), "opening nonce must be 32..32 bytes"),
    (lambda doc: doc["opening"].update(prepared_message=secrets.token_bytes(64).hex()), "the receipt is damaged"),
    (lambda doc: doc["opening"].update(slug=""), "lab must be 1..255 UTF-8 bytes"),
])
def test_check_refuses_a_receipt_whose_opening_is_damaged(fake, tmp_path, capsys, change, message):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    doc = json.loads(receipt.read_text())
    change(doc)
    receipt.write_text(json.dumps(doc))
    assert check(receipt) == 5
    assert message in one_error_line(capsys)
    assert fake.calls == []


def test_check_refuses_a_head_with_a_bad_signature(fake, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    fake.bad_head_signature = True
    assert check(receipt) == 1
    assert "signature does not verify" in one_error_line(capsys)


def test_check_refuses_a_head_that_differs_from_the_served_head(fake, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    fake.served_head_size = 5  # validly signed, but not the head given with the receipt
    assert check(receipt) == 1
    assert "differs from the head the log serves" in one_error_line(capsys)


def test_check_refuses_a_receipt_file_it_does_not_understand(tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    receipt.write_text('{"v": 2, "kind": "pledge-tokens", "tokens": []}')
    assert check(receipt) == 5
    assert "is not a pledge-receipt file" in one_error_line(capsys)


def test_withdraw_asks_before_sending(fake, tmp_path, capsys, monkeypatch):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    assert main(["withdraw", str(receipt)]) == 3
    assert "cannot be undone" in capsys.readouterr().out
    assert fake.calls == []


# --- a receipt keeps the head it was found under, and later checks prove the log extends it ---


def test_the_first_check_keeps_the_head_and_a_later_one_proves_the_log_extends_it(fake, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    assert check(receipt) == 0
    assert "Kept this signed head" in capsys.readouterr().out
    kept = json.loads(receipt.read_text())["head"]
    assert kept["size"] == 6 and kept["root"] == fake.log.tree.root(6).hex()
    assert receipt.stat().st_mode & 0o777 == 0o600
    fake.log.grow(3)
    assert check(receipt) == 0
    out = capsys.readouterr().out
    assert "of a log of size 9" in out and "The log extends the head your receipt kept (size 6" in out
    assert any("/log/consistency" in call for call in fake.calls)
    assert json.loads(receipt.read_text())["head"] == kept  # the first head stays the kept one


@pytest.mark.parametrize(("rewrite", "message"), [
    ("fork", "the log forked: the head the server serves now (size 8) does not extend the signed head "
             "your receipt kept (size 6)"),
    ("shrink", "the log shrank: your receipt kept a signed head of size 6, the server now serves size 5"),
])
def test_check_names_a_log_that_no_longer_extends_the_kept_head(fake, tmp_path, capsys, rewrite, message):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    assert check(receipt) == 0
    capsys.readouterr()
    getattr(fake.log, rewrite)()
    assert check(receipt) == 1
    assert message in one_error_line(capsys)


def test_check_refuses_a_log_signed_under_a_key_the_manifest_does_not_hold(fake, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    fake.log.key_seed = secrets.token_bytes(32)  # every head re-signed with a fresh key
    assert check(receipt) == 1
    assert "not the one in the campaign's manifest" in one_error_line(capsys)


def test_check_refuses_a_manifest_other_than_the_one_the_signature_was_sealed_under(fake, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    fake.ceremony.manifest = {**fake.ceremony.manifest, "log_key": secrets.token_bytes(32).hex()}
    fake.ceremony.ctx = H("manifest", canonical_json(fake.ceremony.manifest), n=32)
    assert check(receipt) == 1
    assert "other than the one your signature was sealed under" in one_error_line(capsys)


def test_check_refuses_a_kept_head_edited_in_the_file(fake, tmp_path, capsys):
    receipt = tmp_path / "receipt.json"
    fake.receipt_for_log(receipt, fake.url)
    assert check(receipt) == 0
    doc = json.loads(receipt.read_text())
    doc["head"]["timestamp"] += 1
    receipt.write_text(json.dumps(doc))
    assert check(receipt) == 1
    assert "the head kept in your receipt does not verify" in one_error_line(capsys)
