"""The authorization matrix's rows: every route, the URL to request it at, and the status each kind
of visitor gets (anonymous, organizer A who owns the campaigns, organizer B, a trustee seated on
A's launched campaign, an admin). Used by the authorization matrix and the security-header tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.adversarial import kit

ROLES = ("anon", "owner", "other", "trustee", "admin")


def S(anon: int, owner: int, other: int, trustee: int, admin: int) -> dict[str, int]:
    """Expected status per role, in the order of ROLES."""
    return dict(zip(ROLES, (anon, owner, other, trustee, admin)))


def ALL(status: int) -> dict[str, int]:
    """The same status for everyone."""
    return dict.fromkeys(ROLES, status)


#: Organizer pages of A's campaigns: A and the admin manage them, B gets 404 (not 403: B must not
#: learn that the campaign exists), the trustee is no organizer (403), anonymous goes to login.
MANAGED = S(302, 200, 404, 403, 200)
MANAGED_ACTION = S(302, 302, 404, 403, 302)
MANAGED_BAD_FORM = S(302, 400, 404, 403, 400)
# B's draft, the other way round.
OTHERS = S(302, 404, 200, 403, 200)
# Trustee pages: only the seated trustee; organizers and the admin hold no trustee role.
SEATED = S(302, 403, 403, 200, 403)
SEATED_BAD_UPLOAD = S(302, 403, 403, 400, 403)
NOT_SEATED = S(302, 403, 403, 404, 403)
# A managed page for something that does not exist (A and the admin get 404 too).
MANAGED_MISSING = S(302, 404, 404, 403, 404)


@dataclass(frozen=True)
class Case:
    """One request: ``url`` is filled from the world (see ``fill``)."""

    endpoint: str
    method: str
    url: str
    expect: dict[str, int]
    data: dict = field(default_factory=dict)
    json: dict | None = None


CASES = [
    # Public pages and JSON: the same for everyone; drafts do not exist publicly, even for their owner.
    Case("public.home", "GET", "/", ALL(200)),
    Case("public.about", "GET", "/about", ALL(200)),
    Case("public.campaign", "GET", "/campaigns/{launched_slug}", ALL(200)),
    Case("public.campaign", "GET", "/campaigns/{open_slug}", ALL(200)),
    Case("public.campaign", "GET", "/campaigns/{draft_slug}", ALL(404)),
    Case("public.campaign", "GET", "/campaigns/{other_draft_slug}", ALL(404)),
    Case("health.healthz", "GET", "/healthz", ALL(200)),
    Case("api.campaign", "GET", "/api/campaigns/{launched_slug}", ALL(200)),
    Case("api.campaign", "GET", "/api/campaigns/{draft_slug}", ALL(404)),
    Case("public.updates_feed", "GET", "/campaigns/{launched_slug}/updates.atom", ALL(200)),
    Case("public.updates_feed", "GET", "/campaigns/{draft_slug}/updates.atom", ALL(404)),
    Case("api.record", "GET", "/api/campaigns/{launched_slug}/record", ALL(200)),
    Case("api.record", "GET", "/api/campaigns/{open_slug}/record", ALL(404)),  # no ceremony
    Case("api.record", "GET", "/api/campaigns/{draft_slug}/record", ALL(404)),
    Case("static", "GET", "/static/css/pledge.css", ALL(200)),
    Case("public.report", "GET", "/campaigns/{launched_slug}/report", ALL(200)),
    Case("public.report", "GET", "/campaigns/{draft_slug}/report", ALL(404)),
    Case("public.report", "POST", "/campaigns/{launched_slug}/report", ALL(400), data={"reason": "nonsense"}),
    # The signer's pages and cookie-less APIs: nobody's login changes anything.
    Case("affiliation.page", "GET", "/verify", ALL(200)),
    Case("api.manifest", "GET", "/api/campaigns/{launched_slug}/manifest", ALL(200)),
    Case("api.manifest", "GET", "/api/campaigns/{draft_slug}/manifest", ALL(404)),
    Case("affiliation.start", "POST", "/api/verify/start", ALL(400), json={}),
    Case("affiliation.check", "POST", "/api/verify/check", ALL(400), json={}),
    Case("affiliation.issue", "POST", "/api/verify/issue", ALL(400), json={}),
    Case("signing.sign_page", "GET", "/campaigns/{launched_slug}/sign", ALL(200)),
    Case("signing.sign_page", "GET", "/campaigns/{draft_slug}/sign", ALL(404)),
    Case("signing.receipt_page", "GET", "/campaigns/{launched_slug}/receipt", ALL(200)),
    Case("api.board", "GET", "/api/campaigns/{launched_slug}/board", ALL(200)),
    Case("api.board", "GET", "/api/campaigns/{draft_slug}/board", ALL(404)),
    Case("api.head", "GET", "/api/campaigns/{launched_slug}/log/head", ALL(200)),
    Case("api.receipt", "GET", "/api/campaigns/{launched_slug}/receipts/{leaf}", ALL(200)),
    Case("api.submit", "POST", "/api/campaigns/{launched_slug}/entries", ALL(400), json={}),
    Case("api.submit", "POST", "/api/campaigns/{draft_slug}/entries", ALL(404), json={}),
    Case("api.withdraw", "POST", "/api/campaigns/{launched_slug}/withdrawals", ALL(400), json={}),
    Case("api.statement", "POST", "/api/campaigns/{launched_slug}/statements", ALL(400), json={}),
    Case("api.statement_status", "GET", "/api/campaigns/{launched_slug}/statements/{leaf}", ALL(404)),
    Case("api.heads", "GET", "/api/campaigns/{launched_slug}/log/heads", ALL(200)),
    Case("api.heads", "GET", "/api/campaigns/{draft_slug}/log/heads", ALL(404)),
    Case("api.leaves", "GET", "/api/campaigns/{launched_slug}/log/leaves?start=0&end=0", ALL(200)),
    Case("api.leaves", "GET", "/api/campaigns/{launched_slug}/log/leaves", ALL(400)),
    Case("api.consistency", "GET", "/api/campaigns/{launched_slug}/log/consistency", ALL(400)),
    Case("api.inclusion", "GET", "/api/campaigns/{launched_slug}/log/inclusion", ALL(400)),
    Case("api.cosign", "POST", "/api/campaigns/{launched_slug}/log/cosignatures", ALL(400), json={}),
    Case("api.cosign", "POST", "/api/campaigns/{draft_slug}/log/cosignatures", ALL(404), json={}),
    # Staff login.
    Case("auth.login", "GET", "/login", S(200, 302, 302, 302, 302)),
    Case("auth.login", "POST", "/login", S(400, 302, 302, 302, 302)),
    # Invitation links are bearer secrets: whoever holds a valid one sees its page.
    Case("trustee.invitation", "GET", "/trustee/invitations/{invitation}", ALL(200)),
    Case("trustee.invitation", "GET", "/trustee/invitations/not-a-real-invitation-secret-at-all", ALL(404)),
    Case("trustee.invitation", "POST", "/trustee/invitations/not-a-real-invitation-secret-at-all", ALL(404)),
    # Organizer pages.
    Case("organize.dashboard", "GET", "/organize/", S(302, 200, 200, 403, 200)),
    Case("organize.new_campaign", "GET", "/organize/campaigns/new", S(302, 200, 200, 403, 200)),
    Case("organize.new_campaign", "POST", "/organize/campaigns/new", S(302, 400, 400, 403, 400)),
    Case("organize.edit_campaign", "GET", "/organize/campaigns/{draft}/edit", MANAGED),
    Case("organize.edit_campaign", "GET", "/organize/campaigns/{other_draft}/edit", OTHERS),
    Case("organize.edit_campaign", "GET", "/organize/campaigns/{launched}/edit", MANAGED_ACTION),  # frozen: to preview
    Case("organize.edit_campaign", "POST", "/organize/campaigns/{draft}/edit", MANAGED_BAD_FORM),
    Case("organize.conditions", "GET", "/organize/campaigns/{draft}/conditions", MANAGED),
    Case("organize.conditions", "GET", "/organize/campaigns/{other_draft}/conditions", OTHERS),
    Case("organize.conditions", "POST", "/organize/campaigns/{draft}/conditions", MANAGED_ACTION, data={"text": "Added"}),
    Case("organize.edit_condition", "POST", "/organize/campaigns/{draft}/conditions/{cond1}", MANAGED_ACTION,
         data={"text": "First, edited"}),
    Case("organize.move_condition", "POST", "/organize/campaigns/{draft}/conditions/{cond2}/move", MANAGED_ACTION,
         data={"direction": "up"}),
    Case("organize.delete_condition", "POST", "/organize/campaigns/{draft}/conditions/{cond3}/delete", MANAGED_ACTION),
    Case("organize.preview", "GET", "/organize/campaigns/{draft}/preview", MANAGED),
    Case("organize.preview", "GET", "/organize/campaigns/{launched}/preview", MANAGED),
    Case("organize.preview", "GET", "/organize/campaigns/{other_draft}/preview", OTHERS),
    Case("organize.trustees", "GET", "/organize/campaigns/{draft}/trustees", MANAGED),
    Case("organize.trustees", "GET", "/organize/campaigns/{launched}/trustees", MANAGED),
    Case("organize.trustees", "GET", "/organize/campaigns/{other_draft}/trustees", OTHERS),
    Case("organize.trustees", "POST", "/organize/campaigns/{draft}/trustees", MANAGED_ACTION,
         data={"name": "New Trustee", "email": "new@trustees.example"}),
    Case("organize.reinvite_trustee", "POST", "/organize/campaigns/{draft}/trustees/reinvite", MANAGED_ACTION,
         data={"seat": "1"}),
    Case("organize.remove_trustee", "POST", "/organize/campaigns/{draft}/trustees/remove", MANAGED_ACTION,
         data={"seat": "1"}),
    # Not ready: refused with a message on the trustees page (302), after the ownership check.
    Case("organize.freeze", "POST", "/organize/campaigns/{draft}/freeze", MANAGED_ACTION),
    # Not in its ceremony: refused with a message on the trustees page (302), after the ownership check.
    Case("organize.replace_trustee", "POST", "/organize/campaigns/{launched}/trustees/1/replace", MANAGED_ACTION),
    Case("organize.replace_trustee", "GET", "/organize/campaigns/{launched}/trustees/1/replace", MANAGED),
    Case("organize.replace_trustee", "GET", "/organize/campaigns/{draft}/trustees/1/replace", MANAGED_MISSING),
    # No ceremony run of these campaigns ended: nothing archived.
    Case("organize.archive_file", "GET", "/organize/campaigns/{launched}/archives/1/board.json", MANAGED_MISSING),
    Case("organize.launch", "POST", "/organize/campaigns/{draft}/launch", MANAGED_ACTION),
    Case("organize.freeze_confirm", "GET", "/organize/campaigns/{draft}/freeze/confirm", MANAGED),
    Case("organize.freeze_confirm", "GET", "/organize/campaigns/{other_draft}/freeze/confirm", OTHERS),
    Case("organize.freeze_confirm", "POST", "/organize/campaigns/{draft}/freeze/confirm", MANAGED_BAD_FORM),
    Case("organize.launch_confirm", "GET", "/organize/campaigns/{launched}/launch/confirm", MANAGED),
    Case("organize.launch_confirm", "GET", "/organize/campaigns/{other_draft}/launch/confirm", OTHERS),
    Case("organize.launch_confirm", "POST", "/organize/campaigns/{draft}/launch/confirm", MANAGED_BAD_FORM),
    Case("organize.submit_review", "POST", "/organize/campaigns/{draft}/submit", MANAGED_ACTION),
    Case("organize.take_back", "POST", "/organize/campaigns/{draft}/take-back", MANAGED_ACTION),
    # Admins only, even for the campaign's own organizer.
    Case("organize.allow_organizer_trustee", "POST", "/organize/campaigns/{draft}/allow-organizer-trustee",
         S(302, 403, 403, 403, 302)),
    Case("organize.outcomes_page", "GET", "/organize/campaigns/{launched}/outcomes", MANAGED),
    Case("organize.outcomes_page", "GET", "/organize/campaigns/{other_draft}/outcomes", OTHERS),
    Case("organize.outcomes_page", "POST", "/organize/campaigns/{launched}/outcomes", MANAGED_BAD_FORM),
    # Trustee pages: the seat's own campaign, and a campaign where the trustee has no seat.
    Case("trustee.dashboard", "GET", "/trustee/", SEATED),
    Case("trustee.keys", "GET", "/trustee/campaigns/{launched}/keys", SEATED),
    Case("trustee.keys", "GET", "/trustee/campaigns/{draft}/keys", NOT_SEATED),
    Case("trustee.keys", "POST", "/trustee/campaigns/{launched}/keys", SEATED_BAD_UPLOAD, data={"pasted": ""}),
    Case("trustee.keys", "POST", "/trustee/campaigns/{open}/keys", NOT_SEATED, data={"pasted": ""}),
    Case("trustee.ceremony_package", "GET", "/trustee/campaigns/{launched}/ceremony.json", SEATED),
    Case("trustee.ceremony_package", "GET", "/trustee/campaigns/{draft}/ceremony.json", NOT_SEATED),
    Case("trustee.board", "GET", "/trustee/campaigns/{launched}/board.json", SEATED),
    Case("trustee.board", "GET", "/trustee/campaigns/{other_draft}/board.json", NOT_SEATED),
    Case("trustee.upload_deal", "POST", "/trustee/campaigns/{launched}/deal", SEATED_BAD_UPLOAD),
    Case("trustee.upload_deal", "POST", "/trustee/campaigns/{draft}/deal", NOT_SEATED),
    Case("trustee.upload_result", "POST", "/trustee/campaigns/{launched}/result", SEATED_BAD_UPLOAD),
    Case("trustee.upload_result", "POST", "/trustee/campaigns/{draft}/result", NOT_SEATED),
    Case("trustee.upload_answer", "POST", "/trustee/campaigns/{launched}/answer", SEATED_BAD_UPLOAD),
    Case("trustee.upload_answer", "POST", "/trustee/campaigns/{draft}/answer", NOT_SEATED),
    Case("trustee.archive_file", "GET", "/trustee/campaigns/{launched}/archives/1/board.json", NOT_SEATED),
    Case("trustee.archive_file", "GET", "/trustee/campaigns/{draft}/archives/1/ceremony.json", NOT_SEATED),
    Case("trustee.round_package", "GET", "/trustee/campaigns/{launched}/rounds/1/round.json", SEATED),
    Case("trustee.round_package", "GET", "/trustee/campaigns/{launched}/rounds/2/round.json", NOT_SEATED),
    Case("trustee.round_package", "GET", "/trustee/campaigns/{open}/rounds/1/round.json", NOT_SEATED),
    # The openings package exists only at an expiry (tests/test_trustee_packages.py serves one).
    Case("trustee.openings_package", "GET", "/trustee/campaigns/{launched}/openings.json", NOT_SEATED),
    Case("trustee.openings_package", "GET", "/trustee/campaigns/{draft}/openings.json", NOT_SEATED),
    Case("trustee.upload_partials", "POST", "/trustee/campaigns/{launched}/rounds/1/partials", SEATED_BAD_UPLOAD),
    Case("trustee.upload_partials", "POST", "/trustee/campaigns/{draft}/rounds/1/partials", NOT_SEATED),
    Case("trustee.upload_destroyed", "POST", "/trustee/campaigns/{launched}/destroyed", SEATED_BAD_UPLOAD),
    Case("trustee.upload_destroyed", "POST", "/trustee/campaigns/{draft}/destroyed", NOT_SEATED),
    # Admin.
    Case("admin.issuance", "GET", "/admin/issuance", S(302, 403, 403, 403, 200)),
    Case("admin.labs", "GET", "/admin/labs", S(302, 403, 403, 403, 200)),
    Case("admin.new_lab", "GET", "/admin/labs/new", S(302, 403, 403, 403, 200)),
    Case("admin.lab", "GET", "/admin/labs/anthropic", S(302, 403, 403, 403, 200)),
    Case("admin.lab", "GET", "/admin/labs/no-such-lab", S(302, 403, 403, 403, 404)),
    Case("admin.new_lab", "POST", "/admin/labs/new", S(302, 403, 403, 403, 302),
         data={"slug": "matrix-lab", "name": "Matrix Lab", "domains": "matrix-lab.example"}),
    Case("admin.lab", "POST", "/admin/labs/matrix-lab", S(302, 403, 403, 403, 302),
         data={"name": "Matrix Lab", "domains": "matrix-lab.example\nmatrix-lab.example.org"}),
    Case("admin.review_queue", "GET", "/admin/review", S(302, 403, 403, 403, 200)),
    Case("admin.review_campaign", "GET", "/admin/review/{draft}", S(302, 403, 403, 403, 200)),
    Case("admin.review_campaign", "GET", "/admin/review/999999", S(302, 403, 403, 403, 404)),
    # The draft is not submitted: the admin's approval is refused (409), nothing changes.
    Case("admin.approve_campaign", "POST", "/admin/review/{draft}/approve", S(302, 403, 403, 403, 409)),
    Case("admin.refuse_campaign", "POST", "/admin/review/{draft}/refuse", S(302, 403, 403, 403, 409),
         data={"note": "Not submitted."}),
    Case("admin.takedown_campaign", "GET", "/admin/campaigns/{launched}/takedown", S(302, 403, 403, 403, 200)),
    # An empty notice is refused; nothing is taken down.
    Case("admin.takedown_campaign", "POST", "/admin/campaigns/{launched}/takedown", S(302, 403, 403, 403, 400),
         data={"notice": ""}),
    Case("admin.reports", "GET", "/admin/reports", S(302, 403, 403, 403, 200)),
    Case("admin.report_handled", "POST", "/admin/reports/999999/handled", S(302, 403, 403, 403, 404)),
    # Last: logging out ends the session (anonymous visitors are sent to log in first).
    Case("auth.logout", "POST", "/logout", ALL(302)),
]

#: Routes registered only in development (the mailbox), checked on a development app below.
DEVELOPMENT_ONLY = {"dev.mailbox", "dev.message"}


def fill(template: str, world: kit.World) -> str:
    """A URL of the world."""
    conditions = world.draft.conditions
    return template.format(
        draft=world.draft.id, other_draft=world.other_draft.id, open=world.open.id, launched=world.launched.id,
        draft_slug=world.draft.slug, other_draft_slug=world.other_draft.slug, open_slug=world.open.slug,
        launched_slug=world.launched.slug, invitation=world.invitation_secret, leaf=world.leaf_hash,
        cond1=conditions[0].id, cond2=conditions[1].id, cond3=conditions[2].id,
    )
