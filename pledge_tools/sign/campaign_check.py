"""Before sealing: the campaign key ``Y`` a signer can trust (docs/signing-api.md, docs/protocol.md §4).

``pledge-sign sign`` seals only under a ``Y`` it computed itself. It fetches the campaign's
manifest and the ceremony board from the server and checks, in this order:

1. the manifest hashes to its ``ctx``, is the campaign the token names, and lists under the
   token's lab exactly the key the token verifies under (so the token is this campaign's);
2. the board is for that ``ctx``, ``t`` and ``n``, and holds one deal per trustee, each passing
   every public check of a deal (points, the dealer's Ed25519 signature under the manifest's
   key, the proof of possession);
3. every trustee of the manifest signed ``H("transcript-signature", ctx, sc(j), transcript)``
   over the transcript recomputed here from the deals' commitments;
4. ``Y = Σ_i C_i0``, recomputed here, equals the ``Y`` the server serves.

A server that swapped ``Y`` for a key of its own would need every trustee's signing key to pass
(3); one that served different commitments changes the transcript. Each failure is a
:class:`~crypto.formats.errors.CheckFailed` naming what failed, raised before anything is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from crypto import blindrsa, dkg
from crypto.errors import CryptoError, EncodingError, InvalidDeal
from crypto.formats import files, messages
from crypto.formats.errors import CheckFailed
from crypto.formats.jsonfile import Obj
from crypto.formats.tokenfile import Token

from ..text import printable
from .affiliation import CampaignKey, Listed, check_manifest
from .errors import BadReply
from .http import JsonApi


@dataclass(frozen=True)
class SealingKey:
    """A campaign checked end to end: its manifest, ``ctx`` and the ``Y`` computed here."""

    campaign: CampaignKey
    manifest: files.Manifest
    Y: bytes

    @property
    def ctx(self) -> bytes:
        """The manifest hash every ciphertext binds to."""
        return self.campaign.ctx

    def text(self, key: str) -> str:
        """A text field of the manifest (``pledge_text``, ``deadline``), or ``""``."""
        value = self.manifest.raw.get(key)
        return value if isinstance(value, str) else ""

    def conditions(self) -> list[str]:
        """The manifest's conditions, in the organizer's order."""
        value = self.manifest.raw.get("conditions")
        return [c for c in value if isinstance(c, str)] if isinstance(value, list) else []

    def lab_name(self) -> str:
        """The display name of the token's lab, from the manifest."""
        return self.manifest.lab_name(self.campaign.lab)


def api_path(slug: str, *parts: str) -> str:
    """``/api/campaigns/<slug>/<parts...>`` with the slug escaped."""
    return "/".join(["/api/campaigns", quote(slug, safe=""), *parts])


# --- the token and the manifest -------------------------------------------------------------


def check_token(token: Token, key: CampaignKey) -> bytes:
    """The token verifies under the manifest's key for its lab and names this campaign and lab;
    returns its nullifier."""
    if token.token_key != key.key_der:
        raise CheckFailed(f"the token for “{printable(key.title)}” was issued under another key "
                          f"than the one the campaign's manifest lists for {printable(token.lab)}")
    try:
        message = blindrsa.verify_token(key.key, token.prepared, token.signature)
    except CryptoError:
        raise CheckFailed(f"the token for “{printable(key.title)}” does not verify under the "
                          "campaign's token key") from None
    if message.campaign_id != key.public_id.encode("ascii") or message.lab_slug != token.lab:
        raise CheckFailed(f"the token for “{printable(key.title)}” names another campaign or lab")
    return blindrsa.nullifier(token.prepared)


def check_campaign_manifest(reply: dict[str, Any], token: Token) -> tuple[CampaignKey,
                                                                           files.Manifest]:
    """The manifest reply: ``ctx`` matches, it is the token's campaign, with its lab's key."""
    listed = Listed(token.campaign, token.slug, token.title, api_path(token.slug, "manifest"))
    key = check_manifest(reply, listed, token.lab)
    manifest = files.parse_manifest(Obj(reply["manifest"], f"the manifest of “{key.title}”"))
    return key, manifest


