"""A canary address goes through the whole verification flow over real HTTP; afterwards it is
nowhere the server keeps anything: database file, WAL, logs, cookies."""

import json
import logging
import re
import secrets
import urllib.error
import urllib.request

from crypto import blindrsa
from crypto.hashing import H, canonical_json
from pledge.database import purge_deleted_rows
from pledge.extensions import db
from tests import dbkit
from tests.browser import live_server
from tests.mailsink import MailSink


def test_a_canary_address_leaves_no_trace(app, tmp_path, caplog, make_open_campaign):
    make_open_campaign(title="Alpha", lab_slugs=("anthropic", "openai"))
    make_open_campaign(title="Beta", lab_slugs=("anthropic",))
    sink = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = sink.port
    local = f"canary{secrets.token_hex(6)}"
    raw = f"  {local.upper()}+Tag@Anthropic.com "
    address = f"{local}@anthropic.com"
    cookies = []
    caplog.set_level(logging.DEBUG)
    try:
        with live_server(app) as url:
            def call(path, body=None):
                data = None if body is None else json.dumps(body).encode()
                request = urllib.request.Request(url + path, data=data, method="POST" if body is not None else "GET",
                                                 headers={"Content-Type": "application/json", "User-Agent": f"agent-{local}"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        cookies.extend(response.headers.get_all("Set-Cookie") or [])
                        return response.status, json.loads(response.read())
                except urllib.error.HTTPError as error:
                    cookies.extend(error.headers.get_all("Set-Cookie") or [])
                    return error.code, json.loads(error.read())

            status, started = call("/api/verify/start", {"email": raw})
            assert status == 200
            handle = started["handle"]
            code = re.search(r"\b(\d{8})\b", sink.wait_for(address, "verification code").body).group(1)
            wrong = "00000000" if code != "00000000" else "11111111"
            assert call("/api/verify/check", {"email": raw, "code": wrong, "handle": handle})[0] == 400
            status, ticket = call("/api/verify/check", {"email": raw, "code": code, "handle": handle})
            assert status == 200
            requests = []
            for campaign in ticket["campaigns"]:
                _, doc = call(campaign["manifest_url"])
                assert H("manifest", canonical_json(doc["manifest"]), n=32).hex() == doc["ctx"]
                key_hex = next(lab["token_public_key"] for lab in doc["manifest"]["labs"] if lab["slug"] == "anthropic")
                prepared = blindrsa.prepare(blindrsa.token_message(campaign["id"].encode(), "anthropic"))
                blinded, _ = blindrsa.blind(blindrsa.load_public_key(bytes.fromhex(key_hex)), prepared)
                requests.append({"campaign": campaign["id"], "blinded": blinded.hex()})
            status, issued = call("/api/verify/issue", {"ticket": ticket["ticket"], "requests": requests})
            assert status == 200 and len(issued["signatures"]) == 2
            # A second, already-issued round and a malformed one: error paths log too.
            call("/api/verify/start", {"email": raw})
            call("/api/verify/check", {"email": f"{local}@anthropic.com\r\n", "code": "1", "handle": handle})
    finally:
        sink.stop()

    # The handle too: it is stored only as its hash, and never logged.
    needles = [local.encode(), local.upper().encode(), address.encode(), raw.strip().encode(), handle.encode()]
    # Before and after a checkpoint: the write-ahead log, then the files it was folded into.
    before_checkpoint = dbkit.stored_bytes(app)
    db.session.remove()
    purge_deleted_rows()
    db.engine.dispose()
    stored = dbkit.stored_bytes(app) + before_checkpoint
    # aiosmtpd ("mail.log") stands in for the mail relay, which must see the recipient; every
    # other record is Pledge's own or its web server's.
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]
    logs = "\n".join(record.getMessage() for record in ours).encode()
    assert any(record.name == "werkzeug" for record in ours), "no request log: the log check would be empty"
    for needle in needles:
        assert needle not in stored, f"{needle!r} found in the database files"
        assert needle.lower() not in logs.lower(), f"{needle!r} found in the logs"
    assert cookies == []
    # The flow did touch the database (the check above reads the right file).
    assert b"anthropic" in stored
