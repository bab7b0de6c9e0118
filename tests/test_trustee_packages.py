"""The packages the web app serves to trustees (pledge/services/packages.py): a round package
carries the opening of every live entry at its head, a withdrawn entry's opening stays out, and
the trustee's own checks pass on it; at an expiry the openings package carries every head, leaf
and opening, and the trustee's check refuses an expiry where the rule held.

The log here is written row by row as the batch publisher would leave it (real tokens, real
openings, real ciphertexts sealed to the campaign key, heads signed with the campaign's log key),
so that these tests exercise only the packages.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import pytest

from crypto import log_leaves, merkle
from crypto.expiry_check import check_expiry
from crypto.formats import roundfile
from crypto.formats.errors import CheckFailed
from crypto.formats.files import parse_document
from crypto.hashing import canonical_json
from crypto.round_check import check_round
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, Entry, LogLeaf, RevealRound, TreeHead, utcnow
from pledge.services.keys import log_signing_key
from tests.signing_kit import Signer

DAY = 86400


@pytest.fixture
def campaign_and_people(app, make_campaign):
    """A 2-of-3 campaign launched through a real ceremony: 4 entries, 2 labs with 2 each, k = 2."""
    from tests.ceremony_kit import launch_through_ceremony

    campaign = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3, min_total=4,
                             min_per_lab=2, min_labs=2, suppress_below=2)
    people, seats = launch_through_ceremony(app, campaign)
    return campaign, people


@dataclass
class Writer:
    """Publishes batches of leaves for a campaign the way the batch publisher stores them."""

    app: object
    campaign: object
    leaves: list[bytes] = field(default_factory=list)
    entries: dict[bytes, Entry] = field(default_factory=dict)
    batch: int = 0

    def signer(self, lab: str) -> Signer:
        return Signer(self.campaign, lab, self.app.config["TOKEN_KEY_SECRET"])

    def _leaf(self, leaf: bytes) -> int:
        index = len(self.leaves)
        self.leaves.append(leaf)
        db.session.add(LogLeaf(campaign_id=self.campaign.id, leaf_index=index, leaf=leaf,
                               leaf_hash=merkle.leaf_hash(leaf), batch=self.batch + 1))
        return index

    def sign(self, signer: Signer) -> int:
        ciphertext = signer.ciphertext()
        leaf = signer.leaf(ciphertext)
        index = self._leaf(leaf)
        lab = next(link for link in self.campaign.lab_links if link.lab.slug == signer.lab)
        self.entries[signer.nullifier] = Entry(
            campaign_id=self.campaign.id, entry_id=secrets.token_bytes(16), lab_id=lab.lab_id,
            nullifier=signer.nullifier, r_point=ciphertext[:32], leaf=leaf, leaf_hash=merkle.leaf_hash(leaf),
            withdrawal_key=signer.withdrawal_key, ciphertext=ciphertext,
            opening=canonical_json(signer.opening.doc()), leaf_index=index)
        db.session.add(self.entries[signer.nullifier])
        return index

    def withdraw(self, signer: Signer) -> int:
        body = signer.withdrawal()
        leaf = log_leaves.encode_leaf(log_leaves.WithdrawalLeaf(signer.nullifier, bytes.fromhex(body["signature"])))
        index = self._leaf(leaf)
        entry = self.entries[signer.nullifier]
        entry.withdrawal_signature, entry.withdrawal_index, entry.ciphertext = bytes.fromhex(body["signature"]), index, None
        return index

    def event(self, event: log_leaves.EventLeaf) -> int:
        return self._leaf(log_leaves.encode_leaf(event))

    def publish(self, timestamp: int) -> TreeHead:
        self.batch += 1
        size = len(self.leaves)
        root = merkle.MerkleTree.from_leaves(self.leaves).root()
        key = log_signing_key(self.campaign, self.app.config["LOG_KEY_SECRET"])
        signature = bytes(key.sign(merkle.tree_head_message(self.campaign.public_id.encode("ascii"), size, timestamp,
                                                            root)).signature)
        head = TreeHead(campaign_id=self.campaign.id, batch=self.batch, size=size, timestamp=timestamp, root=root,
                        signature=signature)
        db.session.add(head)
        return head


def _deadline(campaign) -> int:
    return int(campaign.deadline.timestamp())


def _log_in_as_trustee(client, login) -> None:
    assert login("t1@trustees.example", "long enough pw").status_code == 302


def test_a_round_package_carries_the_openings_of_the_live_entries(app, client, login, campaign_and_people):
    campaign, _ = campaign_and_people
    log = Writer(app, campaign)
    deadline = _deadline(campaign)
    with write_intent():
        # Given a batch below the rule (anthropic 4, openai 1, meta 1) ...
        a = [log.signer("anthropic") for _ in range(4)]
        o = [log.signer("openai") for _ in range(2)]
        m = log.signer("meta")
        for signer in (a[0], a[1], a[2], o[0], m, a[3]):
            log.sign(signer)
        log.publish(deadline - 3 * DAY)
        # ... and one where openai reaches 2 and an anthropic entry is withdrawn: round 1 freezes
        log.sign(o[1])
        log.withdraw(a[3])
        listed = (0, 1, 2, 3, 6)  # meta's lone entry waits
        log.event(log_leaves.EventLeaf("round-frozen", round=1, leaves=listed))
        head = log.publish(deadline - 2 * DAY)
        db.session.add(RevealRound(campaign_id=campaign.id, number=1, batch=head.batch, size=head.size,
                                   frozen_at=utcnow()))
        for entry in log.entries.values():
            if entry.leaf_index in listed:
                entry.frozen_round = 1
        db.session.commit()
    # When trustee 1 downloads the round package
    _log_in_as_trustee(client, login)
    response = client.get(f"/trustee/campaigns/{campaign.id}/rounds/1/round.json")
    assert response.status_code == 200
    package = roundfile.parse_round(parse_document(response.get_data(), "round", {"round"}))
    # Then it holds the openings of every live entry (the withdrawn one's stays out) and the
    # ciphertexts of the round's entries only, and the trustee's checks pass on it
    assert sorted(package.openings) == [0, 1, 2, 3, 4, 6]
    assert [leaf.index for leaf in package.leaves if leaf.ciphertext is not None] == list(listed)
    plan = check_round(package, campaign.group_key, jobs=1)
    assert plan.live == {"anthropic": [0, 1, 2], "meta": [4], "openai": [3, 6]}
    assert [e.leaf_index for e in plan.to_decrypt] == list(listed)
    # And there is no openings package for a campaign that did not expire
    assert client.get(f"/trustee/campaigns/{campaign.id}/openings.json").status_code == 404


def _expire(app, campaign, log: Writer, batches: list[list], deadline: int) -> None:
    with write_intent():
        for n, batch in enumerate(batches):
            for step in batch:
                if isinstance(step, tuple):
                    log.withdraw(step[1])
                else:
                    log.sign(step)
            log.publish(deadline - (len(batches) - n) * DAY)
        log.event(log_leaves.EventLeaf("expired"))
        log.publish(deadline + 3600)
        for entry in log.entries.values():
            entry.ciphertext = None  # deleted at the expiry; the openings are kept for the trustees
        campaign.state = CampaignState.EXPIRED
        db.session.commit()


def test_an_expiry_package_passes_the_trustee_check_when_the_rule_never_held(app, client, login,
                                                                               campaign_and_people):
    campaign, _ = campaign_and_people
    log = Writer(app, campaign)
    a1, a2, o1, o2 = (log.signer(lab) for lab in ("anthropic", "anthropic", "openai", "openai"))
    _expire(app, campaign, log, [[a1, a2, o1], [o2, ("withdraw", o1)]], _deadline(campaign))
    _log_in_as_trustee(client, login)
    dashboard = client.get("/trustee/").get_data(as_text=True)
    assert f'href="/trustee/campaigns/{campaign.id}/openings.json"' in dashboard
    assert f"--package openings-{campaign.slug}.json" in dashboard
    response = client.get(f"/trustee/campaigns/{campaign.id}/openings.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="openings-{campaign.slug}.json"'
    package = roundfile.parse_openings(parse_document(response.get_data(), "openings", {"openings"}))
    assert sorted(package.openings) == [0, 1, 2, 3]  # the withdrawn entry's opening included
    assert [h.size for h in package.heads] == [3, 5, 6]
    plan = check_expiry(package, jobs=1)
    assert plan.counts == {"anthropic": 2, "openai": 1}


def test_an_expiry_where_the_rule_held_is_refused_from_the_served_package(app, client, login, campaign_and_people):
    campaign, _ = campaign_and_people
    log = Writer(app, campaign)
    a1, a2, o1, o2 = (log.signer(lab) for lab in ("anthropic", "anthropic", "openai", "openai"))
    _expire(app, campaign, log, [[a1, a2, o1, o2], [("withdraw", o1)]], _deadline(campaign))
    _log_in_as_trustee(client, login)
    response = client.get(f"/trustee/campaigns/{campaign.id}/openings.json")
    package = roundfile.parse_openings(parse_document(response.get_data(), "openings", {"openings"}))
    with pytest.raises(CheckFailed, match=r"the threshold rule held at the head of batch 1 \(size 4\) with k = 2: "
                                          r"labs anthropic, openai reached min_per_lab"):
        check_expiry(package, jobs=1)


def test_no_openings_package_once_the_openings_are_deleted(app, client, login, campaign_and_people):
    campaign, _ = campaign_and_people
    log = Writer(app, campaign)
    _expire(app, campaign, log, [[log.signer("anthropic")]], _deadline(campaign))
    with write_intent():
        for entry in log.entries.values():
            entry.opening = None
        db.session.commit()
    _log_in_as_trustee(client, login)
    assert client.get(f"/trustee/campaigns/{campaign.id}/openings.json").status_code == 404


def test_only_the_campaign_s_trustees_get_the_openings(app, client, login, make_user, campaign_and_people):
    from pledge.models import Role

    campaign, _ = campaign_and_people
    log = Writer(app, campaign)
    _expire(app, campaign, log, [[log.signer("anthropic")]], _deadline(campaign))
    user, password = make_user(Role.TRUSTEE, email="other@trustees.example")
    assert login(user.email, password).status_code == 302
    assert client.get(f"/trustee/campaigns/{campaign.id}/openings.json").status_code == 404
