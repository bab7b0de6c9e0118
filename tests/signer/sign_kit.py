"""Helpers for the ``pledge-sign sign/check/withdraw`` tests against the real application: a
campaign launched through a real key ceremony, the tool run in-process, and ``tick``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from crypto import reveal
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, Entry, utcnow
from pledge.services import ceremony
from pledge_tools.sign.cli import main
from tests.ceremony_kit import FakeTrustee, frozen, post_deals
from tests.mailsink import MailSink


@dataclass(frozen=True)
class Launched:
    """A campaign opened by a real ceremony, with the trustees who hold its key."""

    campaign: object
    people: list[FakeTrustee]
    seats: list[object]


def launch_campaign(app, make_campaign, **fields) -> Launched:
    """Draft → freeze → deals → every transcript signature → launch, through the services."""
    people = [FakeTrustee(f"Trustee {i}", f"t{i}@trustees.example") for i in (1, 2, 3)]
    campaign = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3,
                             **fields)
    seats = frozen(app, campaign, people)
    package = post_deals(campaign, people, seats)
    board = ceremony.board_file(db.session, campaign)
    with write_intent():
        for person, seat in zip(people, seats):
            finished = person.finish_file(package, board, seat.seat)
            outcome = ceremony.submit_result(db.session, campaign, seat, finished, utcnow())
            assert outcome == "signed"
        ceremony.launch(db.session, campaign, app.config["LOG_KEY_SECRET"], utcnow())
        db.session.commit()
    return Launched(campaign, people, seats)


class CodeKeyboard:
    """Types, at the tool's code prompt, the newest code emailed to ``address``; any other
    prompt is a test failure (the sign commands get every field as an option)."""

    def __init__(self, sink: MailSink) -> None:
        self.sink = sink
        self.address = ""

    def __call__(self, prompt: str = "") -> str:
        assert "Code" in prompt or "code" in prompt, f"unexpected prompt: {prompt!r}"
        message = self.sink.wait_for(self.address, "verification code")
        return re.search(r"\b(\d{8})\b", message.body).group(1)


def verify(url: str, email: str, tokens: Path) -> int:
    """``pledge-sign verify``."""
    return main(["verify", "--server", url, "--email", email, "--out", str(tokens)])


def sign(url: str, slug: str, tokens: Path, receipt: Path, *, name: str = "", role: str,
         statement: str = "", display: str = "name", include_role: bool | None = None) -> int:
    """``pledge-sign sign`` with every field given and ``--yes``. An anonymous signer with a
    role includes it (``--include-role``) unless ``include_role`` says otherwise; one without a
    role gives no ``--role``."""
    args = ["sign", "--server", url, "--campaign", slug, "--tokens", str(tokens),
            "--receipt-out", str(receipt), "--statement", statement, "--display", display, "--yes"]
    if display == "name":
        args += ["--name", name, "--role", role]
    else:
        if include_role is None:
            include_role = bool(role)
        args += ["--include-role"] if include_role else []
        args += ["--role", role] if role else []
    return main(args)


def check(receipt: Path) -> int:
    """``pledge-sign check RECEIPT``."""
    return main(["check", str(receipt)])


def withdraw(receipt: Path) -> int:
    """``pledge-sign withdraw RECEIPT --yes``."""
    return main(["withdraw", str(receipt), "--yes"])


def read_json(path: Path) -> dict:
    """A JSON file's content."""
    return json.loads(path.read_text())


def open_entry(launched: Launched, entry: Entry, quorum: tuple[int, ...] = (1, 3)) -> dict:
    """Decrypt one entry as the trustees would: verified partials from a quorum of t."""
    campaign = launched.campaign
    ad = campaign.ctx + entry.nullifier
    R = entry.ciphertext[:32]
    shares = {seat.seat: (person.share, seat.verification_key)
              for person, seat in zip(launched.people, launched.seats)}
    verified = {}
    for j in quorum:
        x_j, y_j = shares[j]
        partial = reveal.partial_decrypt(j, x_j, y_j, R, ad)
        verified[j] = reveal.verify_partial(j, y_j, R, ad, partial)
    return json.loads(reveal.decrypt(campaign.group_key, ad, entry.ciphertext, verified))
