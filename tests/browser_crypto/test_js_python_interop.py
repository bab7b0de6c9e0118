"""The browser twin and the Python library work together, in Chromium under the strict CSP.

What a signer's browser produces (a sealed signature, a blinded token) must be accepted by the
Python side (server, trustees, verifier) and vice versa; and where both sides check the same
thing (points, Ed25519 signatures, canonical JSON, Merkle proofs) they must agree exactly.
"""

from __future__ import annotations

import os

import nacl.signing
import pytest

from crypto import blindrsa, dkg, group, merkle, reveal
from crypto import seal as py_seal
from crypto.errors import CryptoError, DecryptionError
from crypto.hashing import H, canonical_json
from tests.browser_crypto.kit import CryptoPage
from tests.crypto import edwards

# --- sealing: the browser seals, t trustees open -------------------------------------------


def _ceremony(t: int, n: int) -> tuple[bytes, dict[int, tuple[bytes, ...]], dict[int, bytes]]:
    """A full Joint-Feldman DKG with the Python library; returns (ctx, commitments, shares)."""
    ctx = os.urandom(32)
    seeds = {i: (os.urandom(32), os.urandom(32)) for i in range(1, n + 1)}
    keys = {i: dkg.public_keys(*seeds[i]) for i in seeds}
    recipients = {i: k.x25519 for i, k in keys.items()}
    deals = {i: dkg.deal(ctx, i, t, *seeds[i], recipients) for i in seeds}
    shares = {
        j: dkg.combine_shares(
            dkg.verify_deal(ctx, t, n, deals[i], keys[i], j, seeds[j][1]) for i in deals
        )
        for j in seeds
    }
    return ctx, {i: d.commitments for i, d in deals.items()}, shares


PAYLOADS = [
    {"v": py_seal.PAYLOAD_VERSION, "name": "Ada Lovelace", "role": "Research scientist", "statement": "",
     "display": "name"},
    {"v": py_seal.PAYLOAD_VERSION, "name": "Zoë Ñúñez 研究者", "role": "RS \"alignment\"\n\t\\",
     "display": "anonymous",
     "statement": "I will not train it. \u2028 \U0001f512 \x7f \x01"},
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["ascii", "unicode"])
def test_browser_seals_and_three_of_five_trustees_open(crypto_page, payload):
    t, n = 3, 5
    ctx, commitments, shares = _ceremony(t, n)
    Y = dkg.group_key(commitments)
    Yj = dkg.verification_keys(commitments)
    ad = ctx + os.urandom(32)  # ctx || nullifier

    # Given the board's first commitments, the browser checks Y and seals the payload object.
    sealed = crypto_page.run(
        """(a) => {
            const Y = P.checkY(h(a.Y), a.firsts.map(h));
            const ct = P.seal(Y, h(a.ad), a.payload);
            return { ct: x(ct), payload: x(P.payloadBytes(a.payload)) };
        }""",
        {"Y": Y.hex(), "firsts": [c[0].hex() for c in commitments.values()], "ad": ad.hex(),
         "payload": payload},
    )
    ciphertext = bytes.fromhex(sealed["ct"])
    expected = py_seal.encode_payload(
        payload["name"], payload["role"], payload["statement"], payload["display"]
    )
    assert bytes.fromhex(sealed["payload"]) == expected == canonical_json(payload)
    assert len(ciphertext) == py_seal.CIPHERTEXT_BYTES == 1160

    # Then the public check passes in Python, and any t trustees' verified partials open it.
    R = py_seal.check_ciphertext(Y, ad, ciphertext).R
    posted = {j: reveal.partial_decrypt(j, shares[j], Yj[j], R, ad) for j in (2, 4, 5)}
    partials = {j: reveal.verify_partial(j, Yj[j], R, ad, p) for j, p in posted.items()}
    assert reveal.decrypt(Y, ad, ciphertext, partials) == expected
    with pytest.raises(DecryptionError):  # t-1 partials give the wrong key
        reveal.decrypt(Y, ad, ciphertext, {j: partials[j] for j in (2, 4)})
    with pytest.raises(CryptoError):  # bound to ad
        py_seal.check_ciphertext(Y, ctx + os.urandom(32), ciphertext)
    assert crypto_page.violations() == []


