"""Key ceremony: Joint-Feldman DKG with proofs of possession (docs/protocol.md §4).

Each trustee i deals: a random polynomial ``f_i`` of degree t-1, commitments ``C_ik = a_ik·G``,
a Schnorr proof of possession of ``a_i0``, one encrypted share ``f_i(j)`` per trustee j, and an
Ed25519 signature. Trustee j checks every deal (:func:`verify_deal` raises
:class:`~crypto.errors.InvalidDeal` whose ``reason`` is the complaint to file), sums its shares
into ``x_j`` (:func:`combine_shares`), keeps it under a passphrase (:func:`store_share`) and
signs the transcript. Anyone derives ``Y`` and every ``Y_j`` from the board. (Python cannot
reliably wipe memory: "erasing the coefficients" means dropping every reference to them.)

Encodings chosen where docs/protocol.md §4 leaves room (docs/protocol.md §1 makes ``n = 64`` the default
digest size of ``H`` wherever a size is not written, and we keep to it):

- deal digest (the Ed25519-signed message):
  ``H("deal", ctx, C_i0 || ... || C_i,t-1 || Rk || z, shares_digest)``, 64 bytes, **three** hash
  parts: ``ctx``, the concatenation of the public values, and
  ``shares_digest = H("deal-shares", E_i1, ..., E_in)`` (64 bytes, one part per encrypted share,
  trustees in index order), so that nobody, the server included, can swap a share and blame the
  dealer, while the campaign record can leave the shares out and keep only their digest.
- transcript: ``H("transcript", ctx, C_1*, ..., C_n*)``, 64 bytes, n+1 parts, trustees in
  index order, ``C_i*`` the concatenation of trustee i's t commitments.
- encrypted share: ``nonce (24) || XSalsa20-Poly1305 ciphertext (128 + 16)``, 168 bytes, the
  output of ``Box(x25519_sk_i, x25519_pk_j).encrypt(ctx || sc(i) || sc(j) || f_i(j))``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.utils
from nacl.public import Box, PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from . import group, passbox
from .errors import Complaint, CryptoError, EncodingError, InvalidDeal, InvalidPoint
from .group import RandomBytes, sc
from .hashing import H

DEAL_DIGEST_BYTES = 64
SHARES_DIGEST_BYTES = 64
TRANSCRIPT_DIGEST_BYTES = 64
SHARE_PLAINTEXT_BYTES = 4 * 32
ENCRYPTED_SHARE_BYTES = Box.NONCE_SIZE + SHARE_PLAINTEXT_BYTES + 16  # Poly1305 tag
MAX_TRUSTEES = 255


@dataclass(frozen=True)
class TrusteeKeys:
    """A trustee's public keys, as listed in the manifest."""

    ed25519: bytes
    x25519: bytes


@dataclass(frozen=True)
class Deal:
    """What trustee ``dealer`` posts on the board."""

    dealer: int
    commitments: tuple[bytes, ...]
    pop_r: bytes
    pop_z: bytes
    encrypted_shares: Mapping[int, bytes]
    signature: bytes


def public_keys(signing_seed: bytes, x25519_secret: bytes) -> TrusteeKeys:
    """The public halves of a trustee's Ed25519 seed and X25519 secret key."""
    return TrusteeKeys(
        ed25519=bytes(SigningKey(signing_seed).verify_key),
        x25519=bytes(PrivateKey(x25519_secret).public_key),
    )


# --- polynomials and commitments -----------------------------------------------------------


def random_polynomial(t: int, random_bytes: RandomBytes = nacl.utils.random) -> tuple[bytes, ...]:
    """t random non-zero coefficients ``a_0..a_t-1`` (a polynomial of degree t-1)."""
    _check_threshold(t, t)
    return tuple(group.random_scalar(random_bytes) for _ in range(t))


def evaluate(coefficients: Sequence[bytes], x: int) -> bytes:
    """``f(x) = Σ a_k·x^k`` by Horner's rule in scalar arithmetic."""
    xs = sc(x)
    result = group.ZERO
    for a in reversed(coefficients):
        result = group.scalar_add(group.scalar_mul(result, xs), a)
    return result


