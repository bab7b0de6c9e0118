"""``GET /healthz``: whether this server process can serve, for a load balancer or a monitor.

It answers 200 when the process can run a query on the database and 503 when it cannot. The body
says only that (and which check failed): no version, no counts, no configuration, so the route
can be public.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from pledge.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """200 ``{"status": "ok"}`` when the database answers; 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health check: the database did not answer (%s)", type(error).__name__)
        response = jsonify(status="unavailable", failed="database")
        response.status_code = 503
    else:
        response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
