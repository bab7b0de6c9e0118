"""Report this campaign: a public form that sends the site admins a reason, a message and, only if
the sender wants, a contact address. Like every public page it sets and reads no cookie, so the
form carries no CSRF token: a forged post could only file a report its forger could file directly
(docs/threat-model.md, "Review, takedown and reports"); the rate limit caps floods."""

from __future__ import annotations

from flask import render_template, request

from pledge.extensions import csrf, db
from pledge.models import CampaignState, ReportReason, utcnow
from pledge.public import bp
from pledge.ratelimit import rate_limited
from pledge.services.campaigns import public_campaign
from pledge.services.reports import MAX_MESSAGE, ReportError, check_report, file_report
from pledge.unit_of_work import commit_and_send


def _form_page(campaign, *, values: dict[str, str], error: ReportError | None = None, status: int = 200):
    return render_template("public/report.html", campaign=campaign, reasons=list(ReportReason), values=values,
                           error=error, max_message=MAX_MESSAGE,
                           taken_down=campaign.state == CampaignState.TAKEN_DOWN), status


@bp.route("/campaigns/<slug>/report", methods=["GET", "POST"])
@csrf.exempt
@rate_limited("reports", site=True)
def report(slug: str):
    """The form, and what it sends: only the fields below are read from the request."""
    campaign = public_campaign(db.session(), slug)
    if request.method == "GET":
        return _form_page(campaign, values={})
    values = {name: str(request.form.get(name, ""))[:MAX_MESSAGE + 1000] for name in ("reason", "message", "contact")}
    try:
        form = check_report(values["reason"], values["message"], values["contact"])
    except ReportError as error:
        return _form_page(campaign, values=values, error=error, status=400)
    mail = file_report(db.session(), campaign, form, utcnow())
    commit_and_send(mail)
    return render_template("public/report_sent.html", campaign=campaign, form=form)
