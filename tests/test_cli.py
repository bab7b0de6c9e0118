"""The `flask --app pledge` commands."""

import re

from sqlalchemy import func, select

from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Lab, Role, User


def test_user_create_makes_an_organizer_who_can_log_in(runner, login):
    result = runner.invoke(args=["user", "create", "--email", "Grace@Staff.example", "--name", "Grace",
                                 "--role", "organizer"], input="a long enough secret\na long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "Created organizer account grace@staff.example" in result.output
    user = db.session.scalar(select(User).where(User.email == "grace@staff.example"))
    assert user.roles == {Role.ORGANIZER}
    assert "a long enough secret" not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert login("grace@staff.example", "a long enough secret").status_code == 302


def test_user_create_refuses_duplicates_and_weak_passwords(runner):
    args = ["user", "create", "--email", "g@staff.example", "--name", "G", "--role", "admin"]
    assert runner.invoke(args=args + ["--password", "long enough secret"]).exit_code == 0
    duplicate = runner.invoke(args=args + ["--password", "another long secret"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    weak = runner.invoke(args=["user", "create", "--email", "h@staff.example", "--name", "H", "--role", "organizer",
                               "--password", "short"])
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_user_create_refuses_a_trustee_role(runner):
    result = runner.invoke(args=["user", "create", "--email", "t@staff.example", "--name", "T", "--role", "trustee",
                                 "--password", "long enough secret"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_is_idempotent_and_prints_a_working_login(runner, login, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 2  # the demo and the practice run
    assert db.session.scalar(select(func.count()).select_from(Lab)) >= 5
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "independent-evaluations-first"))
    assert campaign.state == CampaignState.OPEN and campaign.conditions
    # Launched through a real 2-of-3 ceremony whose trustee files a newcomer can use.
    assert campaign.group_key and campaign.ctx and campaign.log_public_key
    assert [t.seat for t in campaign.trustees] == [1, 2, 3]
    assert all(t.verification_key for t in campaign.trustees)
    assert all(link.token_public_key and link.token_private_key_sealed for link in campaign.lab_links)
    assert "key passphrase:" in second.output

    old_password = re.search(r"Organizer password: (\S+)", first.output).group(1)
    password = re.search(r"Organizer password: (\S+)", second.output).group(1)
    email = re.search(r"Organizer login: (\S+)", second.output).group(1)
    assert login(email, old_password).status_code == 401  # reseeding replaced the password
    assert login(email, password).status_code == 302
    assert client.get("/organize/").status_code == 200


def test_tick_runs_and_reports(runner):
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0
    assert "nothing due" in result.output