def commit(coefficients: Sequence[bytes]) -> tuple[bytes, ...]:
    """Feldman commitments ``C_k = a_k·G``."""
    return tuple(group.scalarmult_base(a) for a in coefficients)


def evaluate_commitments(commitments: Sequence[bytes], x: int) -> bytes:
    """``Σ x^k·C_k``: ``f(x)·G`` computed from public commitments (may be the identity)."""
    xs = sc(x)
    return group.multi_scalarmult(
        (group.scalar_pow(xs, k), c) for k, c in enumerate(commitments)
    )


# --- proof of possession and signature -----------------------------------------------------


def _pop_challenge(ctx: bytes, i: int, c0: bytes, pop_r: bytes) -> bytes:
    return group.Hs("dkg-pop", ctx, sc(i), c0, pop_r)


def prove_possession(ctx: bytes, i: int, a0: bytes, k: bytes) -> tuple[bytes, bytes]:
    """Schnorr proof ``(Rk, z)`` that trustee i knows ``a0``, with nonce ``k``."""
    pop_r = group.scalarmult_base(k)
    c = _pop_challenge(ctx, i, group.scalarmult_base(a0), pop_r)
    return pop_r, group.scalar_add(k, group.scalar_mul(c, a0))


def possession_holds(ctx: bytes, i: int, c0: bytes, pop_r: bytes, pop_z: bytes) -> bool:
    """Whether ``z·G == Rk + c·C_0`` (points and ``z`` already parsed)."""
    c = _pop_challenge(ctx, i, c0, pop_r)
    expected = group.multi_scalarmult([(pop_z, None), (group.scalar_neg(c), c0)])
    return expected == pop_r


def shares_digest(encrypted_shares: Mapping[int, bytes]) -> bytes:
    """``H("deal-shares", E_i1, ..., E_in)``: the encrypted shares for trustees 1..n, in order."""
    n = len(encrypted_shares)
    if n == 0 or set(encrypted_shares) != set(range(1, n + 1)):
        raise EncodingError("encrypted shares must be given for trustees 1..n")
    return H("deal-shares", *(encrypted_shares[j] for j in range(1, n + 1)),
             n=SHARES_DIGEST_BYTES)


def signed_digest(
    ctx: bytes, commitments: Sequence[bytes], pop_r: bytes, pop_z: bytes, shares_hash: bytes
) -> bytes:
    """``H("deal", ctx, C_i0 || ... || C_i,t-1 || Rk || z, shares_digest)`` from the digest of
    the shares (what the campaign record keeps of them)."""
    return H("deal", ctx, b"".join(commitments) + pop_r + pop_z, shares_hash,
             n=DEAL_DIGEST_BYTES)


def deal_digest(
    ctx: bytes, commitments: Sequence[bytes], pop_r: bytes, pop_z: bytes,
    encrypted_shares: Mapping[int, bytes],
) -> bytes:
    """The message trustee i signs: its commitments, its proof of possession and every
    encrypted share (``encrypted_shares`` maps trustees 1..n to their shares)."""
    return signed_digest(ctx, commitments, pop_r, pop_z, shares_digest(encrypted_shares))


# --- shares --------------------------------------------------------------------------------


def encrypt_share(
    ctx: bytes, i: int, j: int, share: bytes, dealer_x25519_secret: bytes,
    recipient_x25519: bytes, nonce: bytes,
) -> bytes:
    """``Box(sk_i, pk_j).encrypt(ctx || sc(i) || sc(j) || f_i(j), nonce)``: 168 bytes."""
    box = Box(PrivateKey(dealer_x25519_secret), PublicKey(recipient_x25519))
    return bytes(box.encrypt(ctx + sc(i) + sc(j) + share, nonce))


def decrypt_share(
    ctx: bytes, i: int, j: int, sealed: bytes, recipient_x25519_secret: bytes,
    dealer_x25519: bytes,
) -> bytes:
    """Open trustee i's share for trustee j and check its context; return ``f_i(j)``."""
    try:
        box = Box(PrivateKey(recipient_x25519_secret), PublicKey(dealer_x25519))
        plain = box.decrypt(sealed)
    except (nacl.exceptions.CryptoError, TypeError, ValueError) as exc:
        raise InvalidDeal(i, Complaint.SHARE_UNDECRYPTABLE) from exc
    return check_share_plaintext(ctx, i, j, plain)