def test_python_seal_passes_the_browser_check_and_matches_with_fixed_randomness(crypto_page):
    ctx, commitments, _ = _ceremony(2, 3)
    Y, ad = dkg.group_key(commitments), ctx + os.urandom(32)
    r, w, nonce = group.random_scalar(), group.random_scalar(), os.urandom(24)
    payload = py_seal.encode_payload("Grace", "Engineer", "Only with audits.", "name")
    ciphertext = py_seal.seal(Y, ad, payload, r=r, w=w, nonce=nonce)
    result = crypto_page.run(
        """(a) => ({
            same: x(P.seal(h(a.Y), h(a.ad), h(a.payload),
                           { r: h(a.r), w: h(a.w), nonce: h(a.nonce) })),
            ok: P.checkCiphertext(h(a.Y), h(a.ad), h(a.ct)),
        })""",
        {"Y": Y.hex(), "ad": ad.hex(), "payload": payload.hex(), "r": r.hex(), "w": w.hex(),
         "nonce": nonce.hex(), "ct": ciphertext.hex()},
    )
    assert result == {"same": ciphertext.hex(), "ok": True}


def test_payload_size_limit_agrees(crypto_page):
    # 1023 bytes fit (with the 0x80 marker); 1024 are refused by both sides.
    result = crypto_page.run(
        """(a) => {
            const Y = P.computeY([h(a.G)]);
            const fits = P.seal(Y, new Uint8Array(64), new Uint8Array(1023)).length;
            let refused = null;
            try { P.seal(Y, new Uint8Array(64), new Uint8Array(1024)); }
            catch (e) { refused = e.name; }
            const big = { v: P.WIRE_VERSION, name: 'x'.repeat(1000), role: '', statement: '', display: 'name' };
            let bigRefused = null;
            try { P.seal(Y, new Uint8Array(64), big); } catch (e) { bigRefused = e.name; }
            return { fits, refused, bigRefused, padded: x(P.padPayload(h('6869'))).slice(0, 8) };
        }""",
        {"G": group.G.hex()},
    )
    assert result == {"fits": 1160, "refused": "PledgeCryptoError",
                      "bigRefused": "PledgeCryptoError", "padded": "68698000"}
    assert len(py_seal.pad(bytes(1023))) == 1024
    with pytest.raises(CryptoError):
        py_seal.pad(bytes(1024))


# --- tokens: the browser blinds and finalizes, Python signs and verifies ---------------------


@pytest.fixture(scope="module")
def token_key():
    return blindrsa.generate_key()


def test_browser_token_is_blind_signed_by_python_and_verifies(crypto_page, token_key):
    campaign_id = os.urandom(16)
    spki = blindrsa.public_key_der(token_key)
    requested = crypto_page.run(
        """async (a) => {
            const key = await P.importTokenKey(h(a.spki));
            const t = await P.requestToken(key, h(a.campaign), a.lab);
            window.pendingToken = { key, t };
            return { prepared: x(t.prepared), blinded: x(t.blindedMsg) };
        }""",
        {"spki": spki.hex(), "campaign": campaign_id.hex(), "lab": "deepmind-london"},
    )
    prepared = bytes.fromhex(requested["prepared"])
    blinded = bytes.fromhex(requested["blinded"])
    assert len(blinded) == 256 and prepared not in blinded  # the issuer sees only the blinded form

    blind_sig = blindrsa.blind_sign(token_key, blinded)
    finished = crypto_page.run(
        """async (a) => {
            const { key, t } = window.pendingToken;
            const sig = await P.finalizeToken(key, t.prepared, h(a.blindSig), t.inv);
            return { sig: x(sig), nullifier: x(P.nullifier(t.prepared)),
                     verifies: await P.verifyToken(key, t.prepared, sig) };
        }""",
        {"blindSig": blind_sig.hex()},
    )
    sig = bytes.fromhex(finished["sig"])
    parsed = blindrsa.verify_token(token_key.public_key(), prepared, sig)
    assert (parsed.campaign_id, parsed.lab_slug) == (campaign_id, "deepmind-london")
    assert finished["verifies"] is True
    assert finished["nullifier"] == blindrsa.nullifier(prepared).hex()
    assert crypto_page.violations() == []


