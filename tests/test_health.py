"""``/healthz``: 200 while the database answers, 503 (and nothing about the setup) when not."""

from __future__ import annotations

from pledge.extensions import db


def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert "Content-Security-Policy" in response.headers


def test_health_is_503_when_the_database_is_unreachable(app_factory, tmp_path):
    # An app whose database cannot be opened (a directory that does not exist).
    broken = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")
    with broken.app_context():
        response = broken.test_client().get("/healthz")
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 503
    body = response.get_json()
    assert body == {"status": "unavailable", "failed": "database"}
    assert "sqlite" not in response.get_data(as_text=True).lower()
