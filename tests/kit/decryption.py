"""Opening sealed entries: as trustees do (a partials file for a reveal round), and as the server
must never manage to (every secret it holds, tried every way it could serve as a key)."""

from __future__ import annotations

import hashlib
import json

import nacl.exceptions
from nacl.bindings import crypto_core_ed25519_scalar_reduce, crypto_scalarmult_ed25519_noclamp
from nacl.secret import SecretBox

from crypto import blindrsa, reveal, seal
from crypto.formats import roundfile
from crypto.formats.files import parse_document
from crypto.hashing import H, canonical_json
from pledge.config import SECRET_NAMES
from pledge.extensions import db
from pledge.services import reveal as reveal_rounds
from pledge.services.keys import _wrap_key, log_signing_key, token_private_key


def partials_file(campaign, person, seat, number, *, tamper_leaf=None) -> bytes:
    """The partials file trustee ``person`` (in ``seat``) would upload for round ``number``;
    ``tamper_leaf``: the index of a leaf whose partial is spoilt."""
    package = roundfile.parse_round(parse_document(reveal_rounds.round_package(db.session, campaign, number), "round", {"round"}))
    records = []
    for item in package.leaves:
        if item.ciphertext is None:
            continue
        leaf = json.loads(item.leaf)
        nullifier = bytes.fromhex(leaf["nullifier"])
        partial = reveal.partial_decrypt(seat.seat, person.share, seat.verification_key, item.ciphertext[:32],
                                         campaign.ctx + nullifier)
        if item.index == tamper_leaf:
            partial = partial[:64] + bytes(32)
        records.append(roundfile.PartialRecord(item.index, nullifier, partial))
    return canonical_json(roundfile.partials_doc(roundfile.PartialsFile(
        campaign.ctx, seat.seat, package.head.size, package.head.timestamp, package.head.root, records, [])))


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
