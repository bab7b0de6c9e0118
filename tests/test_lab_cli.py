"""``flask --app pledge lab add|edit|list``: the registry from the command line, each change
recorded, and every refusal a non-zero exit that changes nothing."""

import json

import pytest
from sqlalchemy import func, select

from pledge.extensions import db
from pledge.models import Lab, LabChange


def lab_named(slug):
    db.session.expire_all()
    return db.session.scalar(select(Lab).where(Lab.slug == slug))


def snapshot():
    db.session.expire_all()
    labs = {lab.slug: (lab.name, tuple(lab.domain_names)) for lab in db.session.scalars(select(Lab))}
    return labs, db.session.scalar(select(func.count()).select_from(LabChange))


def last_change(lab):
    return db.session.scalars(select(LabChange).where(LabChange.lab_id == lab.id).order_by(LabChange.id.desc())).first()


def test_add_edit_and_list(runner, labs):
    added = runner.invoke(args=["lab", "add", "example-lab", "--name", "Example Lab", "--domain", "Example.org",
                                "--domain", "research.example.org,staff.example.org"])
    assert added.exit_code == 0, added.output
    assert "Added Example Lab (example-lab): example.org, research.example.org, staff.example.org." in added.output
    lab = lab_named("example-lab")
    change = last_change(lab)
    assert (change.actor_id, change.source) == (None, "command line")
    assert json.loads(change.change)["added"] == ["example.org", "research.example.org", "staff.example.org"]

    renamed = runner.invoke(args=["lab", "edit", "example-lab", "--name", "Example Research"])
    assert renamed.exit_code == 0, renamed.output
    lab = lab_named("example-lab")
    assert lab.name == "Example Research" and len(lab.domain_names) == 3  # domains untouched without --domain
    assert json.loads(last_change(lab).change) == {"name": ["Example Lab", "Example Research"]}

    replaced = runner.invoke(args=["lab", "edit", "example-lab", "--domain", "example.org", "--domain", "example.net"])
    assert replaced.exit_code == 0, replaced.output
    lab = lab_named("example-lab")
    assert lab.domain_names == ["example.net", "example.org"] and lab.name == "Example Research"
    assert json.loads(last_change(lab).change) == {"added": ["example.net"],
                                                   "removed": ["research.example.org", "staff.example.org"]}
    assert db.session.scalar(select(func.count()).select_from(LabChange).where(LabChange.lab_id == lab.id)) == 3

    listed = runner.invoke(args=["lab", "list"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert "example-lab\tExample Research\texample.net, example.org" in lines
    assert "meta\tMeta\tfb.com, meta.com" in lines
    assert len(lines) == len(labs) + 1


def test_list_says_when_there_are_no_labs(runner):
    result = runner.invoke(args=["lab", "list"])
    assert result.exit_code == 0 and "No labs yet" in result.output


@pytest.mark.parametrize("args, message", [
    (["lab", "add", "Bad_Slug", "--name", "X", "--domain", "x.example"], "not a valid lab slug"),
    (["lab", "add", "a", "--name", "X", "--domain", "x.example"], "not a valid lab slug"),
    (["lab", "add", "x" * 65, "--name", "X", "--domain", "x.example"], "not a valid lab slug"),
    (["lab", "add", "openai", "--name", "OpenAI again", "--domain", "x.example"], "already a lab with the slug 'openai'"),
    (["lab", "add", "new-lab", "--name", "New", "--domain", "new.example", "--domain", "fb.com"],
     "fb.com already belongs to Meta"),
    (["lab", "add", "new-lab", "--name", "New", "--domain", "not_a.domain!"], "is not a valid domain name"),
    (["lab", "add", "new-lab", "--name", "New", "--domain", ","], "at least one email domain"),
    (["lab", "add", "new-lab", "--name", "  ", "--domain", "new.example"], "Give the lab a name"),
    (["lab", "add", "new-lab", "--name", "New"], "Missing option '--domain'"),
    (["lab", "edit", "nobody", "--name", "Nobody"], "no lab with the slug 'nobody'"),
    (["lab", "edit", "meta"], "Give --name, or one --domain or more"),
    (["lab", "edit", "meta", "--domain", "meta.com", "--domain", "anthropic.com"], "anthropic.com already belongs to Anthropic"),
    (["lab", "edit", "meta", "--domain", "meta..com"], "is not a valid domain name"),
    (["lab", "edit", "meta", "--name", "Meta", "--domain", "fb.com,meta.com"], "Nothing to change"),
])
def test_bad_input_exits_non_zero_and_changes_nothing(runner, labs, args, message):
    before = snapshot()
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert snapshot() == before
