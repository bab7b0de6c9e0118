"""RFC 9474 RSA blind signatures, variant RSABSSA-SHA384-PSS-Randomized, and Pledge's tokens.

The variant: EMSA-PSS with SHA-384, MGF1-SHA-384, a 48-byte salt, and a 32-byte random prefix
prepended to the message before blinding (``prepare``). A finalized signature is an ordinary
RSASSA-PSS signature over the *prepared* message ``prefix || msg``, so the server verifies it with
``cryptography``'s PSS verification (salt length 48).

Who runs what:

- server: :func:`generate_key`, key (de)serialisation, :func:`blind_sign` (with the RFC's fault
  check: the signature is verified with the public key before it leaves), :func:`verify`;
- client (tests, CLI signer; the browser has its own twin): :func:`prepare`, :func:`blind`,
  :func:`finalize`.

Keys: RSA-2048, ``e = 65537``. Public keys travel as X.509 SubjectPublicKeyInfo with the
``rsaEncryption`` algorithm (DER, or PEM around it: what WebCrypto imports as ``spki`` for
RSA-PSS); private keys as unencrypted PKCS#8 DER, which the caller encrypts at rest.

Token message (docs/protocol.md §5), every length a u64 little-endian byte count::

    b"pledge-token/v2"                       15 bytes
    || u64le(len(campaign_id)) || campaign_id  1..255 bytes, the campaign's id as bytes
    || u64le(len(lab)) || lab                  1..255 bytes, the lab slug in UTF-8
    || nonce                                   32 random bytes

The client prepares it (``prepared = 32 random bytes || token_message``), blinds, and keeps
``(prepared, sig)`` as its token. ``nullifier = SHA-256(b"pledge-nullifier/v2" || prepared)``.

Limits, honestly: the private-key operation runs on Python integers (``pow`` with CRT), which is
not constant-time. We blind the base with a fresh random factor before each private operation
(classic RSA blinding), so timing does not track the requester's input, but the key's own
arithmetic may still leak through fine-grained timing to a local attacker. The key is the
server's own per-(campaign, lab) key, used only for tokens; keep the server off shared hosts.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature as _PycaInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import CryptoError, EncodingError, InvalidSignature
from .hashing import u64le

HASH_LEN = 48
SALT_LEN = 48
PREFIX_LEN = 32
KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
TOKEN_TAG = b"pledge-token/v2"
TOKEN_NONCE_LEN = 32
NULLIFIER_TAG = b"pledge-nullifier/v2"
MAX_FIELD = 255

_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_LEN)


# -- keys ------------------------------------------------------------------------------------


def generate_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 token key with ``e = 65537``."""
    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)


def _check_public(key: rsa.RSAPublicKey) -> rsa.RSAPublicKey:
    numbers = key.public_numbers()
    if numbers.e != PUBLIC_EXPONENT or not 2048 <= key.key_size <= 4096:
        raise EncodingError("token keys are RSA 2048..4096 bits with e = 65537")
    return key


