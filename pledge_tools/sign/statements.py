"""``pledge-sign withhold`` and ``pledge-sign stop-withholding`` (docs/pledge-sign.md).

Once a signature is revealed, its signer may say in public, signed with the receipt's withdrawal
key, that they are withholding their work, and later that they stopped. The command fetches the
signer's current stance and the statement number the server expects next, signs, sends, and
says what happened in one sentence.
"""

from __future__ import annotations

from pathlib import Path

from crypto import log_leaves
from crypto.formats import receipt as receipts
from crypto.formats.receipt import Receipt

from ..text import printable
from .campaign_check import api_path
from .errors import BadReply, ServerRefused
from .http import JsonApi

#: The sentence each stance is, as the signer reads it.
SAYS = {"withholding": "I am withholding my work", "stopped": "I have stopped withholding my work"}


def _status(api: JsonApi, receipt: Receipt) -> dict:
    try:
        reply = api.get(api_path(receipt.slug, "statements", receipt.nullifier.hex()))
    except ServerRefused as refused:
        if refused.status == 404:
            raise ServerRefused(404, "not_found", f"campaign {printable(receipt.slug)} at {receipt.server} has no "
                                "signature with this receipt's key: is it the right receipt?") from None
        raise
    if not (isinstance(reply.get("revealed"), bool) and isinstance(reply.get("next_seq"), int)
            and reply.get("stance") in (None, *log_leaves.STANCES)):
        raise BadReply("the server's reply about your stance is not in the documented format")
    return reply


def state(receipt_path: Path, stance: str) -> str:
    """Sign and send the statement ``stance`` for the receipt at ``receipt_path``; the sentence
    that says what happened."""
    receipt = receipts.load_receipt(receipt_path)
    api = JsonApi(receipt.server)
    status = _status(api, receipt)
    if not status["revealed"]:
        raise ServerRefused(409, "not_revealed", "your signature is not revealed yet: a statement can be made "
                            "once the round that lists it is revealed")
    current = status["stance"] or "stopped"
    if current == stance:
        raise ServerRefused(409, "same_stance", "you are already withholding your work" if stance == "withholding"
                            else "you are not withholding your work, so there is nothing to stop")
    seq = status["next_seq"]
    signature = log_leaves.sign_statement(receipt.withdrawal_secret, receipt.nullifier, seq, stance)
    reply = api.post(api_path(receipt.slug, "statements"), {
        "nullifier": receipt.nullifier.hex(), "seq": seq, "stance": stance, "signature": signature.hex()})
    if reply.get("accepted") is not True or reply.get("stance") != stance or reply.get("seq") != seq:
        raise BadReply("the server's reply to the statement is not an acceptance")
    return (f"Your signed statement \u201c{SAYS[stance]}\u201d is accepted and is published in the campaign's "
            "log with the next batch.")
