"""Test doubles of real trustees: each holds its own secrets and produces the same files the
trustee tool would, so tests can drive the board through the real upload checks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from nacl.public import PrivateKey

from crypto import dkg, group
from crypto.hashing import canonical_json
from crypto.tools import files, keys, signing


@dataclass
class FakeTrustee:
    """A trustee's secrets, kept on 'their machine' (the test), never sent to the server."""

    name: str
    email: str
    seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    x_secret: bytes = field(default_factory=lambda: bytes(PrivateKey.generate()))
    coefficients: tuple[bytes, ...] = ()
    share: bytes | None = None

    @property
    def public(self) -> dkg.TrusteeKeys:
        return dkg.public_keys(self.seed, self.x_secret)

    def public_file(self) -> bytes:
        pub = self.public
        return canonical_json(keys.public_doc(self.name, pub.ed25519, pub.x25519))

    def deal_file(self, package: bytes, seat: int) -> bytes:
        parsed = files.parse_manifest_package(files.parse_document(package, "package", {"ceremony"}))
        self.coefficients = tuple(group.random_scalar() for _ in range(parsed.manifest.t))
        deal = dkg.deal(parsed.ctx, seat, parsed.manifest.t, self.seed, self.x_secret,
                        parsed.manifest.recipients, coefficients=self.coefficients)
        return canonical_json(files.deal_doc(parsed.ctx, deal))

    def finish_file(self, package: bytes, board: bytes, seat: int) -> bytes:
        parsed = files.parse_manifest_package(files.parse_document(package, "package", {"ceremony"}))
        ctx, manifest = parsed.ctx, parsed.manifest
        posted = files.parse_board(files.parse_document(board, "board", {"board"}), manifest.n)
        shares = [dkg.verify_deal(ctx, manifest.t, manifest.n, posted.deal(i), manifest.dkg_keys(i), seat, self.x_secret)
                  for i in range(1, manifest.n + 1)]
        self.share = dkg.combine_shares(shares)
        transcript = dkg.transcript(ctx, {i: posted.deal(i).commitments for i in range(1, manifest.n + 1)})
        return self.transcript_file(ctx, seat, transcript)

    def transcript_file(self, ctx: bytes, seat: int, transcript: bytes) -> bytes:
        signature = signing.sign(self.seed, signing.transcript_message(ctx, seat, transcript))
        return canonical_json(files.transcript_signature_doc(files.SignedStatement(ctx, seat, signature, transcript)))

    def complaint_file(self, ctx: bytes, seat: int, accused: int, reason: str) -> bytes:
        signature = signing.sign(self.seed, signing.complaint_message(ctx, seat, accused, reason))
        return canonical_json(files.complaint_doc(ctx, seat, [files.Accusation(accused, reason, signature)]))
