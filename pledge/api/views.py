"""The campaign JSON API: each view reads the request, calls the service, serialises the answer.

A campaign the public may not see is a 404, the same answer as an unknown address.
"""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request

from pledge.api import bp, serialize
from pledge.api.body import json_body
from pledge.database import purge_deleted_rows
from pledge.extensions import csrf, db
from pledge.models import utcnow
from pledge.ratelimit import rate_limited
from pledge.services import signing, statements, witnessing
from pledge.services.campaigns import public_campaign
from pledge.services.ceremony import load_board
from pledge.services.errors import ServiceError
from pledge.services.progress import campaign_progress
from pledge.services.record import campaign_record
from pledge.unit_of_work import transaction


@bp.route("/api/campaigns/<slug>")
def campaign(slug: str):
    """The same counts as the campaign page, as JSON."""
    item = public_campaign(db.session(), slug)
    return jsonify(serialize.progress(item, campaign_progress(item, utcnow())))


@bp.route("/api/campaigns/<slug>/record")
def record(slug: str):
    """The campaign record, the same document as ``flask --app pledge campaign export``."""
    item = public_campaign(db.session(), slug)
    try:
        data = campaign_record(db.session(), item)
    except ServiceError:
        abort(404)  # no record before the launch: as if there were nothing here
    return Response(data, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="record-{item.slug}.json"'})


@bp.route("/api/campaigns/<slug>/manifest")
def manifest(slug: str):
    """The frozen manifest and its ctx, for clients that check token keys themselves."""
    item = public_campaign(db.session(), slug)
    if item.manifest is None:
        abort(404)
    return jsonify(serialize.manifest(item))


@bp.route("/api/campaigns/<slug>/board")
def board(slug: str):
    """The ceremony's public board, for clients that check Y before sealing."""
    item = public_campaign(db.session(), slug, launched=True)
    return jsonify(serialize.board(item, load_board(db.session(), item)))


@bp.route("/api/campaigns/<slug>/log/head")
def head(slug: str):
    """The latest signed tree head."""
    item, latest = signing.latest_head_of(db.session(), slug)
    return jsonify(serialize.head(item, latest))


@bp.route("/api/campaigns/<slug>/entries", methods=["POST"])
@csrf.exempt
@rate_limited("entries")
def submit(slug: str):
    """Accept a sealed signature; the response is the receipt."""
    cache = current_app.extensions.setdefault("pledge.signing_keys", {})  # this process's key copies
    with transaction():
        receipt = signing.submit_entry(db.session(), slug, json_body, utcnow(), cache)
    return jsonify(serialize.receipt(receipt)), 201


@bp.route("/api/campaigns/<slug>/receipts/<leaf_hash>")
def receipt(slug: str, leaf_hash: str):
    """Pending, or the inclusion proof against the latest head."""
    return jsonify(serialize.receipt_status(signing.receipt_status(db.session(), slug, leaf_hash)))


@bp.route("/api/campaigns/<slug>/withdrawals", methods=["POST"])
@csrf.exempt
@rate_limited("withdrawals")
def withdraw(slug: str):
    """Withdraw a signature before its round is revealed."""
    with transaction():
        signing.withdraw(db.session(), slug, json_body)
    purge_deleted_rows()  # the deleted ciphertext must not linger in the database's files
    return jsonify(serialize.withdrawn()), 202


@bp.route("/api/campaigns/<slug>/statements/<nullifier>")
def statement_status(slug: str, nullifier: str):
    """A revealed signer's current stance (pending statements included) and the next ``seq``."""
    try:
        return jsonify(statements.status(db.session(), slug, nullifier).doc())
    except statements.StatementError as error:
        return jsonify(serialize.statement_refused(error)), error.status


@bp.route("/api/campaigns/<slug>/statements", methods=["POST"])
@csrf.exempt
@rate_limited("statements")
def statement(slug: str):
    """Accept a revealed signer's signed statement; the next batch publishes it."""
    try:
        with transaction():
            row = statements.accept(db.session(), slug, json_body)
            answer = serialize.statement_accepted(row)
    except statements.StatementError as error:
        return jsonify(serialize.statement_refused(error)), error.status
    return jsonify(answer), 202


# --- what witnesses need (docs/protocol.md §9, §14) --------------------------------------------


@bp.route("/api/campaigns/<slug>/log/heads")
def heads(slug: str):
    """Every signed tree head with its stored cosignatures (``?since=BATCH``: only later ones)."""
    item = public_campaign(db.session(), slug, launched=True)
    since = witnessing.integer_arg(request.args, "since", 0)
    return jsonify(witnessing.heads_document(db.session(), item, since))


@bp.route("/api/campaigns/<slug>/log/leaves")
def leaves(slug: str):
    """Published leaves ``[start, end)``, at most a thousand at a time."""
    item = public_campaign(db.session(), slug, launched=True)
    start, end = witnessing.integer_arg(request.args, "start"), witnessing.integer_arg(request.args, "end")
    return jsonify(witnessing.leaves_document(db.session(), item, start, end))


@bp.route("/api/campaigns/<slug>/log/consistency")
def consistency(slug: str):
    """The proof that the tree of ``from`` leaves is a prefix of the published head of ``to``."""
    item = public_campaign(db.session(), slug, launched=True)
    old, new = witnessing.integer_arg(request.args, "from"), witnessing.integer_arg(request.args, "to")
    return jsonify(witnessing.consistency_document(db.session(), item, old, new))


@bp.route("/api/campaigns/<slug>/log/inclusion")
def inclusion(slug: str):
    """The proof that leaf ``index`` is in the published head of ``size``."""
    item = public_campaign(db.session(), slug, launched=True)
    index, size = witnessing.integer_arg(request.args, "index"), witnessing.integer_arg(request.args, "size")
    return jsonify(witnessing.inclusion_document(db.session(), item, index, size))


@bp.route("/api/campaigns/<slug>/log/cosignatures", methods=["POST"])
@csrf.exempt
@rate_limited("cosignatures")
def cosign(slug: str):
    """Store a witness's cosignature over a published head (verified first; a repeat is fine)."""
    with transaction():
        item = public_campaign(db.session(), slug, launched=True)
        witnessing.submit_cosignature(db.session(), item, json_body)
    return jsonify({"stored": True}), 201
