"""Test doubles of real trustees: each holds its own secrets and produces the same files the
trustee tool would, so tests can drive the board through the real upload checks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from nacl.public import PrivateKey

from crypto import dkg, group
from crypto.formats import files, keys, messages
from crypto.hashing import canonical_json
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Role, utcnow
from pledge.services import ceremony, trustees
from pledge.services.accounts import PasswordCost, create_user
from tests.review_kit import approve

COST = PasswordCost(opslimit=1, memlimit=8192)


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
        signature = messages.sign(self.seed, messages.transcript_message(ctx, seat, transcript))
        return canonical_json(files.transcript_signature_doc(files.SignedStatement(ctx, seat, signature, transcript)))

    def answer_file(self, ctx: bytes, seat: int, complainant: int, complainant_x25519: bytes) -> bytes:
        """The dealer's signed answer to ``complainant``'s complaint, as ``pledge-trustee answer`` makes it."""
        from crypto.complaints import answer_complaint

        answer = answer_complaint(ctx, seat, complainant, self.x_secret, complainant_x25519)
        signature = messages.sign(self.seed, messages.complaint_answer_message(
            ctx, seat, complainant, answer.shared_point, answer.a1, answer.a2, answer.z))
        return canonical_json(files.answer_doc(ctx, seat, [files.SignedAnswer(complainant, answer, signature)]))

    def complaint_file(self, ctx: bytes, seat: int, accused: int, reason: str) -> bytes:
        signature = messages.sign(self.seed, messages.complaint_message(ctx, seat, accused, reason))
        return canonical_json(files.complaint_doc(ctx, seat, [files.Accusation(accused, reason, signature)]))


def seat_everyone(campaign, people):
    """Invite, accept and register keys for each fake trustee, through the services."""
    now = utcnow()
    seats = []
    with write_intent():
        for person in people:
            invitation = trustees.invite_trustee(db.session, campaign, name=person.name, email=person.email, now=now)
            user = create_user(db.session, email=person.email, name=person.name, password="long enough pw",
                               roles=[Role.TRUSTEE], cost=COST)
            trustees.accept_invitation(db.session, invitation.trustee, user, now)
            ed, x = ceremony.parse_public_keys(person.public_file())
            trustees.register_keys(db.session, campaign, invitation.trustee, ed, x, now)
            seats.append(invitation.trustee)
        db.session.commit()
    return seats


def frozen(app, campaign, people):
    """Seat everyone and freeze the campaign; return the seats."""
    seats = seat_everyone(campaign, people)
    approve(campaign.id)
    with write_intent():
        ceremony.freeze(db.session, campaign, app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"], utcnow())
        db.session.commit()
    return seats


def post_deals(campaign, people, seats):
    """Every fake trustee posts an honest deal; return the ceremony package."""
    package = ceremony.ceremony_package(campaign)
    with write_intent():
        for person, seat in zip(people, seats):
            ceremony.submit_deal(db.session, campaign, seat, person.deal_file(package, seat.seat))
        db.session.commit()
    return package


def launch_through_ceremony(app, campaign, count: int = 3):
    """Run a draft ``campaign``'s whole ceremony with ``count`` honest fake trustees (seat, freeze,
    deal, finish) and launch it; return ``(people, seats)``. The fake trustees hold real shares."""
    people = [FakeTrustee(f"Trustee {i}", f"t{i}@trustees.example") for i in range(1, count + 1)]
    seats = frozen(app, campaign, people)
    package = post_deals(campaign, people, seats)
    board = ceremony.board_file(db.session, campaign)
    with write_intent():
        for person, seat in zip(people, seats, strict=True):
            ceremony.submit_result(db.session, campaign, seat, person.finish_file(package, board, seat.seat), utcnow())
        ceremony.launch(db.session, campaign, app.config["LOG_KEY_SECRET"], utcnow())
        db.session.commit()
    return people, seats
