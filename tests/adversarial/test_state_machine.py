"""A Hypothesis state machine over verify / sign / withdraw / tick / reveal on a campaign launched
through a real key ceremony (2-of-3 trustees, threshold 4 signatures), checking after every step:

- the public count equals the distinct valid, non-withdrawn entries of the published log
  (recomputed from the log leaves, every token verified), and equals a model of what was
  signed, withdrawn and published;
- nothing is decryptable before a round is frozen: no round, no stored partials, no revealed
  payload, and no secret the server holds (configuration secrets, the derived token and log
  keys) opens a ciphertext; once frozen, nothing opens until t trustees posted, and only
  entries of a revealed round carry a payload, which is exactly what their signer sealed.

Each example starts from a fresh copy of the database as it was right after the launch.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Entry, RevealRound, RoundPartials, Trustee, utcnow
from pledge.services import reveal as reveal_rounds
from pledge.services.packages import PackageError
from tests import dbkit, signing_kit
from tests.kit.decryption import opens, partials_file, server_keys
from tests.kit.ticks import publish_due
from tests.signing_kit import Signer, log_count

JSON = {"Content-Type": "application/json"}
LABS = ("anthropic", "openai")
PICK = st.integers(0, 2**16)  # which token, signer or trustee: taken modulo the choices
MIN_TOTAL = 4  # the launched fixture's rule: 4 signatures overall, no per-lab minimum
SETTINGS = settings(max_examples=25, stateful_step_count=30, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class Signed:
    """The model of one submitted signature."""

    def __init__(self, signer: Signer, name: str) -> None:
        self.signer = signer
        self.name = name
        self.published = False
        self.withdrawn = False
        self.withdrawal_published = False
        self.in_round = False


@pytest.fixture
def world(app, launched, tmp_path, monkeypatch):
    """The launched campaign saved as a template database, and what every example needs."""
    campaign, people, seats = launched
    for key in ("RATELIMIT_ENTRIES_PER_CLIENT", "RATELIMIT_WITHDRAWALS_PER_CLIENT"):
        app.config[key] = (1_000_000, 600)
    keys = server_keys(app, campaign)
    secrets_ = (app.config["TOKEN_KEY_SECRET"], app.config["LOG_KEY_SECRET"])
    # Open each lab's token key once (loading an RSA key costs ~50 ms); tokens stay real.
    opened: dict[str, object] = {}
    unsealed = signing_kit.token_private_key

    def cached(campaign_, link, secret):
        if link.lab.slug not in opened:
            opened[link.lab.slug] = unsealed(campaign_, link, secret)
        return opened[link.lab.slug]

    monkeypatch.setattr(signing_kit, "token_private_key", cached)
    ids = (campaign.id, [seat.id for seat in seats])
    restore = dbkit.snapshot(app, tmp_path)

    return app, ids, people, keys, secrets_, restore


def test_public_count_and_sealing_hold_in_every_reachable_state(world):
    app, (campaign_id, seat_ids), people, server_secrets, (token_secret, log_secret), restore = world

    class PledgeMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            restore()
            self.campaign = db.session.get(Campaign, campaign_id)
            self.slug = self.campaign.slug
            self.client = app.test_client()
            self.hours = 0
            self.wallet: list[tuple[Signer, str]] = []  # verified, token in hand, not signed yet
            self.signed: list[Signed] = []
            self.frozen = False
            self.posted: list[int] = []  # trustee indexes (into people) that posted round 1
            self.revealed = False
            self.checks = 0
            self.issued = 0

        # --- verify: a token issued by blind signature under the (campaign, lab) key --------------

        @initialize(signed=st.integers(0, MIN_TOTAL - 1))
        def first_signers(self, signed: int) -> None:
            for n in range(max(2, signed)):
                self.verify(LABS[n % 2], 1)
            for _ in range(signed):
                self.sign_one(0)

        @rule(lab=st.sampled_from(LABS), count=st.integers(1, 3))
        def verify(self, lab: str, count: int) -> None:
            for _ in range(count):
                self.issued += 1
                name = f"Signer {self.issued} of {lab}"
                signer = Signer(self.campaign, lab, token_secret, name=name, statement=f"I am {name}.")
                self.wallet.append((signer, name))

        # --- sign: a sealed submission over the API -----------------------------------------------

        @precondition(lambda self: self.wallet)
        @rule(count=st.integers(1, 3), pick=PICK)
        def sign(self, count: int, pick: int) -> None:
            for _ in range(min(count, len(self.wallet))):
                self.sign_one(pick % len(self.wallet))

        def sign_one(self, index: int) -> None:
            signer, name = self.wallet.pop(index)
            response = self.post("entries", signer.body())
            assert response.status_code == 201, response.get_json()
            assert response.get_json()["receipt"]["nullifier"] == signer.nullifier.hex()
            self.signed.append(Signed(signer, name))

        @precondition(lambda self: self.signed)
        @rule(pick=PICK)
        def replay(self, pick: int) -> None:
            """A spent token, sealed afresh, never counts twice."""
            item = self.signed[pick % len(self.signed)]
            response = self.post("entries", item.signer.body())
            assert (response.status_code, response.get_json()["error"]) == (409, "token_used")

        # --- withdraw -------------------------------------------------------------------------------

        @precondition(lambda self: self.signed)
        @rule(pick=PICK)
        def withdraw(self, pick: int) -> None:
            item = self.signed[pick % len(self.signed)]
            response = self.post("withdrawals", item.signer.withdrawal())
            if item.withdrawn:
                assert (response.status_code, response.get_json()["error"]) == (409, "already_withdrawn")
            elif item.in_round:
                assert (response.status_code, response.get_json()["error"]) == (409, "revealed")
            else:
                assert response.status_code == 202, response.get_json()
                item.withdrawn = True

        # --- tick: publish a batch at a later time --------------------------------------------------

        @rule(hours=st.integers(1, 6))
        def tick(self, hours: int) -> None:
            self.hours += hours
            done = publish_due(app, hours=self.hours)
            assert len(done) == 1
            for item in self.signed:
                item.published = True
                item.withdrawal_published = item.withdrawn
            froze = not self.frozen and self.model_count() >= MIN_TOTAL
            assert (done[0].round_frozen is not None) == froze
            if froze:
                self.frozen = True
                for item in self.signed:
                    item.in_round = True

        # --- reveal: trustees post verified partials for the frozen round -------------------------

        @precondition(lambda self: not self.frozen)
        @rule()
        def reveal_too_early(self) -> None:
            """Before the threshold there is no round to decrypt, so no partial can be posted."""
            with pytest.raises(PackageError, match="no such round"):
                reveal_rounds.round_package(db.session, self.campaign, 1)
            db.session.rollback()

        @precondition(lambda self: self.frozen and not self.revealed)
        @rule(pick=PICK)
        def reveal(self, pick: int) -> None:
            waiting = [i for i in range(3) if i not in self.posted]
            k = waiting[pick % len(waiting)]
            seat = db.session.get(Trustee, seat_ids[k])
            upload = partials_file(self.campaign, people[k], seat, 1)
            with write_intent():
                opened = reveal_rounds.submit_partials(db.session, self.campaign, seat, 1, upload, utcnow())
                db.session.commit()
            self.posted.append(k)
            assert opened == (len(self.posted) == 2)
            self.revealed = opened

        # --- invariants -----------------------------------------------------------------------------

        def post(self, what: str, body: dict):
            return self.client.post(f"/api/campaigns/{self.slug}/{what}", data=json.dumps(body), headers=JSON)

        def model_count(self) -> int:
            return sum(1 for item in self.signed if item.published and not item.withdrawal_published)

        @invariant()
        def public_count_is_the_log_count(self) -> None:
            db.session.rollback()
            public = self.client.get(f"/api/campaigns/{self.slug}").get_json()["total"]
            assert public == log_count(self.campaign) == self.model_count()
            entries = db.session.scalar(select(func.count()).select_from(Entry).where(Entry.campaign_id == campaign_id))
            assert entries == len(self.signed)

        @invariant()
        def nothing_opens_before_its_round(self) -> None:
            db.session.rollback()
            rounds = db.session.scalars(select(RevealRound).where(RevealRound.campaign_id == campaign_id)).all()
            partials = db.session.scalar(select(func.count()).select_from(RoundPartials))
            revealed = db.session.scalars(select(Entry).where(Entry.revealed_payload.is_not(None))).all()
            assert len(rounds) == int(self.frozen)
            assert partials == len(self.posted)
            if not self.revealed:
                assert revealed == []
                assert self.campaign.state == CampaignState.OPEN
                # The server's own secrets open no sealed signature (a different one each step).
                sealed = db.session.scalars(select(Entry).where(Entry.ciphertext.is_not(None))
                                            .order_by(Entry.nullifier)).all()
                if sealed:
                    entry = sealed[self.checks % len(sealed)]
                    self.checks += 1
                    for key in server_secrets:
                        assert not opens(entry.ciphertext, self.campaign.group_key, self.campaign.ctx + entry.nullifier, key)
            else:
                # Exactly the round's live entries are open, each to what its signer sealed.
                size = rounds[0].size
                names = {item.signer.nullifier: item.name for item in self.signed}
                expected = {item.signer.nullifier for item in self.signed if item.in_round and not item.withdrawn}
                assert {entry.nullifier for entry in revealed} == expected
                for entry in revealed:
                    assert entry.leaf_index < size and entry.revealed_round == 1
                    assert json.loads(entry.revealed_payload)["name"] == names[entry.nullifier]
                assert self.campaign.state == CampaignState.REVEALED

        def teardown(self) -> None:
            db.session.rollback()

    # One walk written out, through every phase (sealed, frozen, half-posted, revealed, signing on
    # after the reveal), checked after every step; then the machine explores on its own.
    walk = PledgeMachine()
    script = [
        (walk.first_signers, {"signed": 3}), (walk.withdraw, {"pick": 0}), (walk.tick, {"hours": 1}),
        (walk.reveal_too_early, {}), (walk.verify, {"lab": "openai", "count": 3}), (walk.sign, {"count": 2, "pick": 1}),
        (walk.replay, {"pick": 2}), (walk.tick, {"hours": 2}), (walk.withdraw, {"pick": 1}), (walk.withdraw, {"pick": 0}),
        (walk.reveal, {"pick": 1}), (walk.sign, {"count": 1, "pick": 0}), (walk.tick, {"hours": 1}),
        (walk.reveal, {"pick": 1}), (walk.withdraw, {"pick": 5}), (walk.tick, {"hours": 3}), (walk.replay, {"pick": 4}),
    ]
    walk.public_count_is_the_log_count()
    walk.nothing_opens_before_its_round()
    for step, arguments in script:
        step(**arguments)
        walk.public_count_is_the_log_count()
        walk.nothing_opens_before_its_round()
    assert walk.revealed and walk.model_count() == 4
    walk.teardown()

    run_state_machine_as_test(PledgeMachine, settings=SETTINGS)
    db.session.remove()