def test_browser_refuses_a_wrong_blind_signature(crypto_page, token_key):
    spki = blindrsa.public_key_der(token_key)
    requested = crypto_page.run(
        """async (a) => {
            const t = await P.requestToken(h(a.spki), h('01'), 'lab');
            window.pendingToken = t;
            return x(t.blindedMsg);
        }""",
        {"spki": spki.hex()},
    )
    # A genuine blind signature, but for someone else's blinded message; and a corrupted one.
    other, _ = blindrsa.blind(token_key.public_key(), blindrsa.prepare(b"another message"))
    corrupted = bytearray(blindrsa.blind_sign(token_key, bytes.fromhex(requested)))
    corrupted[10] ^= 1
    sigs = [blindrsa.blind_sign(token_key, other).hex(), corrupted.hex()]
    refused = crypto_page.run(
        """async (a) => Promise.all(a.sigs.map(async (sig) => {
            const t = window.pendingToken;
            try { await P.finalizeToken(h(a.spki), t.prepared, h(sig), t.inv); return null; }
            catch (e) { return e.name; }
        }))""",
        {"spki": spki.hex(), "sigs": sigs},
    )
    assert refused == ["PledgeCryptoError", "PledgeCryptoError"]


def test_python_blinded_token_finalizes_in_the_browser(crypto_page, token_key):
    pk = token_key.public_key()
    prepared = blindrsa.prepare(blindrsa.token_message(b"campaign-7", "lab"))
    blinded, inv = blindrsa.blind(pk, prepared)
    sig = crypto_page.run(
        "async (a) => x(await P.finalizeToken(h(a.spki), h(a.prepared), h(a.blindSig), h(a.inv)))",
        {"spki": blindrsa.public_key_der(pk).hex(), "prepared": prepared.hex(),
         "blindSig": blindrsa.blind_sign(token_key, blinded).hex(), "inv": inv.hex()},
    )
    blind_sig = blindrsa.blind_sign(token_key, blinded)
    assert blindrsa.finalize(pk, prepared, blind_sig, inv).hex() == sig


@pytest.mark.parametrize(("campaign", "lab"), [
    (b"\x00" * 16, "openai"), (b"c" * 255, "l" * 255), (b"x", "labo-é-研究"),
], ids=["uuid-sized", "longest", "non-ascii-lab"])
def test_token_message_and_nullifier_encoding_agree(crypto_page, campaign, lab):
    nonce, prefix = os.urandom(32), os.urandom(32)
    result = crypto_page.run(
        """(a) => {
            const msg = P.tokenMessage(h(a.campaign), a.lab, h(a.nonce));
            const prepared = P.prepareToken(msg, h(a.prefix));
            return { msg: x(msg), nullifier: x(P.nullifier(prepared)) };
        }""",
        {"campaign": campaign.hex(), "lab": lab, "nonce": nonce.hex(), "prefix": prefix.hex()},
    )
    message = blindrsa.token_message(campaign, lab, nonce)
    assert result["msg"] == message.hex()
    assert result["nullifier"] == blindrsa.nullifier(blindrsa.prepare(message, prefix=prefix)).hex()


