"""Pledge: conditional pledges that stay sealed until enough colleagues have signed.

``create_app`` is the application factory; nothing here does work at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` (tests) replaces the instance secrets and environment."""
    from pledge import admin, affiliation, api, auth, dev, health, organize, public, signing, trustee
    from pledge.cli import register_commands
    from pledge.config import load_config
    from pledge.database import configure_engines
    from pledge.errors import install_error_pages
    from pledge.extensions import csrf, db, login_manager, migrate
    from pledge.security import install_security_headers
    from pledge.services.accounts import load_user_from_session
    from pledge.templating import install_template_helpers
    from pledge.trustee.limits import install_upload_limits

    instance_path = config.get("INSTANCE_PATH") if config is not None else os.environ.get("PLEDGE_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(instance_path) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, config)

    db.init_app(app)
    configure_engines(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    install_upload_limits(app)  # before CSRF: its check reads the body
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user_from_session)

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(organize.bp)
    app.register_blueprint(trustee.bp)
    app.register_blueprint(affiliation.bp)
    app.register_blueprint(signing.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(health.bp)
    if app.config["PLEDGE_ENV"] == "development":
        # The mailbox shows every message the local sink received: development only.
        app.register_blueprint(dev.bp)

    if app.config.get("PROXY_HOPS"):
        # Behind that many reverse proxies: the client address (rate limits) and the scheme
        # (HSTS, secure cookies) come from their X-Forwarded-For and -Proto headers. Never the
        # host: X-Forwarded-Host is whatever a client wrote, and no address is built from the
        # request anyway (links come from PUBLIC_URL, pledge/links.py).
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to add WSGI middleware
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    install_security_headers(app)
    install_error_pages(app)
    install_template_helpers(app)
    register_commands(app)
    return app
