"""Before the reveal, everything the server holds (database file, logs, every secret and key in
its configuration) recovers no signer's name: only t trustees can."""

import json
import logging

from sqlalchemy import select

from pledge.extensions import db
from pledge.models import CampaignState, Entry
from tests import dbkit
from tests.kit.decryption import opens, server_keys
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}


def test_every_server_secret_fails_to_open_any_entry(app, client, launched, caplog):
    campaign, people, seats = launched
    caplog.set_level(logging.DEBUG)
    names = ["Canary Ada Quill", "Canary Bo Lantern", "Canary Cy Marble"]
    for name in names:
        signer = Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"], name=name, statement=f"statement of {name}")
        assert client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()),
                           headers=JSON).status_code == 201
    assert campaign.state == CampaignState.OPEN
    keys = server_keys(app, campaign)
    assert len(keys) >= 10
    # The check can succeed: the campaign's secret key (which only t trustees together could
    # rebuild) opens every entry.
    from crypto import group
    from crypto.reveal import lagrange_at_zero

    lambdas = lagrange_at_zero([1, 2])
    y = group.scalar_add(group.scalar_mul(lambdas[1], people[0].share), group.scalar_mul(lambdas[2], people[1].share))
    first = db.session.scalars(select(Entry)).first()
    assert opens(first.ciphertext, campaign.group_key, campaign.ctx + first.nullifier, y)
    for entry in db.session.scalars(select(Entry)):
        for key in keys:
            assert not opens(entry.ciphertext, campaign.group_key, campaign.ctx + entry.nullifier, key)
    db.session.remove()
    db.engine.dispose()
    stored = dbkit.stored_bytes(app)
    logs = "\n".join(r.getMessage() for r in caplog.records).encode()
    for name in names:
        assert name.encode() not in stored and name.encode() not in logs
