"""A real key ceremony for the demo campaign, run with the trustee tool's own steps.

``make run`` seeds the demo campaign already launched. Three demo trustees get accounts, key
files and share files under ``instance/demo-trustees/`` (made by the steps ``pledge-trustee
init``, ``deal`` and ``finish`` run, :mod:`crypto.trustee_steps.ceremony`, called directly with
the demo passphrases; their reports are not printed), so a newcomer can later play a trustee with
them. Their passphrases are written next to them in ``PASSPHRASES.txt``: this is a demo, and a
real trustee's passphrase never touches the server.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.formats.keys import passphrase_bytes
from crypto.trustee_steps import ceremony as trustee_steps
from pledge.models import Campaign, Role, User
from pledge.services import ceremony, review, trustees
from pledge.services.accounts import PasswordCost, create_user, set_password

DEMO_TRUSTEES = (
    ("Demo Trustee One", "trustee1@demo.pledge.invalid"),
    ("Demo Trustee Two", "trustee2@demo.pledge.invalid"),
    ("Demo Trustee Three", "trustee3@demo.pledge.invalid"),
)


@dataclass(frozen=True)
class DemoTrustee:
    """What the seed command prints for one demo trustee."""

    email: str
    password: str
    key_file: Path
    folder: Path
    passphrase: str


def _account(session: Session, name: str, email: str, cost: PasswordCost) -> tuple[User, str]:
    password = secrets.token_urlsafe(12)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = create_user(session, email=email, name=name, password=password, roles=[Role.TRUSTEE], cost=cost)
    else:
        set_password(user, password, cost)
    return user, password


def read_passphrases(folder: Path) -> dict[str, str]:
    """The demo passphrases by key file name, from an earlier seed."""
    path = folder / "PASSPHRASES.txt"
    if not path.exists():
        return {}
    pairs = (line.split(": ", 1) for line in path.read_text().splitlines() if ": " in line and not line.startswith("#"))
    return dict(pairs)


def demo_trustee_logins(session: Session, folder: Path, cost: PasswordCost) -> list[DemoTrustee]:
    """Fresh passwords for the demo trustees of an already seeded demo."""
    passphrases = read_passphrases(folder)
    result = []
    for seat, (name, email) in enumerate(DEMO_TRUSTEES, start=1):
        _, password = _account(session, name, email, cost)
        result.append(DemoTrustee(email, password, folder / f"trustee-{seat}.key", folder,
                                  passphrases.get(f"trustee-{seat}.key", "?")))
    return result


def _keys(folder: Path, seat: int, name: str, passphrases: dict[str, str]) -> tuple[Path, str]:
    """The trustee's key file, made with ``pledge-trustee init`` the first time."""
    key_file = folder / f"trustee-{seat}.key"
    if key_file.exists() and key_file.name in passphrases:
        return key_file, passphrases[key_file.name]
    passphrase = secrets.token_urlsafe(18)
    trustee_steps.init(name, key_file, "interactive", passphrase_bytes(passphrase))
    return key_file, passphrase


def share_file(folder: Path, slug: str, seat: int) -> Path:
    """Where a demo trustee keeps their share of one campaign."""
    return folder / f"{slug}-trustee-{seat}.share.json"


def run_demo_ceremony(
    session: Session, campaign: Campaign, folder: Path, *, cost: PasswordCost, token_key_secret: bytes,
    log_key_secret: bytes, now: datetime,
) -> list[DemoTrustee]:
    """Invite, register, freeze, deal, finish and launch, all for real; return the logins.
    The demo trustees keep one key file each across campaigns, and a share file per campaign."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    known = read_passphrases(folder)
    people = []
    for seat, (name, email) in enumerate(DEMO_TRUSTEES, start=1):
        user, password = _account(session, name, email, cost)
        invitation = trustees.invite_trustee(session, campaign, name=name, email=email, now=now)
        trustees.accept_invitation(session, invitation.trustee, user, now)
        key_file, passphrase = _keys(folder, seat, name, known)
        ed25519, x25519 = ceremony.parse_public_keys(trustee_steps.public_path(key_file).read_bytes())
        trustees.register_keys(session, campaign, invitation.trustee, ed25519, x25519, now)
        people.append(DemoTrustee(email, password, key_file, folder, passphrase))

    if campaign.approved_at is None:  # the demo seed stands in for the site admin
        review.submit(session, campaign, now)
        review.approve(session, campaign, None, now)
    ceremony.freeze(session, campaign, token_key_secret, log_key_secret, now)
    work = folder / campaign.slug
    work.mkdir(mode=0o700, exist_ok=True)
    package = folder / f"ceremony-{campaign.slug}.json"
    package.write_bytes(ceremony.ceremony_package(campaign))
    for person, trustee in zip(people, campaign.trustees, strict=True):
        deal_file = work / f"deal-{trustee.seat}.json"
        trustee_steps.deal(person.key_file, package, deal_file, passphrase_bytes(person.passphrase))
        ceremony.submit_deal(session, campaign, trustee, deal_file.read_bytes())

    board = work / "board.json"
    board.write_bytes(ceremony.board_file(session, campaign))
    for person, trustee in zip(people, campaign.trustees, strict=True):
        result = work / f"result-{trustee.seat}.json"
        trustee_steps.finish(person.key_file, package, board, share_file(folder, campaign.slug, trustee.seat),
                             result, "interactive", passphrase_bytes(person.passphrase))
        ceremony.submit_result(session, campaign, trustee, result.read_bytes(), now)

    ceremony.launch(session, campaign, log_key_secret, now)
    lines = ["# Demo only: a real trustee's passphrase never touches the server."]
    lines += [f"{person.key_file.name}: {person.passphrase}" for person in people]
    (folder / "PASSPHRASES.txt").write_text("\n".join(lines) + "\n")
    os.chmod(folder / "PASSPHRASES.txt", 0o600)
    return people
