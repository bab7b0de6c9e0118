"""The lab registry on the admin pages: adding and editing labs, refusals that change nothing,
admins only, and every change recorded in the lab's history."""

import json

import pytest
from sqlalchemy import func, select

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Lab, LabChange, LabDomain, Role
from pledge.services import labs as lab_service
from pledge.services.errors import ServiceError
from tests.kit.forms import csrf_from


@pytest.fixture
def admin(make_user, login, labs):
    user, password = make_user(Role.ADMIN, name="Ada Admin")
    login(user.email, password)
    return user


def post_page(client, url, data, page=None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def lab_named(slug):
    db.session.expire_all()
    return db.session.scalar(select(Lab).where(Lab.slug == slug))


def changes_of(lab):
    return list(db.session.scalars(select(LabChange).where(LabChange.lab_id == lab.id).order_by(LabChange.id)))


def snapshot():
    """Every lab, its domains and the number of recorded changes: to show a refusal changed nothing."""
    db.session.expire_all()
    labs = {lab.slug: (lab.name, tuple(lab.domain_names)) for lab in db.session.scalars(select(Lab))}
    return labs, db.session.scalar(select(func.count()).select_from(LabChange))


def test_an_admin_adds_a_lab_with_domains_on_lines_or_with_commas(client, admin):
    listing = client.get("/admin/labs")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "Anthropic" in page and "anthropic.com" in page and 'href="/admin/labs/new"' in page
    response = post_page(client, "/admin/labs/new", {
        "slug": "example-lab", "name": "  Example   Lab ", "domains": "Example.org\nresearch.example.org, EXAMPLE.org"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/labs/example-lab")
    lab = lab_named("example-lab")
    assert lab.name == "Example Lab"
    assert lab.domain_names == ["example.org", "research.example.org"]
    [row] = changes_of(lab)
    assert row.actor_id == admin.id and row.source == "admin page"
    assert json.loads(row.change) == {"created": True, "name": [None, "Example Lab"],
                                      "added": ["example.org", "research.example.org"]}
    page = client.get("/admin/labs/example-lab").get_data(as_text=True)
    assert "Example Lab added." in page
    assert "Added as Example Lab" in page and "by Ada Admin" in page
    assert "Domains added: example.org, research.example.org" in page
    assert "research.example.org" in client.get("/admin/labs").get_data(as_text=True)


def test_an_admin_edits_a_labs_name_and_domains_and_sees_its_history_newest_first(client, admin):
    post_page(client, "/admin/labs/new", {"slug": "example-lab", "name": "Example Lab", "domains": "example.org"})
    page = client.get("/admin/labs/example-lab").get_data(as_text=True)
    assert "example.org</textarea>" in page.replace("\n", "")
    response = post_page(client, "/admin/labs/example-lab", {"name": "Example Research", "domains": "example.net\nexample.com"})
    assert response.status_code == 302
    lab = lab_named("example-lab")
    assert lab.name == "Example Research" and lab.domain_names == ["example.com", "example.net"]
    first, second = changes_of(lab)
    assert json.loads(second.change) == {"name": ["Example Lab", "Example Research"],
                                         "added": ["example.com", "example.net"], "removed": ["example.org"]}
    assert second.actor_id == admin.id
    page = client.get("/admin/labs/example-lab").get_data(as_text=True)
    assert "Example Research saved." in page
    renamed = page.index("Name changed from Example Lab to Example Research")
    added = page.index("Added as Example Lab")
    assert renamed < added  # newest first
    assert "Domains removed: example.org" in page and "Domains added: example.com, example.net" in page
    # The slug is not a field of the edit form: it never changes.
    assert 'name="slug"' not in page


@pytest.mark.parametrize("fields, message", [
    ({"slug": "Bad_Slug", "name": "X", "domains": "x.example"}, "not a valid lab slug"),
    ({"slug": "x", "name": "X", "domains": "x.example"}, "not a valid lab slug"),
    ({"slug": "-lead", "name": "X", "domains": "x.example"}, "not a valid lab slug"),
    ({"slug": "anthropic", "name": "Again", "domains": "again.example"}, "already a lab with the slug"),
    ({"slug": "new-lab", "name": "New", "domains": "not a domain!"}, "is not a valid domain name"),
    ({"slug": "new-lab", "name": "New", "domains": "localhost"}, "is not a valid domain name"),
    ({"slug": "new-lab", "name": "New", "domains": "new.example\nopenai.com"}, "openai.com already belongs to OpenAI"),
    ({"slug": "new-lab", "name": "New", "domains": " , "}, "at least one email domain"),
    ({"slug": "new-lab", "name": "", "domains": "new.example"}, "Give the lab a name"),
])
def test_adding_a_lab_refuses_clearly_and_changes_nothing(client, admin, fields, message):
    before = snapshot()
    response = post_page(client, "/admin/labs/new", fields)
    assert response.status_code in (400, 422), response.status_code
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'").replace("&#34;", '"')
    assert 'aria-invalid="true"' in page
    assert snapshot() == before


@pytest.mark.parametrize("fields, message", [
    ({"name": "Meta", "domains": "meta.com\nanthropic.com"}, "anthropic.com already belongs to Anthropic"),
    ({"name": "Meta", "domains": "meta.com\nbad..example"}, "is not a valid domain name"),
    ({"name": "Meta", "domains": ""}, "at least one email domain"),
    ({"name": "Meta", "domains": "fb.com, meta.com"}, "Nothing to change"),
])
def test_editing_a_lab_refuses_clearly_and_changes_nothing(client, admin, fields, message):
    before = snapshot()
    response = post_page(client, "/admin/labs/meta", fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_domain_moves_to_another_lab_once_its_lab_lets_it_go(client, admin):
    refused = post_page(client, "/admin/labs/anthropic", {"name": "Anthropic", "domains": "anthropic.com\nfb.com"})
    assert refused.status_code == 400 and "fb.com already belongs to Meta" in refused.get_data(as_text=True)
    assert post_page(client, "/admin/labs/meta", {"name": "Meta", "domains": "meta.com"}).status_code == 302
    moved = post_page(client, "/admin/labs/anthropic", {"name": "Anthropic", "domains": "anthropic.com, fb.com"})
    assert moved.status_code == 302
    assert lab_named("anthropic").domain_names == ["anthropic.com", "fb.com"]
    assert lab_named("meta").domain_names == ["meta.com"]
    assert db.session.scalar(select(func.count()).select_from(LabDomain).where(LabDomain.domain == "fb.com")) == 1


def test_lab_pages_are_for_admins_only(client, make_user, login, labs):
    assert client.get("/admin/labs").status_code == 302  # to the login page
    organizer, password = make_user(Role.ORGANIZER)
    login(organizer.email, password)
    for url in ("/admin/labs", "/admin/labs/new", "/admin/labs/anthropic"):
        assert client.get(url).status_code == 403, url
    # Not even a well-formed post gets through (the token comes from a page the organizer may see).
    token = csrf_from(client.get("/organize/campaigns/new").get_data(as_text=True))
    before = snapshot()
    assert client.post("/admin/labs/new", data={"slug": "sneaky", "name": "Sneaky", "domains": "sneaky.example",
                                                "csrf_token": token}).status_code == 403
    assert client.post("/admin/labs/anthropic", data={"name": "Renamed", "domains": "anthropic.com",
                                                      "csrf_token": token}).status_code == 403
    assert snapshot() == before
    # The nav offers the lab pages to admins only.
    assert 'href="/admin/labs"' not in client.get("/organize/").get_data(as_text=True)


def test_lab_forms_need_their_csrf_token(client, admin):
    before = snapshot()
    response = client.post("/admin/labs/new", data={"slug": "no-token", "name": "No Token", "domains": "no-token.example"})
    assert response.status_code == 400
    assert snapshot() == before


def test_the_nav_links_admins_to_the_labs_and_an_unknown_lab_is_not_found(client, admin):
    assert 'href="/admin/labs"' in client.get("/").get_data(as_text=True)
    assert client.get("/admin/labs/no-such-lab").status_code == 404


def test_a_new_lab_can_be_picked_for_a_draft_campaign(client, admin, make_user, login):
    post_page(client, "/admin/labs/new", {"slug": "example-lab", "name": "Example Lab", "domains": "example.org"})
    organizer, password = make_user(Role.ORGANIZER)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    login(organizer.email, password)
    page = client.get("/organize/campaigns/new").get_data(as_text=True)
    lab = lab_named("example-lab")
    assert f'value="{lab.id}"' in page and "Example Lab" in page


def test_the_demo_seed_records_its_labs_once(app, labs):
    from pledge.services.demo import seed_labs

    seeded = changes_of(labs["meta"])
    assert [(row.source, row.actor_id) for row in seeded] == [("demo seed", None)]
    with write_intent():
        seed_labs(db.session)  # unchanged: nothing more recorded
        db.session.commit()
    assert len(changes_of(labs["meta"])) == 1
    with write_intent():
        lab_service.upsert_lab(db.session, slug="meta", name="Meta", domains=("meta.com",))
        db.session.commit()
    last = changes_of(labs["meta"])[-1]
    assert json.loads(last.change) == {"removed": ["fb.com"]} and last.source == "demo seed"


def test_the_services_refuse_a_changeless_edit_and_an_unknown_lab(app, labs):
    with pytest.raises(ServiceError, match="no lab with the slug"):
        lab_service.lab_by_slug(db.session, "nobody")
    with pytest.raises(ServiceError, match="Nothing to change"):
        lab_service.edit_lab(db.session, labs["openai"], name="OpenAI", actor=None, source=lab_service.COMMAND_LINE,
                             now=lab_service.utcnow())
    db.session.rollback()
