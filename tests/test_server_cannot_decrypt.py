"""Before the reveal, everything the server holds (database file, logs, every secret and key in
its configuration) recovers no signer's name: only t trustees can."""

import hashlib
import json
import logging

import nacl.exceptions
from nacl.bindings import crypto_core_ed25519_scalar_reduce, crypto_scalarmult_ed25519_noclamp
from nacl.secret import SecretBox
from sqlalchemy import select

from crypto import blindrsa, seal
from crypto.hashing import H
from pledge.config import SECRET_NAMES
from pledge.extensions import db
from pledge.models import CampaignState, Entry
from pledge.services.keys import _wrap_key, log_signing_key, token_private_key
from tests import dbkit
from tests.signing_kit import Signer
from tests.test_reveal import launched  # noqa: F401  (the real-ceremony fixture)

JSON = {"Content-Type": "application/json"}


def server_keys(app, campaign) -> list[bytes]:
    """Every secret the server holds, raw and derived."""
    keys = [app.config[name] for name in SECRET_NAMES]
    keys.append(_wrap_key(app.config["TOKEN_KEY_SECRET"]))
    keys.append(bytes(log_signing_key(campaign, app.config["LOG_KEY_SECRET"])))
    for link in campaign.lab_links:
        private = token_private_key(campaign, link, app.config["TOKEN_KEY_SECRET"])
        keys.append(blindrsa.private_key_to_der(private))
        numbers = private.private_numbers()
        keys.extend(n.to_bytes(256, "big") for n in (numbers.d, numbers.p, numbers.q))
    return keys


def candidates(key: bytes) -> list[bytes]:
    """The ways a key could be used as an ElGamal secret: reduced as a scalar, directly or hashed."""
    out = []
    if len(key) == 32 and int.from_bytes(key, "little") < 2**252 + 27742317777372353535851937790883648493:
        out.append(key)  # the key itself as a scalar
    for material in (key, hashlib.sha512(key).digest(), H("candidate", key)):
        wide = (material * 2)[:64] if len(material) < 64 else material[:64]
        scalar = crypto_core_ed25519_scalar_reduce(wide)
        if scalar != bytes(32):
            out.append(scalar)
    return out


def opens(entry_ct: bytes, Y: bytes, ad: bytes, key: bytes) -> bool:
    ct = seal.parse_ciphertext(entry_ct)
    attempts = []
    for scalar in candidates(key):
        K = crypto_scalarmult_ed25519_noclamp(scalar, ct.R)
        attempts.append(seal.kem_key(Y, ct.R, K, ad))
    attempts.extend(k[:32] for k in (key, hashlib.sha256(key).digest()) if len(k) >= 32)
    for box_key in attempts:
        try:
            SecretBox(box_key).decrypt(ct.box)
            return True
        except nacl.exceptions.CryptoError:
            continue
    return False


def test_every_server_secret_fails_to_open_any_entry(app, client, launched, caplog):  # noqa: F811
    campaign, people, seats = launched
    caplog.set_level(logging.DEBUG)
    names = ["Canary Ada Quill", "Canary Bo Lantern", "Canary Cy Marble"]
    for name in names:
        signer = Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"], name=name, statement=f"statement of {name}")
        assert client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()), headers=JSON).status_code == 201
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
