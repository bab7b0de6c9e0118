"""Signing views: thin wrappers over :mod:`pledge.services.signing`.

The JSON endpoints use no cookie, so they carry no CSRF token; they demand a JSON content type,
which a cross-site form cannot send.
"""

from __future__ import annotations

from flask import abort, current_app, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import lazyload, load_only

from crypto import dkg

from pledge.database import scrub_wal
from pledge.extensions import csrf, db
from pledge.models import PUBLIC_STATES, Campaign, utcnow
from pledge.ratelimit import rate_limited
from pledge.services import signing
from pledge.services.campaigns import LIGHT_CAMPAIGN
from pledge.services.ceremony import load_board
from pledge.services.signing import SigningError
from pledge.signing import bp


def _campaign(slug: str, launched: bool = True, options=LIGHT_CAMPAIGN) -> Campaign:  # noqa: ANN001
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug).options(*options))
    if campaign is None or campaign.state not in PUBLIC_STATES or (launched and (campaign.group_key is None or campaign.ctx is None)):
        abort(404)
    return campaign


def _error(error: SigningError):
    return jsonify({"error": error.code, "message": error.message}), error.status


def _json_body():
    if not request.is_json:
        abort(415)
    return request.get_json(silent=True)


@bp.route("/campaigns/<slug>/sign")
def sign_page(slug: str):
    """The sign page (sealing happens in static/js/sign.js)."""
    campaign = _campaign(slug)
    return render_template("signing/sign.html", campaign=campaign, accepting=signing.accepting(campaign, utcnow()))


@bp.route("/campaigns/<slug>/receipt")
def receipt_page(slug: str):
    """Check a receipt: pending, or its inclusion proof checked in the browser."""
    return render_template("signing/receipt.html", campaign=_campaign(slug))


@bp.route("/api/campaigns/<slug>/board")
def board(slug: str):
    """The ceremony's public board, for clients that check Y before sealing."""
    campaign = _campaign(slug)
    posted = load_board(db.session, campaign)
    return jsonify({
        "ctx": campaign.ctx.hex(), "t": campaign.trustee_quorum, "n": campaign.trustee_count,
        "deals": [dkg.deal_to_dict(posted.deals[i]) for i in sorted(posted.deals)],
        "transcript_signatures": [
            {"index": seat, "transcript": row.transcript.hex(), "signature": row.signature.hex()}
            for seat, row in sorted(posted.signatures.items())
        ],
        "Y": campaign.group_key.hex(),
    })


@bp.route("/api/campaigns/<slug>/log/head")
def head(slug: str):
    """The latest signed tree head."""
    campaign = _campaign(slug)
    latest = signing.latest_head(db.session, campaign)
    if latest is None:
        return jsonify({"error": "no_batch", "message": "No batch has been published yet."}), 404
    return jsonify(signing.head_document(campaign, latest))


#: What the write transaction of a submission reads of its campaign: one row, these columns.
UNDER_LOCK = (lazyload("*"), load_only(Campaign.id, Campaign.public_id, Campaign.slug, Campaign.state, Campaign.deadline,
                                       Campaign.ctx, Campaign.group_key))


def _signing_keys(slug: str) -> signing.SigningKeys | None:
    """This process's copy of a campaign's signing keys, if it has one (see SigningKeys)."""
    return current_app.extensions.setdefault("pledge.signing_keys", {}).get(slug)


def _remember_keys(slug: str, campaign: Campaign) -> signing.SigningKeys:
    keys = signing.SigningKeys.of(campaign)
    current_app.extensions.setdefault("pledge.signing_keys", {})[slug] = keys
    return keys


@bp.route("/api/campaigns/<slug>/entries", methods=["POST"])
@csrf.exempt
@rate_limited("entries")
def submit(slug: str):
    """Accept a sealed signature; the response is the receipt.

    Every write transaction holds the database's write lock, so the checks that need no database
    (the token's RSA signature, the ciphertext's proof) run first, against this process's copy of
    the campaign's keys; the transaction then only re-reads the campaign, confirms the copy still
    fits it, and stores the entry.
    """
    keys = _signing_keys(slug)
    if keys is None:
        keys = _remember_keys(slug, _campaign(slug))  # the first submission to this process
    body = _json_body()
    try:
        checked: signing.CheckedSubmission | SigningError = signing.check_submission(keys, body)
    except SigningError as error:
        checked = error
    campaign = _campaign(slug, options=UNDER_LOCK)  # takes the write lock
    if not keys.fits(campaign):
        keys = _remember_keys(slug, campaign)
        try:
            checked = signing.check_submission(keys, body)
        except SigningError as error:
            checked = error
    try:
        if isinstance(checked, SigningError):
            if not signing.accepting(campaign, utcnow()):
                raise SigningError("closed", 410, "This campaign is not accepting signatures.")
            raise checked
        receipt = signing.store_entry(db.session, campaign, checked, utcnow())
    except SigningError as error:
        db.session.rollback()
        return _error(error)
    db.session.commit()
    return jsonify({"receipt": {"campaign": receipt.campaign, "slug": receipt.slug,
                                "leaf_hash": receipt.leaf_hash.hex(), "nullifier": receipt.nullifier.hex()}}), 201


@bp.route("/api/campaigns/<slug>/receipts/<leaf_hash>")
def receipt(slug: str, leaf_hash: str):
    """Pending, or the inclusion proof against the latest head."""
    campaign = _campaign(slug)
    try:
        raw = bytes.fromhex(leaf_hash)
        if len(raw) != 32:
            raise ValueError
    except ValueError:
        return jsonify({"error": "bad_request", "message": "A receipt is a 64-character hex leaf hash."}), 400
    try:
        return jsonify(signing.receipt_status(db.session, campaign, raw))
    except SigningError as error:
        return _error(error)


@bp.route("/api/campaigns/<slug>/withdrawals", methods=["POST"])
@csrf.exempt
@rate_limited("withdrawals")
def withdraw(slug: str):
    """Withdraw a signature before its round is revealed."""
    campaign = _campaign(slug)
    try:
        signing.withdraw(db.session, campaign, _json_body())
    except SigningError as error:
        db.session.rollback()
        return _error(error)
    db.session.commit()
    scrub_wal()  # the deleted ciphertext must not linger in the -wal file
    return jsonify({"status": "withdrawn", "message": "Withdrawn. Your sealed signature is deleted and will never be "
                    "decrypted; the withdrawal is published with the next batch, and the count drops then."}), 202
