"""The ceremony's files around complaints: weak keys in a manifest, the complaint-answer file and
the board's complaints and answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nacl.signing import SigningKey

from crypto.complaints import answer_complaint
from crypto.formats import files, messages
from crypto.formats.errors import CheckFailed, FormatError
from crypto.formats.jsonfile import Obj, parse_document
from crypto.hashing import canonical_json

from .helpers import Ceremony, run_ceremony


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    return run_ceremony(2, 3, "ceremony files")


def manifest_doc(c: Ceremony, x25519: dict[int, str] | None = None) -> dict[str, Any]:
    x25519 = x25519 or {}
    return {
        "v": 2, "id": "0123456789abcdef0123456789abcdef", "slug": "s", "title": "T",
        "pledge_text": "I pledge.", "conditions": [],
        "labs": [{"slug": "lab", "name": "Lab", "domains": ["lab.example"],
                  "token_public_key": "30"}],
        "rule": {"min_total": 1, "min_per_lab": 0, "min_labs": 0},
        "deadline": "2033-05-18T03:33:20Z", "t": c.t, "n": c.n,
        "trustees": [{"index": i, "name": f"Trustee {i}", "ed25519": k.ed25519.hex(),
                      "x25519": x25519.get(i, k.x25519.hex())} for i, k in c.keys.items()],
        "k": 2, "practice": False, "log_key": bytes(SigningKey(bytes(32)).verify_key).hex(),
        "witnesses": [], "w": 2, "batch_interval": 3600, "reveal_window": 86400,
    }


def parse(doc: Any, kind: str) -> Obj:
    return parse_document(canonical_json(doc), "upload", {kind})


def test_a_manifest_with_honest_keys_is_read(ceremony) -> None:
    manifest = files.parse_manifest(Obj(manifest_doc(ceremony), "manifest"))
    assert manifest.recipients == ceremony.recipients


@pytest.mark.parametrize(("x25519", "reason"), [
    ("01" + "00" * 31, "of low order"),
    ("00" * 32, "of low order"),
    ("ec" + "ff" * 30 + "7f", "of low order"),  # p - 1
    ("02" + "00" * 31, "not a point of the curve"),
    ("ed" + "ff" * 30 + "7f", "not a canonical field element"),  # p
    ("ff" * 32, "not a canonical field element"),
])
def test_a_manifest_with_a_weak_key_is_refused_naming_the_trustee(ceremony, x25519, reason) -> None:
    doc = manifest_doc(ceremony, {2: x25519})
    with pytest.raises(FormatError) as caught:
        files.parse_manifest(Obj(doc, "manifest"))
    assert (f"manifest: field trustees[1]: trustee 2 ('Trustee 2') is refused: the X25519 key is "
            f"{reason}") in str(caught.value)


def signed_answer(c: Ceremony, dealer: int, complainant: int) -> files.SignedAnswer:
    a = answer_complaint(c.ctx, dealer, complainant, c.x25519_secrets[dealer],
                         c.keys[complainant].x25519)
    message = messages.complaint_answer_message(c.ctx, dealer, complainant, a.shared_point, a.a1,
                                                a.a2, a.z)
    return files.SignedAnswer(complainant, a, messages.sign(c.signing_seeds[dealer], message))


def complaint(c: Ceremony, index: int, accused: int, reason: str) -> dict[str, Any]:
    signature = messages.sign(c.signing_seeds[index],
                              messages.complaint_message(c.ctx, index, accused, reason))
    return files.complaint_doc(c.ctx, index, [files.Accusation(accused, reason, signature)])


def test_an_answer_file_round_trips(ceremony) -> None:
    c = ceremony
    answers = [signed_answer(c, 1, 2), signed_answer(c, 1, 3)]
    doc = json.loads(canonical_json(files.answer_doc(c.ctx, 1, answers)))
    assert doc["kind"] == "complaint-answer" and doc["v"] == 2 and doc["dealer"] == 1
    assert set(doc["answers"][0]) == {"complainant", "shared_point", "a1", "a2", "z", "signature"}
    assert files.parse_answer(parse(doc, "complaint-answer")) == (c.ctx, 1, answers)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["answers"].clear(), "field answers must not be empty"),
    (lambda d: d["answers"][0].update(complainant=1), "a dealer does not answer itself"),
    (lambda d: d["answers"].append(dict(d["answers"][0])), "trustee 2 is answered twice"),
    (lambda d: d["answers"][0].update(z="00" * 31), "z"),
    (lambda d: d["answers"][0].update(extra=1), "extra"),
    (lambda d: d.update(dealer=0), "dealer"),
    (lambda d: d.update(kind="complaint"), "is not a version 2 complaint-answer file"),
])
def test_a_malformed_answer_file_is_refused(ceremony, change, message) -> None:
    doc = json.loads(canonical_json(files.answer_doc(ceremony.ctx, 1, [signed_answer(ceremony, 1, 2)])))
    change(doc)
    with pytest.raises(FormatError, match=message):
        files.parse_answer(Obj(doc, "answer"))


def test_a_complaint_against_oneself_or_twice_against_one_dealer_is_refused(ceremony) -> None:
    doc = complaint(ceremony, 2, 2, "feldman-check-failed")
    with pytest.raises(FormatError, match="a trustee does not complain against itself"):
        files.parse_complaint(parse(doc, "complaint"))
    doc = complaint(ceremony, 2, 1, "feldman-check-failed")
    doc["complaints"].append(dict(doc["complaints"][0], reason="share-malformed"))
    with pytest.raises(FormatError, match="trustee 1 is accused twice"):
        files.parse_complaint(parse(doc, "complaint"))


def test_the_board_carries_complaints_and_answers(ceremony) -> None:
    c = ceremony
    filed = complaint(c, 2, 1, "share-malformed")
    given = signed_answer(c, 1, 2)
    answer = files.answer_doc(c.ctx, 1, [given])
    doc = json.loads(canonical_json(files.board_doc(c.ctx, c.deals, [filed], [answer])))
    board = files.parse_board(parse(doc, "board"), c.n)
    assert board.accusations()[0][0] == 2
    assert board.accusations()[0][1].accused == 1
    assert board.accusations()[0][1].reason == "share-malformed"
    assert board.answer_to(1, 2) == given
    assert board.answer_to(1, 3) is None and board.answer_to(2, 1) is None
    # a board of deals only keeps its shape, with empty lists
    plain = json.loads(canonical_json(files.board_doc(c.ctx, c.deals)))
    assert plain["complaints"] == [] and plain["answers"] == []
    empty = files.parse_board(parse(plain, "board"), c.n)
    assert empty.complaints == () and empty.answers == ()


def test_a_board_with_a_complaint_of_another_campaign_or_seat_is_refused(ceremony) -> None:
    c = ceremony
    other = complaint(c, 2, 1, "share-malformed")
    other["ctx"] = "00" * 32
    doc = json.loads(canonical_json(files.board_doc(c.ctx, c.deals, [other])))
    with pytest.raises(CheckFailed, match="complaints\\[0\\] is for another campaign"):
        files.parse_board(parse(doc, "board"), c.n)
    beyond = complaint(c, 2, 1, "share-malformed")
    beyond["complaints"][0]["accused"] = 7
    doc = json.loads(canonical_json(files.board_doc(c.ctx, c.deals, [beyond])))
    with pytest.raises(FormatError, match="names a trustee beyond n = 3"):
        files.parse_board(parse(doc, "board"), c.n)
    doc = json.loads(canonical_json(files.board_doc(c.ctx, c.deals)))
    del doc["answers"]
    with pytest.raises(FormatError, match="answers"):
        files.parse_board(parse(doc, "board"), c.n)
