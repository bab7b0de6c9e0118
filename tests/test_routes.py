"""Every route, as an anonymous visitor and as a signed-in organizer. A new route fails this test
until it is listed here with what each kind of visitor should get."""

import pytest

from pledge.models import CampaignState, Role

# endpoint -> (method, anonymous status, organizer status); {cid}, {slug}, {cond} are filled in.
EXPECTED = {
    "public.home": ("GET", "/", 200, 200),
    "public.about": ("GET", "/about", 200, 200),
    "public.campaign": ("GET", "/campaigns/{slug}", 200, 200),
    "api.campaign": ("GET", "/api/campaigns/{slug}", 200, 200),
    "auth.login": ("GET", "/login", 200, 302),
    "auth.logout": ("POST", "/logout", 400, 400),  # CSRF token missing: refused either way
    "organize.dashboard": ("GET", "/organize/", 302, 200),
    "organize.new_campaign": ("GET", "/organize/campaigns/new", 302, 200),
    "organize.edit_campaign": ("GET", "/organize/campaigns/{cid}/edit", 302, 200),
    "organize.conditions": ("GET", "/organize/campaigns/{cid}/conditions", 302, 200),
    "organize.edit_condition": ("POST", "/organize/campaigns/{cid}/conditions/{cond}", 400, 400),
    "organize.move_condition": ("POST", "/organize/campaigns/{cid}/conditions/{cond}/move", 400, 400),
    "organize.delete_condition": ("POST", "/organize/campaigns/{cid}/conditions/{cond}/delete", 400, 400),
    "organize.preview": ("GET", "/organize/campaigns/{cid}/preview", 302, 200),
    "organize.trustees": ("GET", "/organize/campaigns/{cid}/trustees", 302, 200),
    "organize.reinvite_trustee": ("POST", "/organize/campaigns/{cid}/trustees/reinvite", 400, 400),
    "organize.remove_trustee": ("POST", "/organize/campaigns/{cid}/trustees/remove", 400, 400),
    "organize.freeze": ("POST", "/organize/campaigns/{cid}/freeze", 400, 400),
    "organize.replace_trustee": ("POST", "/organize/campaigns/{cid}/trustees/1/replace", 400, 400),
    "organize.archive_file": ("GET", "/organize/campaigns/{cid}/archives/1/board.json", 302, 404),
    "organize.launch": ("POST", "/organize/campaigns/{cid}/launch", 400, 400),
    "organize.freeze_confirm": ("GET", "/organize/campaigns/{cid}/freeze/confirm", 302, 200),
    "organize.launch_confirm": ("GET", "/organize/campaigns/{cid}/launch/confirm", 302, 200),
    "organize.submit_review": ("POST", "/organize/campaigns/{cid}/submit", 400, 400),
    "organize.take_back": ("POST", "/organize/campaigns/{cid}/take-back", 400, 400),
    "organize.allow_organizer_trustee": ("POST", "/organize/campaigns/{cid}/allow-organizer-trustee", 400, 400),
    "trustee.invitation": ("GET", "/trustee/invitations/not-a-real-invitation-secret-at-all", 404, 404),
    # An organizer without the trustee role is refused every trustee page.
    "trustee.dashboard": ("GET", "/trustee/", 302, 403),
    "trustee.keys": ("GET", "/trustee/campaigns/{cid}/keys", 302, 403),
    "trustee.ceremony_package": ("GET", "/trustee/campaigns/{cid}/ceremony.json", 302, 403),
    "trustee.board": ("GET", "/trustee/campaigns/{cid}/board.json", 302, 403),
    "trustee.upload_deal": ("POST", "/trustee/campaigns/{cid}/deal", 400, 400),
    "trustee.upload_result": ("POST", "/trustee/campaigns/{cid}/result", 400, 400),
    "trustee.upload_answer": ("POST", "/trustee/campaigns/{cid}/answer", 400, 400),
    "trustee.archive_file": ("GET", "/trustee/campaigns/{cid}/archives/1/board.json", 302, 403),
    "trustee.round_package": ("GET", "/trustee/campaigns/{cid}/rounds/1/round.json", 302, 403),
    "trustee.openings_package": ("GET", "/trustee/campaigns/{cid}/openings.json", 302, 403),
    "trustee.upload_partials": ("POST", "/trustee/campaigns/{cid}/rounds/1/partials", 400, 400),
    "trustee.upload_destroyed": ("POST", "/trustee/campaigns/{cid}/destroyed", 400, 400),
    "organize.outcomes_page": ("GET", "/organize/campaigns/{cid}/outcomes", 302, 200),
    "api.record": ("GET", "/api/campaigns/{slug}/record", 404, 404),  # no ceremony, no record
    "public.updates_feed": ("GET", "/campaigns/{slug}/updates.atom", 200, 200),
    "affiliation.page": ("GET", "/verify", 200, 200),
    # Cookie-less JSON endpoints: without a JSON body they are refused (415), signed in or not.
    "affiliation.start": ("POST", "/api/verify/start", 415, 415),
    "affiliation.check": ("POST", "/api/verify/check", 415, 415),
    "affiliation.issue": ("POST", "/api/verify/issue", 415, 415),
    "api.manifest": ("GET", "/api/campaigns/{slug}/manifest", 404, 404),  # no manifest: made directly
    "admin.issuance": ("GET", "/admin/issuance", 302, 403),
    "admin.labs": ("GET", "/admin/labs", 302, 403),
    "admin.new_lab": ("GET", "/admin/labs/new", 302, 403),
    "admin.lab": ("GET", "/admin/labs/anthropic", 302, 403),
    "admin.review_queue": ("GET", "/admin/review", 302, 403),
    "admin.review_campaign": ("GET", "/admin/review/{cid}", 302, 403),
    "admin.takedown_campaign": ("GET", "/admin/campaigns/{cid}/takedown", 302, 403),
    "admin.reports": ("GET", "/admin/reports", 302, 403),
    # Staff POSTs without a CSRF token are refused before anything else.
    "admin.approve_campaign": ("POST", "/admin/review/{cid}/approve", 400, 400),
    "admin.refuse_campaign": ("POST", "/admin/review/{cid}/refuse", 400, 400),
    "admin.report_handled": ("POST", "/admin/reports/1/handled", 400, 400),
    "public.report": ("GET", "/campaigns/{slug}/report", 200, 200),
    # The campaign made here skipped its ceremony (no manifest), so it has no signing pages.
    "signing.sign_page": ("GET", "/campaigns/{slug}/sign", 404, 404),
    "signing.receipt_page": ("GET", "/campaigns/{slug}/receipt", 404, 404),
    "api.board": ("GET", "/api/campaigns/{slug}/board", 404, 404),
    "api.head": ("GET", "/api/campaigns/{slug}/log/head", 404, 404),
    "api.submit": ("POST", "/api/campaigns/{slug}/entries", 404, 404),
    "api.receipt": ("GET", "/api/campaigns/{slug}/receipts/00", 404, 404),
    "api.withdraw": ("POST", "/api/campaigns/{slug}/withdrawals", 404, 404),
    "api.statement_status": ("GET", "/api/campaigns/{slug}/statements/00", 404, 404),
    "api.statement": ("POST", "/api/campaigns/{slug}/statements", 404, 404),
    "api.heads": ("GET", "/api/campaigns/{slug}/log/heads", 404, 404),
    "api.leaves": ("GET", "/api/campaigns/{slug}/log/leaves?start=0&end=0", 404, 404),
    "api.consistency": ("GET", "/api/campaigns/{slug}/log/consistency?from=0&to=0", 404, 404),
    "api.inclusion": ("GET", "/api/campaigns/{slug}/log/inclusion?index=0&size=1", 404, 404),
    "api.cosign": ("POST", "/api/campaigns/{slug}/log/cosignatures", 404, 404),
    "static": ("GET", "/static/css/pledge.css", 200, 200),
    "health.healthz": ("GET", "/healthz", 200, 200),
}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), "classify new routes in tests/test_routes.py"


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "organizer"])
def test_each_route_answers_as_expected(client, make_user, login, make_campaign, signed_in):
    organizer, password = make_user(Role.ORGANIZER, email="owner@staff.example")
    draft = make_campaign(organizer=organizer, state=CampaignState.DRAFT)
    public = make_campaign(organizer=organizer)
    if signed_in:
        login("owner@staff.example", password)
    for endpoint, (method, template, anonymous, organizer_status) in EXPECTED.items():
        url = template.format(cid=draft.id, slug=public.slug, cond=draft.conditions[0].id)
        expected = organizer_status if signed_in else anonymous
        with client.open(url, method=method) as response:
            assert response.status_code == expected, (endpoint, url, response.status_code)


def test_dev_mailbox_routes_exist_only_in_development(app_factory):
    development = app_factory(PLEDGE_ENV="development")
    assert {"dev.mailbox", "dev.message"} <= {r.endpoint for r in development.url_map.iter_rules()}
    assert development.test_client().get("/dev/mail").status_code == 200