def check_share_plaintext(ctx: bytes, i: int, j: int, plain: bytes) -> bytes:
    """Check an opened share's length, context and scalar; return ``f_i(j)``."""
    if len(plain) != SHARE_PLAINTEXT_BYTES:
        raise InvalidDeal(i, Complaint.SHARE_MALFORMED)
    if plain[:96] != ctx + sc(i) + sc(j):
        raise InvalidDeal(i, Complaint.SHARE_CONTEXT)
    share = plain[96:]
    if not group.is_canonical_scalar(share):
        raise InvalidDeal(i, Complaint.SHARE_MALFORMED)
    return share


# --- dealing -------------------------------------------------------------------------------


def deal(
    ctx: bytes, i: int, t: int, signing_seed: bytes, x25519_secret: bytes,
    recipients: Mapping[int, bytes], *, coefficients: Sequence[bytes] | None = None,
    pop_nonce: bytes | None = None, random_bytes: RandomBytes = nacl.utils.random,
) -> Deal:
    """Trustee i's deal for trustees ``1..n`` (``recipients`` maps j to j's X25519 key).

    ``coefficients``, ``pop_nonce`` and ``random_bytes`` (box nonces) are injectable for test
    vectors; by default everything is fresh randomness.
    """
    n = len(recipients)
    _check_threshold(t, n)
    if set(recipients) != set(range(1, n + 1)) or not 1 <= i <= n:
        raise EncodingError("recipients must be trustees 1..n and include the dealer")
    coeffs = tuple(coefficients) if coefficients is not None else random_polynomial(t, random_bytes)
    if len(coeffs) != t:
        raise EncodingError("need exactly t coefficients")
    for a in coeffs:
        group.parse_scalar(a, nonzero=True)
    k = pop_nonce if pop_nonce is not None else group.random_scalar(random_bytes)
    commitments = commit(coeffs)
    pop_r, pop_z = prove_possession(ctx, i, coeffs[0], k)
    shares = {
        j: encrypt_share(ctx, i, j, evaluate(coeffs, j), x25519_secret, pk,
                         random_bytes(Box.NONCE_SIZE))
        for j, pk in sorted(recipients.items())
    }
    digest = deal_digest(ctx, commitments, pop_r, pop_z, shares)
    signature = SigningKey(signing_seed).sign(digest).signature
    return Deal(i, commitments, pop_r, pop_z, shares, signature)


# --- checking a deal -----------------------------------------------------------------------


def check_deal_public(ctx: bytes, t: int, n: int, deal: Deal, dealer_ed25519: bytes) -> None:
    """Every check anyone can make on a deal: shape, points, signature, proof of possession.

    Raises :class:`InvalidDeal` with the complaint for the first failure.
    """
    i = deal.dealer
    shape_ok = (
        1 <= i <= n
        and len(deal.commitments) == t
        and set(deal.encrypted_shares) == set(range(1, n + 1))
        and all(len(s) == ENCRYPTED_SHARE_BYTES for s in deal.encrypted_shares.values())
        and len(deal.signature) == 64
    )
    if not shape_ok:
        raise InvalidDeal(i, Complaint.MALFORMED)
    check_signed_parts(ctx, t, i, deal.commitments, deal.pop_r, deal.pop_z,
                       shares_digest(deal.encrypted_shares), deal.signature, dealer_ed25519)