def test_token_message_limits_agree(crypto_page):
    refused = crypto_page.run(
        """() => [[new Uint8Array(0), 'lab'], [new Uint8Array(256), 'lab'],
                  [new Uint8Array(1), ''], [new Uint8Array(1), 'é'.repeat(128)]].map(([c, l]) => {
            try { P.tokenMessage(c, l); return null; } catch (e) { return e.name; }
        })"""
    )
    assert refused == ["PledgeCryptoError"] * 4
    for campaign, lab in [(b"", "lab"), (bytes(256), "lab"), (b"\x01", ""), (b"\x01", "é" * 128)]:
        with pytest.raises(CryptoError):
            blindrsa.token_message(campaign, lab)


# --- group, hashing and canonical JSON agree with libsodium and Python ---------------------


def _point_cases() -> list[bytes]:
    torsion = edwards.torsion_points()
    valid = [group.scalarmult_base(group.random_scalar()) for _ in range(20)]
    torsioned = [
        edwards.encode(edwards.add(edwards.decode(v), edwards.decode(t)))
        for v in valid[:8] for t in torsion[1:]
    ]
    sign_flipped = [bytes(b[:31]) + bytes([b[31] | 0x80]) for b in torsion]
    return [
        *valid, group.G, *torsion, *sign_flipped, *torsioned,
        *edwards.noncanonical_encodings(), *(os.urandom(32) for _ in range(400)),
    ]


def _python_accepts(point: bytes) -> bool:
    try:
        group.parse_point(point)
    except CryptoError:
        return False
    return True


def test_point_validation_agrees_with_libsodium(crypto_page):
    cases = _point_cases()
    verdicts = crypto_page.run(
        "(ps) => ps.map((p) => P.isValidPoint(h(p)))", [c.hex() for c in cases]
    )
    expected = [_python_accepts(c) for c in cases]
    assert verdicts == expected
    assert sum(expected) >= 21 and len(expected) - sum(expected) >= 100  # both kinds exercised


def test_sum_points_and_checky_refuse_invalid_points(crypto_page):
    torsioned = edwards.encode(edwards.add(edwards.decode(group.G), edwards.decode(
        edwards.torsion_points()[1])))
    result = crypto_page.run(
        """(a) => [a.G, a.T, a.I].map((p) => {
            try { return x(P.checkY(P.computeY([h(a.G), h(a.G)]), [h(a.G), h(p)])); }
            catch (e) { return e.name; }
        })""",
        {"G": group.G.hex(), "T": torsioned.hex(), "I": group.IDENTITY.hex()},
    )
    assert result == [group.add(group.G, group.G).hex(), "PledgeCryptoError", "PledgeCryptoError"]


def test_hash_helpers_and_scalars_agree_with_python(crypto_page):
    cases = [
        {"tag": "kem", "parts": [], "n": 32},
        {"tag": "ct-pok", "parts": ["", "00", os.urandom(200).hex()], "n": 64},
        {"tag": "x" * 54, "parts": [os.urandom(32).hex()], "n": 1},
    ]
    wide = [os.urandom(64).hex() for _ in range(10)] + ["ff" * 64, "00" * 64]
    result = crypto_page.run(
        """(a) => {
          const refused = (f) => { try { f(); return null; } catch (e) { return e.name; } };
          return {
            H: a.cases.map((c) => x(P.H(c.tag, c.parts.map(h), c.n))),
            Hs: a.cases.map((c) => x(P.Hs(c.tag, c.parts.map(h)))),
            reduce: a.wide.map((w) => x(P.scalarReduce(h(w)))),
            sc: x(P.sc(7)),
            tooLong: refused(() => P.H('x'.repeat(55), [])),
            nonCanonical: refused(() => P.scalarFromBytes(h(a.L))),
          };
        }""",
        {"cases": cases, "wide": wide, "L": group.L.to_bytes(32, "little").hex()},
    )
    for case, out, out_s in zip(cases, result["H"], result["Hs"], strict=True):
        parts = [bytes.fromhex(p) for p in case["parts"]]
        assert out == H(case["tag"], *parts, n=case["n"]).hex()
        assert out_s == group.Hs(case["tag"], *parts).hex()
    assert result["reduce"] == [group.reduce(bytes.fromhex(w)).hex() for w in wide]
    assert result["sc"] == group.sc(7).hex()
    assert result["tooLong"] == result["nonCanonical"] == "PledgeCryptoError"


