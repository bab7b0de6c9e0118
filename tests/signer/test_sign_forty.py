"""Issue 6, done when: forty signatures from ``pledge-sign`` across three labs reach the rule
``min_total=30, min_per_lab=8, min_labs=3``, ``tick`` freezes exactly one round containing them,
and the trustees' partial decryptions open every entry to exactly what its signer typed."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from crypto.hashing import WIRE_VERSION
from crypto.opening import parse_opening
from pledge.extensions import db
from pledge.models import Entry, RevealRound
from tests.kit.ticks import publish_due
from tests.signer.sign_kit import (
    CodeKeyboard,
    check,
    launch_campaign,
    open_entry,
    read_json,
    sign,
    verify,
)

LABS = {"anthropic": ("anthropic.com", 14), "openai": ("openai.com", 14), "meta": ("meta.com", 12)}


@dataclass(frozen=True)
class Typed:
    """What one signer typed."""

    email: str
    display: str
    name: str
    role: str
    statement: str

    def payload(self) -> dict:
        return {"v": WIRE_VERSION, "display": self.display, "name": self.name, "role": self.role,
                "statement": self.statement}


def forty_signers() -> list[Typed]:
    """14, 14 and 12 researchers; every fifth one anonymous, some with a statement."""
    people = []
    for lab, (domain, count) in LABS.items():
        for i in range(count):
            anonymous = i % 5 == 4
            people.append(Typed(
                email=f"researcher{i}.{lab}@{domain}",
                display="anonymous" if anonymous else "name",
                name="" if anonymous else f"Ådä Łovelace-{lab}-{i}",
                role=f"Research scientist {i}",
                statement=f"Because “{lab}” must do better ({i})." if i % 3 == 0 else "",
            ))
    return people


def test_forty_cli_signatures_meet_the_rule_freeze_one_round_and_open_to_what_was_typed(
    app, make_campaign, site, sink, monkeypatch, tmp_path, capsys
):
    # Given a campaign launched through a real ceremony, accepting three labs,
    launched = launch_campaign(app, make_campaign, lab_slugs=tuple(LABS), min_total=30,
                               min_per_lab=8, min_labs=3, suppress_below=5)
    slug = launched.campaign.slug
    keyboard = CodeKeyboard(sink)
    monkeypatch.delenv("PLEDGE_SIGN_CODE", raising=False)
    monkeypatch.setattr("builtins.input", keyboard)

    # when forty researchers each verify their address and sign with pledge-sign,
    typed_by_nullifier, opening_by_nullifier, receipts = {}, {}, []
    for n, person in enumerate(forty_signers()):
        tokens, receipt = tmp_path / f"tokens-{n}.json", tmp_path / f"receipt-{n}.json"
        keyboard.address = person.email
        assert verify(site, person.email, tokens) == 0
        assert sign(site, slug, tokens, receipt, name=person.name, role=person.role,
                    statement=person.statement, display=person.display) == 0
        typed_by_nullifier[bytes.fromhex(read_json(receipt)["nullifier"])] = person
        opening_by_nullifier[bytes.fromhex(read_json(receipt)["nullifier"])] = parse_opening(read_json(receipt)["opening"])
        receipts.append(receipt)
    assert len(typed_by_nullifier) == 40
    capsys.readouterr()

    # then nothing is public before the batch,
    client = app.test_client()
    assert client.get(f"/api/campaigns/{slug}").get_json()["total"] == 0
    assert check(receipts[0]) == 0 and capsys.readouterr().out.startswith("pending")

    # and the next batch publishes all forty, meets the rule and freezes exactly one round
    [published] = publish_due(app)
    assert published.entries == 40 and published.round_frozen is not None
    progress = client.get(f"/api/campaigns/{slug}").get_json()
    assert progress["total"] == 40 and progress["rule_met"]
    campaign_id = launched.campaign.id
    [frozen_round] = db.session.scalars(
        select(RevealRound).where(RevealRound.campaign_id == campaign_id)).all()
    entries = db.session.scalars(select(Entry).where(Entry.campaign_id == campaign_id)).all()
    assert len(entries) == 40
    # The round's head holds the forty entries, then the round-frozen event that lists them.
    assert frozen_round.size == 41 == 2 + max(e.leaf_index for e in entries)

    # whose receipts now verify against the signed head,
    for receipt in receipts[:3]:
        assert check(receipt) == 0
        assert "of a log of size 41, head signed at" in capsys.readouterr().out

    # Each leaf commits to its signer's lab, through the opening their receipt keeps, and names none;
    for entry in entries:
        opening = opening_by_nullifier[entry.nullifier]
        assert json.loads(entry.leaf)["lab_commitment"] == opening.commitment.hex()
        assert opening.slug.encode() not in entry.leaf
    assert len({o.nonce for o in opening_by_nullifier.values()}) == 40

    # and the trustees' partials open every ciphertext to exactly what its signer typed.
    for entry in entries:
        assert open_entry(launched, entry) == typed_by_nullifier[entry.nullifier].payload()