def private_key_to_der(key: rsa.RSAPrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER (encrypt it before storing it)."""
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(der: bytes) -> rsa.RSAPrivateKey:
    """Load a PKCS#8 DER RSA private key written by :func:`private_key_to_der`."""
    try:
        key = serialization.load_der_private_key(bytes(der), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise EncodingError("not a PKCS#8 DER private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise EncodingError("not an RSA private key")
    _check_public(key.public_key())
    return key


def public_key_der(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> bytes:
    """SubjectPublicKeyInfo DER of the (public half of the) key."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_pem(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> bytes:
    """SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``)."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(data: bytes) -> rsa.RSAPublicKey:
    """Load an SPKI public key, PEM or DER; refuse anything but RSA 2048..4096 with e = 65537."""
    data = bytes(data)
    try:
        if data.lstrip().startswith(b"-----"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise EncodingError("not an SPKI public key") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise EncodingError("not an RSA public key")
    return _check_public(key)


# -- token messages and nullifiers -----------------------------------------------------------


@dataclass(frozen=True)
class TokenMessage:
    """The parsed content of a ``pledge-token/v2`` message."""

    campaign_id: bytes
    lab_slug: str
    nonce: bytes


def _field(value: bytes, name: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or not 1 <= len(value) <= MAX_FIELD:
        raise EncodingError(f"{name} must be 1..{MAX_FIELD} bytes")
    return u64le(len(value)) + bytes(value)


def token_message(campaign_id: bytes, lab_slug: str, nonce: bytes | None = None) -> bytes:
    """Build ``b"pledge-token/v2" || lp(campaign_id) || lp(lab_slug) || nonce`` (see module doc)."""
    if not isinstance(lab_slug, str):
        raise EncodingError("lab slug must be a string")
    try:
        lab = lab_slug.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodingError("lab slug is not valid text") from exc
    nonce = secrets.token_bytes(TOKEN_NONCE_LEN) if nonce is None else bytes(nonce)
    if len(nonce) != TOKEN_NONCE_LEN:
        raise EncodingError("token nonce must be 32 bytes")
    return TOKEN_TAG + _field(campaign_id, "campaign id") + _field(lab, "lab slug") + nonce


def _take(message: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 8 > len(message):
        raise EncodingError("token message truncated")
    length = int.from_bytes(message[offset : offset + 8], "little")
    start = offset + 8
    if not 1 <= length <= MAX_FIELD or start + length > len(message):
        raise EncodingError("token message field has a bad length")
    return message[start : start + length], start + length


def parse_token_message(message: bytes) -> TokenMessage:
    """Parse a token message (not the prepared one: strip the 32-byte prefix first)."""
    message = bytes(message)
    if not message.startswith(TOKEN_TAG):
        raise EncodingError("not a pledge-token/v2 message")
    campaign_id, offset = _take(message, len(TOKEN_TAG))
    lab, offset = _take(message, offset)
    if len(message) - offset != TOKEN_NONCE_LEN:
        raise EncodingError("token message has the wrong length")
    try:
        lab_slug = lab.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError("lab slug is not UTF-8") from exc
    return TokenMessage(campaign_id, lab_slug, message[offset:])


def nullifier(prepared: bytes) -> bytes:
    """``SHA-256(b"pledge-nullifier/v2" || prepared_message)`` (docs/protocol.md §5)."""
    return hashlib.sha256(NULLIFIER_TAG + bytes(prepared)).digest()


# -- RFC 8017 / RFC 9474 building blocks -----------------------------------------------------


def _modulus_len(n: int) -> int:
    return (n.bit_length() + 7) // 8


def _mgf1_sha384(seed: bytes, length: int) -> bytes:
    out = bytearray()
    for counter in range(-(-length // HASH_LEN)):
        out += hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
    return bytes(out[:length])


def _emsa_pss_encode(msg: bytes, em_bits: int, salt: bytes) -> bytes:
    """RFC 8017 §9.1.1 with SHA-384 and MGF1-SHA-384."""
    em_len = -(-em_bits // 8)
    if em_len < HASH_LEN + len(salt) + 2:
        raise EncodingError("modulus too small for this encoding")
    m_hash = hashlib.sha384(msg).digest()
    h = hashlib.sha384(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - len(salt) - HASH_LEN - 2) + b"\x01" + salt
    masked = bytearray(a ^ b for a, b in zip(db, _mgf1_sha384(h, len(db)), strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked) + h + b"\xbc"


def _to_int(data: bytes, k: int, name: str) -> int:
    if not isinstance(data, (bytes, bytearray)) or len(data) != k:
        raise EncodingError(f"{name} must be {k} bytes")
    return int.from_bytes(data, "big")


def _rsasp1(numbers: rsa.RSAPrivateNumbers, m: int) -> int:
    """RSASP1 with CRT, on a randomly blinded base (see the module docstring)."""
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    if not 0 <= m < n:
        raise EncodingError("message representative out of range")
    while True:
        b = secrets.randbelow(n - 2) + 2
        if math.gcd(b, n) == 1:
            break
    mb = m * pow(b, e, n) % n
    p, q = numbers.p, numbers.q
    s1 = pow(mb % p, numbers.dmp1, p)
    s2 = pow(mb % q, numbers.dmq1, q)
    sb = s2 + q * ((numbers.iqmp * (s1 - s2)) % p)
    return sb * pow(b, -1, n) % n


# -- server side -----------------------------------------------------------------------------


def blind_sign(sk: rsa.RSAPrivateKey, blinded_msg: bytes) -> bytes:
    """RFC 9474 BlindSign: sign a blinded message; check the result before returning it.

    Raises :class:`EncodingError` if ``blinded_msg`` is not modulus-length or not below the
    modulus, and :class:`InvalidSignature` if the computed signature fails the fault check
    (RSAVP1 of the result must give back the input); a faulty CRT signature must never leave,
    because it would reveal a factor of the modulus.
    """
    numbers = sk.private_numbers()
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    k = _modulus_len(n)
    m = _to_int(blinded_msg, k, "blinded message")
    s = _rsasp1(numbers, m)
    if pow(s, e, n) != m:
        raise InvalidSignature("blind signature failed its fault check")
    return s.to_bytes(k, "big")


def verify(pk: rsa.RSAPublicKey, prepared: bytes, sig: bytes) -> None:
    """Check a finalized signature over the prepared message; raise :class:`InvalidSignature`."""
    k = _modulus_len(pk.public_numbers().n)
    if not isinstance(sig, (bytes, bytearray)) or len(sig) != k:
        raise InvalidSignature("signature has the wrong length")
    try:
        pk.verify(bytes(sig), bytes(prepared), _PSS, hashes.SHA384())
    except _PycaInvalidSignature as exc:
        raise InvalidSignature("token signature does not verify") from exc


def verify_token(pk: rsa.RSAPublicKey, prepared: bytes, sig: bytes) -> TokenMessage:
    """Verify a token and parse the token message inside the prepared message."""
    verify(pk, prepared, sig)
    return parse_token_message(bytes(prepared)[PREFIX_LEN:])


# -- client side -----------------------------------------------------------------------------


def prepare(msg: bytes, *, prefix: bytes | None = None) -> bytes:
    """RFC 9474 Prepare (randomized): ``32 random bytes || msg``; ``prefix`` only for tests."""
    prefix = secrets.token_bytes(PREFIX_LEN) if prefix is None else bytes(prefix)
    if len(prefix) != PREFIX_LEN:
        raise EncodingError("message prefix must be 32 bytes")
    return prefix + bytes(msg)


def blind(
    pk: rsa.RSAPublicKey, prepared: bytes, *, r: int | None = None, salt: bytes | None = None
) -> tuple[bytes, bytes]:
    """RFC 9474 Blind: return ``(blinded_msg, inv)``, both modulus-length big-endian bytes.

    ``r`` (the blinding factor, ``1 <= r < n``) and ``salt`` (48 bytes) are drawn at random
    unless injected, which only tests should do. Keep ``inv`` secret until :func:`finalize`.
    """
    numbers = pk.public_numbers()
    n, e = numbers.n, numbers.e
    k = _modulus_len(n)
    salt = secrets.token_bytes(SALT_LEN) if salt is None else bytes(salt)
    if len(salt) != SALT_LEN:
        raise EncodingError("salt must be 48 bytes")
    m = int.from_bytes(_emsa_pss_encode(bytes(prepared), n.bit_length() - 1, salt), "big")
    if math.gcd(m, n) != 1:
        raise CryptoError("invalid input")
    r = secrets.randbelow(n - 1) + 1 if r is None else r
    if not 1 <= r < n:
        raise EncodingError("blinding factor out of range")
    try:
        inv = pow(r, -1, n)
    except ValueError as exc:
        raise CryptoError("blinding error") from exc
    z = m * pow(r, e, n) % n
    return z.to_bytes(k, "big"), inv.to_bytes(k, "big")


def finalize(pk: rsa.RSAPublicKey, prepared: bytes, blind_sig: bytes, inv: bytes) -> bytes:
    """RFC 9474 Finalize: unblind and verify; raise :class:`InvalidSignature` on a bad reply."""
    n = pk.public_numbers().n
    k = _modulus_len(n)
    z = _to_int(blind_sig, k, "blind signature")
    inv_int = _to_int(inv, k, "inverse")
    if z >= n or not 1 <= inv_int < n:
        raise InvalidSignature("blind signature out of range")
    sig = (z * inv_int % n).to_bytes(k, "big")
    verify(pk, prepared, sig)
    return sig