def test_canonical_json_agrees_with_python(crypto_page):
    documents = [
        {"b": 1, "a": [True, False, None, 5, 2**53 - 1], "": "",
         "Z": {"y": "é", "x": "\x00\x1f"}},
        {"\U0001f600": 1, "\uffff": 2, "\ue000": 3, "a": 4},  # code point order, not UTF-16
        {"s": "\"\\/\b\f\n\r\t\u2028\u2029\x7f\ud7ff\U0010ffff"},
        [[], {}, "", 0],
    ]
    out = crypto_page.run("(ds) => ds.map((d) => x(P.canonicalJson(d)))", documents)
    assert out == [canonical_json(d).hex() for d in documents]
    assert crypto_page.run("() => x(P.canonicalJson({ k: h('00ff') }))") == canonical_json(
        {"k": b"\x00\xff"}).hex()
    refused = crypto_page.run(
        """() => [1.5, NaN, 2 ** 53, '\\ud800', { a: undefined }, new Date(0), -5, [-1], -1n, 2n ** 63n]
            .map((v) => {
                try { P.canonicalJson(v); return null; } catch (e) { return e.name; }
            })"""
    )
    assert refused == ["PledgeCryptoError"] * 10
    assert crypto_page.run("() => x(P.canonicalJson([2n ** 63n - 1n, 0n, -0]))") == canonical_json(
        [2**63 - 1, 0, 0]).hex()


# --- Ed25519 and the Merkle log --------------------------------------------------------------


def _ed25519_cases() -> list[tuple[bytes, bytes, bytes]]:
    cases = []
    for size in (0, 1, 100):
        key = nacl.signing.SigningKey.generate()
        pub, msg = bytes(key.verify_key), os.urandom(size)
        sig = key.sign(msg).signature
        s_plus_l = (int.from_bytes(sig[32:], "little") + group.L).to_bytes(32, "little")
        cases += [
            (pub, msg, sig),
            (pub, msg + b"!", sig),
            (pub, msg, sig[:32] + s_plus_l),  # non-canonical S
            (pub, msg, bytes([sig[0] ^ 1]) + sig[1:]),
            (bytes([pub[0] ^ 1]) + pub[1:], msg, sig),
        ]
    for t in edwards.torsion_points():  # small-order keys and R values
        cases.append((t, b"m", t + bytes(32)))
        cases.append((pub, b"m", t + bytes(32)))
    return cases


def _libsodium_verifies(pub: bytes, msg: bytes, sig: bytes) -> bool:
    try:
        merkle.verify_ed25519(pub, msg, sig)
    except CryptoError:
        return False
    return True


def test_ed25519_verification_agrees_with_libsodium(crypto_page):
    cases = _ed25519_cases()
    verdicts = crypto_page.run(
        "(cs) => cs.map(([k, m, s]) => P.verifyEd25519(h(k), h(m), h(s)))",
        [[k.hex(), m.hex(), s.hex()] for k, m, s in cases],
    )
    assert verdicts == [_libsodium_verifies(*c) for c in cases]
    assert verdicts.count(True) == 3


