"""``tick`` is safe to run from cron on several machines at once: four tick processes started
together against one database publish exactly one batch, with every pending entry in it once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Entry, LogLeaf, TreeHead, utcnow
from tests.kit.ticks import cron_environment
from tests.signing_kit import Signer

LABS = ("anthropic", "openai", "meta")
TICKS = 4
SIGNERS = 30


def test_ticks_started_together_publish_one_batch(app, client, make_open_campaign):
    campaign = make_open_campaign(title="Cron", lab_slugs=LABS, suppress_below=1, practice=True, min_total=1000, min_per_lab=0,
                                  min_labs=0)
    with write_intent():
        campaign.launched_at = utcnow() - timedelta(hours=3)  # a batch boundary has passed
        db.session.commit()
    secret = app.config["TOKEN_KEY_SECRET"]
    for i in range(SIGNERS):
        signer = Signer(campaign, LABS[i % 3], secret)
        response = client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()),
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 201, response.get_json()
    campaign_id = campaign.id
    db.session.remove()
    db.engine.dispose()

    env = cron_environment(app)
    ticks = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "pledge", "tick"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(TICKS)]
    outputs = [tick.communicate(timeout=120) for tick in ticks]
    assert [tick.returncode for tick in ticks] == [0] * TICKS, outputs
    published = [out for out, _ in outputs if "batch 1 published (30 new, 0 withdrawn)" in out]
    assert len(published) == 1, outputs
    assert sum("nothing due" in out for out, _ in outputs) == TICKS - 1, outputs

    heads = db.session.scalars(select(TreeHead).where(TreeHead.campaign_id == campaign_id)).all()
    assert [(head.batch, head.size) for head in heads] == [(1, SIGNERS)]
    leaves = db.session.scalar(select(func.count()).select_from(LogLeaf).where(LogLeaf.campaign_id == campaign_id))
    assert leaves == SIGNERS
    indexes = db.session.scalars(select(Entry.leaf_index).where(Entry.campaign_id == campaign_id)).all()
    assert sorted(indexes) == list(range(SIGNERS))
