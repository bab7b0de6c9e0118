"""The exact messages a trustee signs with its Ed25519 key, and human fingerprints.

Like the deal signature of docs/protocol.md §4, every trustee signature covers a 64-byte digest
``H(tag, ...)`` (docs/protocol.md §1) whose tag says what is being signed, so that no signature made for
one purpose verifies for another:

- complaint:            ``H("complaint", ctx, sc(j), sc(i), reason)``, ``reason`` the ASCII
                        complaint code (:class:`crypto.errors.Complaint`), j the complainer, i the
                        accused dealer;
- complaint answer:     ``H("complaint-answer-signature", ctx, sc(i), sc(j), S, A1, A2, z)``,
                        dealer i answering trustee j's complaint (:mod:`crypto.complaints`);
- transcript signature: ``H("transcript-signature", ctx, sc(j), transcript)``;
- destroy confirmation: ``H("destroy-confirmation", ctx, sc(j))``.

A fingerprint is ``H("fingerprint", value; n=10)`` written as five groups of four hex digits,
for trustees to compare ``ctx``, ``Y`` and the transcript with each other out of band.
"""

from __future__ import annotations

from nacl.signing import SigningKey

from ..group import sc
from ..hashing import H
from ..merkle import verify_ed25519

DIGEST_BYTES = 64
FINGERPRINT_BYTES = 10


def complaint_message(ctx: bytes, complainer: int, accused: int, reason: str) -> bytes:
    """What trustee ``complainer`` signs to accuse dealer ``accused`` of ``reason``."""
    return H("complaint", ctx, sc(complainer), sc(accused), reason.encode("ascii"),
             n=DIGEST_BYTES)


def complaint_answer_message(
    ctx: bytes, dealer: int, complainant: int, shared_point: bytes, a1: bytes, a2: bytes,
    z: bytes,
) -> bytes:
    """What dealer ``dealer`` signs to answer trustee ``complainant``'s complaint: the revealed
    shared point ``S`` and its proof ``(A1, A2, z)``."""
    return H("complaint-answer-signature", ctx, sc(dealer), sc(complainant), shared_point, a1,
             a2, z, n=DIGEST_BYTES)


def transcript_message(ctx: bytes, index: int, transcript: bytes) -> bytes:
    """What trustee ``index`` signs to approve the ceremony ``transcript``."""
    return H("transcript-signature", ctx, sc(index), transcript, n=DIGEST_BYTES)


def destroy_message(ctx: bytes, index: int) -> bytes:
    """What trustee ``index`` signs to confirm it destroyed its share of campaign ``ctx``."""
    return H("destroy-confirmation", ctx, sc(index), n=DIGEST_BYTES)


def sign(signing_seed: bytes, message: bytes) -> bytes:
    """A detached 64-byte Ed25519 signature with the trustee's key."""
    return SigningKey(signing_seed).sign(message).signature


def verify(ed25519_public: bytes, message: bytes, signature: bytes) -> None:
    """Check a detached signature; raises :class:`crypto.errors.InvalidSignature`."""
    verify_ed25519(ed25519_public, message, signature)


def fingerprint(value: bytes) -> str:
    """Ten bytes of ``H("fingerprint", value)`` as ``xxxx-xxxx-xxxx-xxxx-xxxx``."""
    digest = H("fingerprint", value, n=FINGERPRINT_BYTES).hex()
    return "-".join(digest[i : i + 4] for i in range(0, len(digest), 4))