def test_tree_heads_signed_in_python_verify_in_the_browser(crypto_page):
    seed = os.urandom(32)
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    log_id, size, timestamp, root = b"campaign-42", 1234, 1_790_000_000, os.urandom(32)
    sig = merkle.sign_tree_head(seed, log_id, size, timestamp, root)
    result = crypto_page.run(
        """(a) => [
            x(P.treeHeadMessage(h(a.id), a.size, a.ts, h(a.root))),
            P.verifyTreeHead(h(a.pub), h(a.id), a.size, a.ts, h(a.root), h(a.sig)),
            P.verifyTreeHead(h(a.pub), h(a.id), a.size + 1, a.ts, h(a.root), h(a.sig)),
            P.verifyTreeHead(h(a.pub), h(a.id), a.size, a.ts + 1, h(a.root), h(a.sig)),
            P.verifyTreeHead(h(a.pub), h('00'), a.size, a.ts, h(a.root), h(a.sig)),
        ]""",
        {"pub": public.hex(), "id": log_id.hex(), "size": size, "ts": timestamp,
         "root": root.hex(), "sig": sig.hex()},
    )
    assert result == [merkle.tree_head_message(log_id, size, timestamp, root).hex(),
                      True, False, False, False]


def test_consistency_and_inclusion_proofs_from_python_verify_in_the_browser(crypto_page):
    leaves = [os.urandom(i % 7) for i in range(21)]
    tree = merkle.MerkleTree.from_leaves(leaves)
    pairs = [(m, n) for n in (1, 2, 5, 8, 13, 21) for m in range(n + 1)]
    cases = [
        {"m": m, "n": n, "old": tree.root(m).hex(), "new": tree.root(n).hex(),
         "proof": [p.hex() for p in tree.consistency_proof(m, n)]}
        for m, n in pairs
    ]
    inclusion = [
        {"i": i, "n": n, "leaf": merkle.leaf_hash(leaves[i]).hex(), "root": tree.root(n).hex(),
         "proof": [p.hex() for p in tree.inclusion_proof(i, n)]}
        for n in (1, 6, 16, 21) for i in range(n)
    ]
    result = crypto_page.run(
        """(a) => ({
            consistent: a.cases.map(
                (c) => P.verifyConsistency(c.m, c.n, h(c.old), h(c.new), c.proof.map(h))),
            swapped: a.cases.filter((c) => c.m > 0 && c.m < c.n).map(
                (c) => P.verifyConsistency(c.m, c.n, h(c.new), h(c.old), c.proof.map(h))),
            included: a.inclusion.map(
                (c) => P.verifyInclusion(h(c.leaf), c.i, c.n, c.proof.map(h), h(c.root))),
            leafHash: x(P.leafHash(h(a.leaf0))),
        })""",
        {"cases": cases, "inclusion": inclusion, "leaf0": leaves[0].hex()},
    )
    assert result["consistent"] == [True] * len(cases)
    assert result["swapped"] == [False] * len(result["swapped"])
    assert result["included"] == [True] * len(inclusion)
    assert result["leafHash"] == merkle.leaf_hash(leaves[0]).hex()


# --- the page itself -------------------------------------------------------------------------


def test_the_csp_listener_does_catch_violations(browser_page, crypto_server):
    # A control: an inline script is blocked and reported, so "no violations" above means none.
    page = CryptoPage(browser_page)
    browser_page.goto(crypto_server + "/")
    assert page.violations() == []
    browser_page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.inlineRan = true;';
            document.body.appendChild(s);
        }"""
    )
    # The report event is queued as a task; wait on the page (wait_for_function would use eval).
    browser_page.evaluate("() => new Promise((done) => setTimeout(done, 100))")
    assert browser_page.evaluate("window.inlineRan === undefined") is True
    assert page.violations()[0]["directive"] == "script-src-elem"


def test_token_keys_outside_the_python_limits_are_refused(crypto_page):
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    odd_e = rsa.generate_private_key(public_exponent=3, key_size=2048)
    refused = crypto_page.run(
        """async (keys) => Promise.all(keys.map(async (k) => {
            try { await P.importTokenKey(h(k)); return null; } catch (e) { return e.name; }
        }))""",
        [blindrsa.public_key_der(k).hex() for k in (small, odd_e)] + ["3000"],
    )
    assert refused == ["PledgeCryptoError"] * 3
    for key in (small, odd_e):
        with pytest.raises(CryptoError):
            blindrsa.load_public_key(blindrsa.public_key_der(key))