# --- the board ------------------------------------------------------------------------------


def _deals(board: Obj, ctx: bytes, manifest: files.Manifest) -> dict[int, dkg.Deal]:
    """One deal per trustee, in dealer order, each passing the public checks of a deal."""
    items = board.objects("deals")
    if len(items) != manifest.n:
        raise CheckFailed(f"the board holds {len(items)} deals; the campaign has "
                          f"{manifest.n} trustees")
    deals: dict[int, dkg.Deal] = {}
    for dealer, item in enumerate(items, start=1):
        try:
            deal = dkg.deal_from_dict(item.data)
        except EncodingError:
            raise BadReply(f"{item.where} is malformed") from None
        if deal.dealer != dealer:
            raise BadReply(f"{item.where}: deals must be listed by dealer 1..n")
        try:
            dkg.check_deal_public(ctx, manifest.t, manifest.n, deal,
                                  manifest.trustees[dealer].ed25519)
        except InvalidDeal as exc:
            raise CheckFailed(f"trustee {dealer}'s deal on the board fails its public check "
                              f"({exc.reason.value})") from None
        deals[dealer] = deal
    return deals


def _transcript_signatures(board: Obj, n: int) -> dict[int, tuple[bytes, bytes]]:
    """``{index: (transcript, signature)}``, one per trustee index, no index twice."""
    found: dict[int, tuple[bytes, bytes]] = {}
    for item in board.objects("transcript_signatures"):
        index = item.integer("index", low=1, high=n)
        if index in found:
            raise BadReply(f"the board lists trustee {index}'s transcript signature twice")
        found[index] = (item.raw("transcript", size=dkg.TRANSCRIPT_DIGEST_BYTES),
                        item.raw("signature", size=files.SIGNATURE_BYTES))
    return found


def check_transcript_signatures(
    board: Obj, ctx: bytes, manifest: files.Manifest, transcript: bytes
) -> None:
    """Every trustee of the manifest signed this very transcript with its Ed25519 key."""
    signed = _transcript_signatures(board, manifest.n)
    for index, trustee in sorted(manifest.trustees.items()):
        who = f"trustee {index} ({printable(trustee.name, 100)})"
        if index not in signed:
            raise CheckFailed(f"{who} has not signed the ceremony transcript; refusing to seal")
        their_transcript, signature = signed[index]
        if their_transcript != transcript:
            raise CheckFailed(f"{who} signed another transcript than the board's deals give")
        try:
            messages.verify(trustee.ed25519,
                           messages.transcript_message(ctx, index, transcript), signature)
        except CryptoError:
            raise CheckFailed(f"{who}'s transcript signature does not verify under the key in "
                              "the manifest") from None


def check_board(reply: dict[str, Any], ctx: bytes, manifest: files.Manifest) -> bytes:
    """Check the board reply against the checked manifest; return ``Y`` computed from it."""
    board = Obj(reply, "the board")
    if board.raw("ctx", size=files.CTX_BYTES) != ctx:
        raise CheckFailed("the board is for another ctx than the campaign's manifest")
    if board.integer("t") != manifest.t or board.integer("n") != manifest.n:
        raise CheckFailed("the board's t and n differ from the manifest's")
    deals = _deals(board, ctx, manifest)
    commitments = {i: deal.commitments for i, deal in deals.items()}
    check_transcript_signatures(board, ctx, manifest, dkg.transcript(ctx, commitments))
    computed = dkg.group_key(commitments)
    if board.raw("Y", size=32) != computed:
        raise CheckFailed("the Y the server serves is not the sum of the trustees' commitments; "
                          "refusing to seal")
    return computed


def fetch_sealing_key(api: JsonApi, token: Token) -> tuple[SealingKey, bytes]:
    """GET and check the manifest and the board; return the key and the token's nullifier."""
    key, manifest = check_campaign_manifest(api.get(api_path(token.slug, "manifest")), token)
    nullifier = check_token(token, key)
    Y = check_board(api.get(api_path(token.slug, "board")), key.ctx, manifest)
    return SealingKey(key, manifest, Y), nullifier
