"""The demo that ``make run`` seeds: real labs, a demo organizer and an open demo campaign.

Seeding is idempotent: labs are brought up to date, the organizer gets a fresh password (printed
by the command, since only its hash is stored), and the campaign is created once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pledge.models import Campaign, CampaignLab, Condition, Lab, Role, User
from pledge.services.accounts import PasswordCost, create_user, set_password
from pledge.services.demo_ceremony import DemoTrustee, demo_trustee_logins, run_demo_ceremony
from pledge.services.labs import upsert_lab

#: Labs and the email domains their researchers use (public knowledge, as of 2026).
LABS = (
    ("anthropic", "Anthropic", ("anthropic.com",)),
    ("openai", "OpenAI", ("openai.com",)),
    ("google-deepmind", "Google DeepMind", ("deepmind.com", "google.com")),
    ("meta", "Meta", ("meta.com", "fb.com")),
    ("xai", "xAI", ("x.ai",)),
    ("microsoft", "Microsoft", ("microsoft.com",)),
    ("mistral", "Mistral AI", ("mistral.ai",)),
    ("amazon", "Amazon", ("amazon.com",)),
    ("cohere", "Cohere", ("cohere.com",)),
    ("nvidia", "NVIDIA", ("nvidia.com",)),
)

DEMO_ORGANIZER_EMAIL = "organizer@demo.pledge.invalid"
DEMO_SLUG = "independent-evaluations-first"
DEMO_LABS = ("anthropic", "openai", "google-deepmind", "meta", "xai")

DEMO_TEXT = """\
I work on frontier AI systems. **I will not contribute to training or deploying a new frontier
model at my lab unless my lab meets the conditions below** by the date this pledge is revealed.

I sign together with colleagues across labs, so that no lab's staff move first and no one
stands alone. My signature stays sealed until the threshold is met.
"""

PRACTICE_SLUG = "practice-run"
PRACTICE_TEXT = """\
**A practice campaign for trying Pledge end to end.** Nothing here is a real pledge.

Verify an address at one of the eligible labs (in development every code lands in the
development mailbox), sign, and watch three signatures meet the threshold; then play the demo
trustees to reveal them. The README walks through it.
"""

DEMO_CONDITIONS = (
    "Before any new frontier model is deployed, an independent evaluator with full model access "
    "publishes its findings on dangerous capabilities.",
    "The lab publishes the safety framework that governs release decisions, and any change to it "
    "at least 30 days before it takes effect.",
    "Employees can raise safety concerns with the board and with regulators without "
    "non-disparagement clauses or loss of vested equity.",
)


@dataclass(frozen=True)
class DemoSeed:
    """What seeding produced, for the command to print."""

    organizer_email: str
    organizer_password: str
    campaign_slug: str
    created_campaign: bool
    trustees: list[DemoTrustee]


def _demo_campaign(slug: str, organizer: User, labs: dict[str, Lab], now: datetime) -> Campaign:
    """The realistic demo campaign, or the small practice one a newcomer can take to a reveal."""
    practice = slug == PRACTICE_SLUG
    campaign = Campaign(
        slug=slug,
        title="Practice run: sign, meet the threshold, reveal" if practice
        else "Independent evaluations before frontier deployment",
        pledge_text=PRACTICE_TEXT if practice else DEMO_TEXT,
        organizer=organizer,
        min_total=3 if practice else 300,
        min_per_lab=0 if practice else 25,
        min_labs=0 if practice else 3,
        deadline=(now + timedelta(days=30 if practice else 60)).replace(microsecond=0),
        trustee_quorum=2,
        trustee_count=3,
        # k = 1 only because it is a practice campaign (its pages say so): anyone may be revealed alone.
        suppress_below=1 if practice else 5,
        practice=practice,
        # The shortest interval offered, so a newcomer sees a batch soon after signing.
        batch_interval_seconds=900,
    )
    campaign.conditions = [Condition(position=i, text=text) for i, text in enumerate(DEMO_CONDITIONS)]
    campaign.lab_links = [CampaignLab(lab=labs[s]) for s in DEMO_LABS]
    return campaign


def seed_labs(session: Session) -> list[Lab]:
    """Create or update the known labs."""
    return [upsert_lab(session, slug=slug, name=name, domains=domains) for slug, name, domains in LABS]


def seed_demo(
    session: Session, cost: PasswordCost, now: datetime, *, trustee_folder: Path, token_key_secret: bytes,
    log_key_secret: bytes,
) -> DemoSeed:
    """Seed labs, the demo organizer (fresh password) and the demo campaign, launched through a
    real ceremony with three demo trustees whose files go to ``trustee_folder``."""
    labs = {lab.slug: lab for lab in seed_labs(session)}
    password = secrets.token_urlsafe(12)
    organizer = session.scalar(select(User).where(User.email == DEMO_ORGANIZER_EMAIL))
    if organizer is None:
        organizer = create_user(
            session, email=DEMO_ORGANIZER_EMAIL, name="Demo Organizer", password=password,
            roles=[Role.ORGANIZER], cost=cost,
        )
    else:
        set_password(organizer, password, cost)
    campaign = session.scalar(select(Campaign).where(Campaign.slug == DEMO_SLUG))
    created = campaign is None
    people = None
    for slug in (DEMO_SLUG, PRACTICE_SLUG):
        if session.scalar(select(Campaign).where(Campaign.slug == slug)) is not None:
            continue
        fresh = _demo_campaign(slug, organizer, labs, now)
        session.add(fresh)
        session.flush()
        people = run_demo_ceremony(
            session, fresh, trustee_folder, cost=cost, token_key_secret=token_key_secret,
            log_key_secret=log_key_secret, now=now,
        )
    if people is None:
        people = demo_trustee_logins(session, trustee_folder, cost)
    session.flush()
    return DemoSeed(DEMO_ORGANIZER_EMAIL, password, DEMO_SLUG, created, people)