def check_signed_parts(
    ctx: bytes, t: int, i: int, commitments: Sequence[bytes], pop_r: bytes, pop_z: bytes,
    shares_hash: bytes, signature: bytes, dealer_ed25519: bytes,
) -> None:
    """The public checks of a deal known by the digest of its shares (as the campaign record
    keeps it): points, signature, proof of possession. Raises :class:`InvalidDeal`."""
    if len(commitments) != t or len(signature) != 64 or len(shares_hash) != SHARES_DIGEST_BYTES:
        raise InvalidDeal(i, Complaint.MALFORMED)
    try:
        for point in (*commitments, pop_r):
            group.parse_point(point)
    except InvalidPoint as exc:
        raise InvalidDeal(i, Complaint.BAD_POINT) from exc
    digest = signed_digest(ctx, commitments, pop_r, pop_z, shares_hash)
    try:
        VerifyKey(dealer_ed25519).verify(digest, signature)
    except (nacl.exceptions.CryptoError, TypeError, ValueError) as exc:
        raise InvalidDeal(i, Complaint.BAD_SIGNATURE) from exc
    if not group.is_canonical_scalar(pop_z) or not possession_holds(
        ctx, i, commitments[0], pop_r, pop_z
    ):
        raise InvalidDeal(i, Complaint.BAD_PROOF)


def open_share(
    ctx: bytes, deal: Deal, j: int, recipient_x25519_secret: bytes, dealer_x25519: bytes
) -> bytes:
    """Trustee j's private checks: decrypt its share, check context and Feldman; return it.

    Call after :func:`check_deal_public` (the commitments must already be valid points).
    """
    i = deal.dealer
    if j not in deal.encrypted_shares:
        raise InvalidDeal(i, Complaint.MALFORMED)
    share = decrypt_share(
        ctx, i, j, deal.encrypted_shares[j], recipient_x25519_secret, dealer_x25519
    )
    check_feldman(deal, j, share)
    return share


def check_feldman(deal: Deal, j: int, share: bytes) -> None:
    """Whether ``f_i(j)·G == Σ j^k·C_ik``; raises :class:`InvalidDeal` (Feldman) if not."""
    lhs = group.multi_scalarmult([(share, None)])
    if lhs != evaluate_commitments(deal.commitments, j):
        raise InvalidDeal(deal.dealer, Complaint.FELDMAN)


def verify_deal(
    ctx: bytes, t: int, n: int, deal: Deal, dealer: TrusteeKeys, j: int,
    recipient_x25519_secret: bytes,
) -> bytes:
    """Trustee j's full check of a deal; returns ``f_i(j)`` or raises :class:`InvalidDeal`."""
    check_deal_public(ctx, t, n, deal, dealer.ed25519)
    return open_share(ctx, deal, j, recipient_x25519_secret, dealer.x25519)


# --- results of the ceremony ---------------------------------------------------------------


def combine_shares(shares: Iterable[bytes]) -> bytes:
    """``x_j = Σ_i f_i(j)`` over the shares trustee j received from every dealer."""
    total = group.ZERO
    for share in shares:
        total = group.scalar_add(total, group.parse_scalar(share))
    if group.is_zero(total):
        raise CryptoError("secret share is zero")
    return total


def _ordered(commitments: Mapping[int, Sequence[bytes]]) -> list[Sequence[bytes]]:
    """Commitment lists in trustee order, checked to be trustees 1..n with equal lengths."""
    n = len(commitments)
    if n == 0 or set(commitments) != set(range(1, n + 1)):
        raise EncodingError("commitments must be given for trustees 1..n")
    lists = [commitments[i] for i in range(1, n + 1)]
    if len({len(c) for c in lists}) != 1 or not lists[0]:
        raise EncodingError("every trustee must commit to the same degree")
    for c in lists:
        for point in c:
            group.parse_point(point)
    return lists


def transcript(ctx: bytes, commitments: Mapping[int, Sequence[bytes]]) -> bytes:
    """``H("transcript", ctx, C_1*, ..., C_n*)``: what every trustee signs (64 bytes)."""
    parts = [b"".join(c) for c in _ordered(commitments)]
    return H("transcript", ctx, *parts, n=TRANSCRIPT_DIGEST_BYTES)


def aggregate_commitments(commitments: Mapping[int, Sequence[bytes]]) -> tuple[bytes, ...]:
    """``A_k = Σ_i C_ik``: the commitments to the joint polynomial ``Σ_i f_i``."""
    lists = _ordered(commitments)
    aggregated = []
    for k in range(len(lists[0])):
        total = group.IDENTITY
        for c in lists:
            total = group.add(total, c[k])
        aggregated.append(total)
    return tuple(aggregated)


