"""``pledge-trustee decrypt`` cosigns the round's head after checking the round, its partials file
carries that cosignature, and the server verifies and stores it with the upload (a cosignature
that does not verify refuses the whole upload)."""

from __future__ import annotations

import json

import pytest

from crypto import merkle
from crypto.formats import keys, roundfile
from crypto.formats.files import parse_document
from crypto.formats.jsonfile import write_document
from crypto.hashing import canonical_json
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import RoundPartials, utcnow
from pledge.services import reveal as reveal_rounds
from pledge.services.ceremony import load_board
from pledge_tools.trustee.cli import main as pledge_trustee
from tests.kit.ticks import publish_due
from tests.witness.kit import PASSPHRASE, get_json, sign


def _share_file(world, n: int):
    campaign, person, seat = world.campaign, world.people[n], world.seats[n]
    transcript = load_board(db.session, campaign).signatures[seat.seat].transcript
    path = world.folder / f"share-{seat.seat}.json"
    write_document(path, keys.share_doc(campaign.ctx, seat.seat, transcript, campaign.group_key, seat.verification_key,
                                        person.share, keys.passphrase_bytes(PASSPHRASE), "interactive"), secret=True)
    return path


def _upload(world, n: int, data: bytes) -> bool:
    db.session.rollback()
    with write_intent():
        opened = reveal_rounds.submit_partials(db.session, world.campaign, world.seats[n], 1, data, utcnow())
        db.session.commit()
    return opened


def test_decrypt_cosigns_the_round_head_and_the_upload_stores_it(world, app, client, capsys):
    sign(app, client, world.campaign, 4)  # the rule's 4: round 1 freezes at this batch
    publish_due(app, hours=1)
    package = world.folder / "round.json"
    package.write_bytes(reveal_rounds.round_package(db.session, world.campaign, 1))
    head = roundfile.parse_round(parse_document(package.read_bytes(), "round", {"round"})).head
    log_id = world.campaign.public_id.encode()

    written = {}
    for n in (0, 1):
        out = world.folder / f"partials-{n}.json"
        code = pledge_trustee(["decrypt", "--key", str(world.keys[n]), "--share", str(_share_file(world, n)),
                               "--package", str(package), "--out", str(out), "--jobs", "1"])
        assert code == 0, capsys.readouterr().err
        assert "Cosigned the round's head" in capsys.readouterr().out
        written[n] = out.read_bytes()
        cosignature = roundfile.load_partials(out).cosignature
        merkle.verify_cosignature(world.people[n].public.ed25519, log_id, head.size, head.timestamp, head.root,
                                  cosignature)

    # A cosignature over anything else refuses the whole upload, naming it.
    spoilt = json.loads(written[0])
    spoilt["cosignature"] = merkle.sign_cosignature(world.people[0].seed, log_id, head.size, head.timestamp + 1,
                                                    head.root).hex()
    with pytest.raises(reveal_rounds.RevealError, match="The cosignature in this file: .*does not verify"):
        _upload(world, 0, canonical_json(spoilt))
    db.session.rollback()
    assert db.session.get(RoundPartials, (world.campaign.id, 1, world.seats[0].seat)) is None

    assert not _upload(world, 0, written[0])
    assert _upload(world, 1, written[1])  # t = 2: the round opens
    listed = get_json(f"{world.url}/api/campaigns/{world.slug}/log/heads")["heads"]
    round_head = next(h for h in listed if h["size"] == head.size and h["timestamp"] == head.timestamp)
    assert set(round_head["cosignatures"]) == {world.people[0].public.ed25519.hex(), world.people[1].public.ed25519.hex()}
