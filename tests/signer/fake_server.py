"""A tiny WSGI server that speaks the affiliation API (docs/affiliation-api.md) and can misbehave
on purpose: the negative cases ``pledge-sign`` must refuse. The happy path is tested against the
real application, never against this."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from crypto import blindrsa
from crypto.hashing import WIRE_VERSION, H, canonical_json

CODE = "24681357"
LAB = "anthropic"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class FakeCampaign:
    """A campaign with its own token key and a manifest the fake serves."""

    title: str
    public_id: str = field(default_factory=lambda: secrets.token_hex(16))
    key: Any = field(default_factory=blindrsa.generate_key)

    @property
    def slug(self) -> str:
        return f"c-{self.public_id[:8]}"

    def manifest(self, lab_key: bool = True) -> dict[str, Any]:
        lab: dict[str, Any] = {"slug": LAB, "name": "Anthropic", "domains": ["anthropic.com"]}
        if lab_key:
            lab["token_public_key"] = blindrsa.public_key_der(self.key).hex()
        return {"v": WIRE_VERSION, "id": self.public_id, "slug": self.slug, "title": self.title,
                "labs": [lab], "t": 2, "n": 3}


@dataclass
class FakeServer:
    """The fake's state and its misbehaviours (all off by default)."""

    campaigns: list[FakeCampaign]
    tamper_ctx: bool = False
    drop_lab_key: bool = False
    bad_signature_for: set[str] = field(default_factory=set)
    swap_manifest: bool = False
    redirect_start: bool = False
    drop_handle: bool = False
    handle: str | None = None
    message: str = "If this address belongs to a participating lab, a code is on its way."
    calls: list[str] = field(default_factory=list)
    issue_bodies: list[dict[str, Any]] = field(default_factory=list)

    # --- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        self.calls.append(f"{method} {path}")
        body = self._body(environ) if method == "POST" else {}
        status, headers, payload = self._route(method, path, body)
        data = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"),
                                ("Content-Length", str(len(data))), *headers])
        return [data]

    @staticmethod
    def _body(environ: dict[str, Any]) -> dict[str, Any]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return json.loads(environ["wsgi.input"].read(length) or b"{}")

    def _route(self, method: str, path: str, body: dict[str, Any]) -> tuple[str, list, Any]:
        if (method, path) == ("POST", "/api/verify/start"):
            if self.redirect_start:
                return "307 Temporary Redirect", [("Location", "http://evil.example/x")], {}
            self.handle = secrets.token_urlsafe(32)
            reply: dict[str, Any] = {"status": "sent", "message": self.message, "handle": self.handle}
            if self.drop_handle:
                del reply["handle"]
            return "200 OK", [], reply
        if (method, path) == ("POST", "/api/verify/check"):
            return self._check(body)
        if (method, path) == ("POST", "/api/verify/issue"):
            return self._issue(body)
        for campaign in self.campaigns:
            if (method, path) == ("GET", f"/api/campaigns/{campaign.slug}/manifest"):
                return "200 OK", [], self._manifest(campaign)
        return "404 Not Found", [], {"error": "not_found", "message": "No such page."}

    # --- endpoints ----------------------------------------------------------------------------

    def _check(self, body: dict[str, Any]) -> tuple[str, list, Any]:
        if body.get("handle") != self.handle or body.get("code") != CODE:
            return "400 Bad Request", [], {"error": "wrong_code",
                                           "message": "That code is wrong or has expired."}
        listed = [{"id": c.public_id, "slug": c.slug, "title": c.title,
                   "manifest_url": f"/api/campaigns/{c.slug}/manifest"} for c in self.campaigns]
        return "200 OK", [], {"ticket": secrets.token_urlsafe(24),
                              "lab": {"slug": LAB, "name": "Anthropic"}, "campaigns": listed}

    def _manifest(self, campaign: FakeCampaign) -> dict[str, Any]:
        served = self.campaigns[-1] if self.swap_manifest else campaign
        manifest = served.manifest(lab_key=not self.drop_lab_key)
        ctx = H("manifest", canonical_json(manifest), n=32)
        if self.tamper_ctx:
            manifest = {**manifest, "title": manifest["title"] + " (edited)"}
        return {"manifest": manifest, "ctx": ctx.hex()}

    def _issue(self, body: dict[str, Any]) -> tuple[str, list, Any]:
        self.issue_bodies.append(body)
        by_id = {c.public_id: c for c in self.campaigns}
        signatures = []
        for request in body["requests"]:
            campaign = by_id[request["campaign"]]
            blind_sig = blindrsa.blind_sign(campaign.key, bytes.fromhex(request["blinded"]))
            if campaign.public_id in self.bad_signature_for:
                blind_sig = (int.from_bytes(blind_sig, "big") ^ 1).to_bytes(len(blind_sig), "big")
            signatures.append({"campaign": campaign.public_id, "blind_signature": blind_sig.hex()})
        return "200 OK", [], {"signatures": signatures, "already_issued": []}
