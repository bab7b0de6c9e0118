"""Under 8 concurrent submitters, the public count always equals the distinct valid,
non-withdrawn entries of the published log."""

import json
import threading
import time
import urllib.error
import urllib.request

from pledge.extensions import db
from tests.browser import live_server
from tests.kit.ticks import publish_due
from tests.signing_kit import Signer, log_count

LABS = ("anthropic", "openai", "meta")


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_counts_match_the_log_after_every_batch_under_concurrency(app, make_open_campaign):
    campaign = make_open_campaign(title="Busy", lab_slugs=LABS, suppress_below=1, practice=True, min_total=1000,
                                  min_per_lab=0, min_labs=0)
    secret = app.config["TOKEN_KEY_SECRET"]
    # Tokens are minted up front: the test is about submissions racing batches.
    plans = [[Signer(campaign, LABS[(w + i) % 3], secret) for i in range(6)] for w in range(8)]
    accepted: list[Signer] = []
    withdrawn: list[Signer] = []
    lock = threading.Lock()

    slug = campaign.slug  # threads must not touch the ORM
    with live_server(app) as url:
        entries = f"{url}/api/campaigns/{slug}/entries"

        def worker(signers):
            for n, signer in enumerate(signers):
                status = post(entries, signer.body())
                assert status == 201
                with lock:
                    accepted.append(signer)
                assert post(entries, signer.body()) == 409  # a replay is refused
                if n == 2:
                    assert post(f"{url}/api/campaigns/{slug}/withdrawals", signer.withdrawal()) == 202
                    with lock:
                        withdrawn.append(signer)

        threads = [threading.Thread(target=worker, args=(plan,)) for plan in plans]
        for thread in threads:
            thread.start()
        checks = 0
        for hour in range(1, 40):
            publish_due(app, hours=hour)
            db.session.rollback()
            public = app.test_client().get(f"/api/campaigns/{campaign.slug}").get_json()["total"]
            assert public == log_count(campaign)
            checks += 1
            if not any(thread.is_alive() for thread in threads) and hour > 3:
                break
            time.sleep(0.05)
        for thread in threads:
            thread.join()

    publish_due(app, hours=50)
    db.session.rollback()
    public = app.test_client().get(f"/api/campaigns/{campaign.slug}").get_json()["total"]
    assert public == log_count(campaign) == len(accepted) - len(withdrawn) == 48 - 8
    assert checks >= 4