def group_key(commitments: Mapping[int, Sequence[bytes]]) -> bytes:
    """The campaign's public key ``Y = Σ_i C_i0``."""
    return group.parse_point(aggregate_commitments(commitments)[0])


def verification_keys(commitments: Mapping[int, Sequence[bytes]]) -> dict[int, bytes]:
    """Every trustee's verification key ``Y_j = Σ_i Σ_k j^k·C_ik`` (j = 1..n)."""
    aggregated = aggregate_commitments(commitments)
    return {
        j: group.parse_point(evaluate_commitments(aggregated, j))
        for j in range(1, len(commitments) + 1)
    }


def verification_key(commitments: Mapping[int, Sequence[bytes]], j: int) -> bytes:
    """Trustee j's verification key ``Y_j``."""
    return group.parse_point(evaluate_commitments(aggregate_commitments(commitments), j))


# --- storing x_j and posting deals ---------------------------------------------------------


def _share_label(ctx: bytes, j: int) -> bytes:
    return b"pledge/v2/dkg-share" + ctx + sc(j)


def store_share(
    ctx: bytes, j: int, x_j: bytes, passphrase: bytes, *, opslimit: int = passbox.OPSLIMIT,
    memlimit: int = passbox.MEMLIMIT, random_bytes: RandomBytes = nacl.utils.random,
) -> bytes:
    """Encrypt trustee j's secret share under a passphrase (Argon2id + SecretBox).

    The blob records the Argon2id parameters and is bound to ``ctx`` and ``j``.
    """
    group.parse_scalar(x_j, nonzero=True)
    return passbox.lock(
        x_j, passphrase, _share_label(ctx, j), opslimit=opslimit, memlimit=memlimit,
        random_bytes=random_bytes,
    )


def load_share(blob: bytes, passphrase: bytes, ctx: bytes, j: int) -> bytes:
    """Decrypt a blob made by :func:`store_share` for this campaign and trustee; return x_j."""
    x_j = passbox.unlock(blob, passphrase, _share_label(ctx, j))
    return group.parse_scalar(x_j, nonzero=True)


def deal_to_dict(deal: Deal) -> dict[str, object]:
    """A deal as JSON-ready data (bytes as lowercase hex, share keys as decimal strings)."""
    return {
        "dealer": deal.dealer,
        "commitments": [c.hex() for c in deal.commitments],
        "pop_r": deal.pop_r.hex(),
        "pop_z": deal.pop_z.hex(),
        "encrypted_shares": {str(j): s.hex() for j, s in sorted(deal.encrypted_shares.items())},
        "signature": deal.signature.hex(),
    }


def deal_from_dict(data: Mapping[str, object]) -> Deal:
    """Parse :func:`deal_to_dict` output; raises EncodingError (complaint: malformed)."""
    try:
        dealer = data["dealer"]
        shares = data["encrypted_shares"]
        commitments = data["commitments"]
        if type(dealer) is not int or not isinstance(shares, Mapping):
            raise TypeError("dealer must be an integer, shares a mapping")
        if not isinstance(commitments, list):
            raise TypeError("commitments must be a list")
        return Deal(
            dealer=dealer,
            commitments=tuple(_unhex(c) for c in commitments),
            pop_r=_unhex(data["pop_r"]),
            pop_z=_unhex(data["pop_z"]),
            encrypted_shares={_index(j): _unhex(s) for j, s in shares.items()},
            signature=_unhex(data["signature"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EncodingError("malformed deal") from exc


def _unhex(value: object) -> bytes:
    if not isinstance(value, str) or value != value.lower():
        raise ValueError("expected lowercase hex")
    return bytes.fromhex(value)


def _index(value: object) -> int:
    if not isinstance(value, str) or not value.isdigit() or value != str(int(value)):
        raise ValueError("expected a decimal trustee index")
    return int(value)


def _check_threshold(t: int, n: int) -> None:
    if not 1 <= t <= n <= MAX_TRUSTEES:
        raise EncodingError("need 1 <= t <= n <= 255")
