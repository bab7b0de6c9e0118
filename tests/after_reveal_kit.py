"""After the reveal: a campaign taken through a real ceremony to round 1's reveal, its signers'
receipts, signed statements, and the withholding counts anyone derives from the exported record
(the leaves replayed with :func:`crypto.lifecycle.replay`)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from nacl.signing import SigningKey

from crypto import lifecycle, log_leaves, merkle
from crypto.formats import receipt as receipts
from crypto.formats.jsonfile import parse_json
from crypto.formats.record import parse_record
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import utcnow
from pledge.services import reveal as reveal_rounds
from pledge.services import witnessing
from pledge.services.log import latest_head
from pledge.services.record import campaign_record
from tests.kit.decryption import partials_file
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}


@dataclass
class Person:
    """A signer with the one ciphertext they submitted (so the receipt's leaf hash is known)."""

    signer: Signer
    ciphertext: bytes

    @property
    def nullifier(self) -> str:
        return self.signer.nullifier.hex()

    @property
    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.signer.leaf(self.ciphertext))

    def receipt(self, server: str) -> receipts.Receipt:
        campaign = self.signer.campaign
        return receipts.Receipt(server=server, campaign=campaign.public_id, slug=campaign.slug, ctx=self.signer.ctx,
                                leaf_hash=self.leaf_hash, nullifier=self.signer.nullifier, opening=self.signer.opening,
                                withdrawal_secret=self.signer.withdrawal_seed)

    def receipt_file(self, server: str, folder: Path) -> Path:
        path = folder / f"receipt-{self.nullifier[:8]}.json"
        if not path.exists():
            receipts.write_receipt(path, self.receipt(server))
        return path

    def statement(self, seq: int, stance: str, *, seed: bytes | None = None) -> dict:
        """The POST body of a statement, signed with this signer's key (or ``seed``)."""
        signature = log_leaves.sign_statement(seed or self.signer.withdrawal_seed, self.signer.nullifier, seq, stance)
        return {"nullifier": self.nullifier, "seq": seq, "stance": stance, "signature": signature.hex()}


def sign_up(app, client, campaign, labs: list[str]) -> list[Person]:
    """One signer per lab slug in ``labs``, each submitted through the API."""
    people = []
    for n, lab in enumerate(labs):
        signer = Signer(campaign, lab, app.config["TOKEN_KEY_SECRET"], name=f"Signer {n}")
        ciphertext = signer.ciphertext()
        response = client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body(ciphertext)),
                               headers=JSON)
        assert response.status_code == 201, response.get_json()
        people.append(Person(signer, ciphertext))
    return people


def reveal(campaign, trustees, seats, number: int = 1) -> None:
    """Two trustees post their partials: the round is revealed (its event waits for a batch)."""
    with write_intent():
        for k in (0, 1):
            reveal_rounds.submit_partials(db.session, campaign, seats[k], number,
                                          partials_file(campaign, trustees[k], seats[k], number), utcnow())
        db.session.commit()


def post_statement(client, campaign, body: dict):
    return client.post(f"/api/campaigns/{campaign.slug}/statements", data=json.dumps(body), headers=JSON)


def stance_of(client, campaign, person: Person) -> dict:
    response = client.get(f"/api/campaigns/{campaign.slug}/statements/{person.nullifier}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def cosign_latest(campaign, trustees) -> None:
    """Every trustee cosigns the latest head, as a witness would after its checks."""
    db.session.rollback()
    head = latest_head(db.session, campaign)
    manifest = witnessing.parsed_manifest(campaign)
    with write_intent():
        for person in trustees:
            key = SigningKey(person.seed)
            message = merkle.cosign_message(campaign.public_id.encode("ascii"), head.size, head.timestamp, head.root)
            witnessing.store_cosignature(db.session, campaign, manifest, head.size, head.timestamp, head.root,
                                         bytes(key.verify_key), key.sign(message).signature)
        db.session.commit()


def export(campaign, trustees, path: Path, hours: float) -> Path:
    """The campaign record as ``flask campaign export`` writes it ``hours`` from now, its latest
    head cosigned."""
    cosign_latest(campaign, trustees)
    db.session.rollback()
    path.write_bytes(campaign_record(db.session, campaign, utcnow() + timedelta(hours=hours)))
    return path


def withholding_from_record(path: Path) -> dict[str, int]:
    """Per lab slug, the revealed signers withholding now, as anyone derives it from the record:
    the leaves replayed (statements checked against the lifecycle rules), each nullifier's lab
    from the revealed round's opening."""
    record = parse_record(parse_json(path.read_bytes(), "the record"))
    leaves = [log_leaves.parse_leaf(leaf) for leaf in record.leaves]
    m = record.manifest
    state = lifecycle.replay(leaves, [(h.size, h.timestamp) for h in record.heads], deadline=m.deadline,
                             reveal_window=m.reveal_window, labs=[lab["slug"] for lab in m.raw["labs"]])
    for nullifier in state.stances:  # every statement verifies under its entry's withdrawal key
        entry = next(leaf for leaf in leaves if isinstance(leaf, log_leaves.EntryLeaf) and leaf.nullifier == nullifier)
        for leaf in leaves:
            if isinstance(leaf, log_leaves.StatementLeaf) and leaf.nullifier == nullifier:
                log_leaves.verify_statement(entry.withdrawal_key, leaf)
    lab_of = {}
    for round_ in record.rounds:
        for item in round_.entries:
            entry_leaf = leaves[item.leaf_index]
            assert isinstance(entry_leaf, log_leaves.EntryLeaf)
            lab_of[entry_leaf.nullifier] = item.opening.slug
    return dict(Counter(lab_of[n] for n in state.withholding()))
