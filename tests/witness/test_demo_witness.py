"""``make run``'s demo witnesses: after a batch, ``flask dev witness`` lets the demo trustees check
and cosign the demo campaigns' new heads (so the demo shows live cosigned heads), says nothing
when nothing is new, and refuses to run outside development."""

from __future__ import annotations

from sqlalchemy import select

from pledge.extensions import db
from pledge.models import Campaign


def test_the_demo_trustees_cosign_new_heads_in_development(app_factory):
    app = app_factory(PLEDGE_ENV="development")
    with app.app_context():
        runner = app.test_cli_runner()
        seeded = runner.invoke(args=["seed-demo"])
        assert seeded.exit_code == 0, seeded.output
        published = runner.invoke(args=["dev", "publish-now"])
        assert published.exit_code == 0, published.output

        # publish-now lets the demo trustees witness the new heads at once, as make run's loop does.
        slugs = list(db.session.scalars(select(Campaign.slug).where(Campaign.group_key.is_not(None))))
        for slug in slugs:
            for name in ("Demo Trustee One", "Demo Trustee Two", "Demo Trustee Three"):
                assert f"[witness] {slug}: {name} cosigned the head of size 0" in published.output

        page = app.test_client().get(f"/campaigns/{slugs[0]}").get_data(as_text=True)
        assert "Cosigned by Demo Trustee One, Demo Trustee Two, Demo Trustee Three." in page
        assert "Confirmed by 2 or more witnesses" in page

        again = runner.invoke(args=["dev", "witness"])
        assert again.exit_code == 0 and again.output == ""
        db.session.remove()


def test_dev_witness_refuses_outside_development(app):
    result = app.test_cli_runner().invoke(args=["dev", "witness"])
    assert result.exit_code != 0 and "development only" in result.output
