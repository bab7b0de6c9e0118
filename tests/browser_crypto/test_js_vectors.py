"""The browser twin reproduces every shared test vector, byte for byte, in Chromium.

The vectors under ``tests/vectors/`` are generated once by the Python implementation; an
independent implementation must agree with them. Each test runs the whole file in one
``page.evaluate`` and compares the results here, so a failure names the vector.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa

from crypto.blindrsa import public_key_der
from tests.browser_crypto.kit import load_vectors


def test_hash_vectors(crypto_page):
    vectors = load_vectors("hash.json")
    outputs = crypto_page.run(
        "(vs) => vs.map((v) => x(P.H(v.tag, v.parts.map(h), v.n)))", vectors
    )
    for vector, out in zip(vectors, outputs, strict=True):
        assert out == vector["out"], vector


def test_seal_vectors_give_the_exact_ciphertext(crypto_page):
    vectors = load_vectors("seal.json")
    results = crypto_page.run(
        """(vs) => vs.map((v) => {
            const ct = P.seal(h(v.Y), h(v.ad), h(v.payload),
                              { r: h(v.r), w: h(v.w), nonce: h(v.nonce) });
            return { ct: x(ct), ok: P.checkCiphertext(h(v.Y), h(v.ad), ct) };
        })""",
        vectors,
    )
    for vector, result in zip(vectors, results, strict=True):
        assert result["ct"] == vector["ciphertext"]
        assert result["ok"] is True


def test_seal_vector_ciphertexts_fail_the_check_when_tampered(crypto_page):
    vectors = load_vectors("seal.json")
    results = crypto_page.run(
        """(vs) => vs.map((v) => {
            const Y = h(v.Y), ad = h(v.ad), ct = h(v.ciphertext);
            const flip = (i) => { const c = ct.slice(); c[i] ^= 1; return c; };
            const otherAd = ad.slice(); otherAd[0] ^= 1;
            return [
                P.checkCiphertext(Y, ad, ct),
                P.checkCiphertext(Y, otherAd, ct),      // wrong ad
                P.checkCiphertext(Y, ad, flip(40)),     // e
                P.checkCiphertext(Y, ad, flip(70)),     // s
                P.checkCiphertext(Y, ad, flip(500)),    // box
                P.checkCiphertext(Y, ad, flip(0)),      // R
                P.checkCiphertext(Y, ad, ct.slice(0, 1159)),
            ];
        })""",
        vectors,
    )
    for result in results:
        assert result == [True, False, False, False, False, False, False]


def test_combine_vector_ciphertexts_pass_the_public_check(crypto_page):
    vectors = load_vectors("combine.json")
    results = crypto_page.run(
        "(vs) => vs.map((v) => P.checkCiphertext(h(v.Y), h(v.ad), h(v.ciphertext)))", vectors
    )
    assert results == [True] * len(vectors)


def test_dkg_vectors_y_is_the_sum_of_first_commitments(crypto_page):
    vectors = load_vectors("dkg.json")
    results = crypto_page.run(
        """(vs) => vs.map((v) => {
            const firsts = Object.keys(v.commitments).map((i) => h(v.commitments[i][0]));
            const Y = h(v.Y);
            const wrong = P.computeY([...firsts, firsts[0]]);  // Y + C_10, never Y
            let refused = false;
            try { P.checkY(wrong, firsts); } catch (e) { refused = e.name === 'PledgeCryptoError'; }
            return { Y: x(P.computeY(firsts)), checked: x(P.checkY(Y, firsts)), refused };
        })""",
        vectors,
    )
    for vector, result in zip(vectors, results, strict=True):
        assert result == {"Y": vector["Y"], "checked": vector["Y"], "refused": True}


def test_merkle_vectors_roots_and_inclusion_proofs(crypto_page):
    vectors = load_vectors("merkle.json")
    results = crypto_page.run(
        """(vs) => vs.map((v) => {
            const hashes = v.leaves.map((leaf) => P.leafHash(h(leaf)));
            const root = h(v.root), size = hashes.length;
            return {
                root: x(P.rootFromLeafHashes(hashes)),
                proofs: v.inclusion.map((inc) => {
                    const proof = inc.proof.map(h), i = inc.index;
                    const bent = proof.map((p, k) => {
                        if (k > 0) return p; const q = p.slice(); q[0] ^= 1; return q;
                    });
                    return [
                        P.verifyInclusion(hashes[i], i, size, proof, root),
                        P.verifyInclusion(hashes[(i + 1) % size], i, size, proof, root),
                        P.verifyInclusion(hashes[i], i, size, proof, hashes[i]),
                        P.verifyInclusion(hashes[i], i, size, [...proof, root], root),
                        proof.length > 0 && P.verifyInclusion(hashes[i], i, size, bent, root),
                        P.verifyInclusion(hashes[i], size, size, proof, root),
                    ];
                }),
            };
        })""",
        vectors,
    )
    for vector, result in zip(vectors, results, strict=True):
        assert result["root"] == vector["root"]
        size = len(vector["leaves"])
        for proof in result["proofs"]:
            # in a one-leaf tree the "other" leaf is the leaf and the leaf hash is the root
            lone = size == 1
            assert proof == [True, lone, lone, False, False, False]


def _rfc9474_public_key_spki(vector: dict) -> str:
    numbers = rsa.RSAPublicNumbers(int(vector["e"], 16), int(vector["n"], 16))
    return public_key_der(numbers.public_key()).hex()


def test_rfc9474_vectors_finalize_and_verify(crypto_page):
    vectors = [
        {**v, "spki": _rfc9474_public_key_spki(v)}
        for v in load_vectors("rfc9474.json")["vectors"]
        if v["name"] == "RSABSSA-SHA384-PSS-Randomized"
    ]
    assert vectors
    results = crypto_page.run(
        """async (vs) => Promise.all(vs.map(async (v) => {
            const key = await P.importTokenKey(h(v.spki));
            const prepared = P.prepareToken(h(v.msg), h(v.msg_prefix));
            const sig = await P.finalizeToken(key, prepared, h(v.blind_sig), h(v.inv));
            const badSig = h(v.sig); badSig[100] ^= 1;
            const badBlind = h(v.blind_sig); badBlind[100] ^= 1;
            let refused = false;
            try { await P.finalizeToken(key, prepared, badBlind, h(v.inv)); }
            catch (e) { refused = e.name === 'PledgeCryptoError'; }
            return {
                prepared: x(prepared),
                sig: x(sig),
                verifies: await P.verifyToken(key, prepared, h(v.sig)),
                verifiesFromSpki: await P.verifyToken(h(v.spki), prepared, h(v.sig)),
                tamperedSig: await P.verifyToken(key, prepared, badSig),
                otherMessage: await P.verifyToken(key, h(v.msg), h(v.sig)),
                refused,
            };
        }))""",
        vectors,
    )
    for vector, result in zip(vectors, results, strict=True):
        assert result == {
            "prepared": vector["prepared_msg"],
            "sig": vector["sig"],
            "verifies": True,
            "verifiesFromSpki": True,
            "tamperedSig": False,
            "otherMessage": False,
            "refused": True,
        }


# --- v2 encodings: canonical JSON, leaves, tree heads -------------------------------------------

# Parse vector input as canonical JSON means it: an integer that a JavaScript number cannot hold
# exactly becomes a BigInt (JSON.parse source text access), everything else stays as parsed.
PARSE_EXACT = """(text) => JSON.parse(text, (key, value, context) =>
    (typeof value === 'number' && !Number.isSafeInteger(value) && /^-?[0-9]+$/.test(context.source))
        ? BigInt(context.source) : value)"""


def test_canonical_json_vectors(crypto_page):
    vectors = load_vectors("canonical_json.json")
    results = crypto_page.run(
        f"""(vs) => {{
            const parse = {PARSE_EXACT};
            const attempt = (v) => {{
                try {{ return {{ out: x(P.canonicalJson(parse(v.input))) }}; }}
                catch (e) {{ return {{ refused: e.name }}; }}
            }};
            return {{ valid: vs.valid.map(attempt), refused: vs.refused.map(attempt) }};
        }}""",
        vectors,
    )
    for vector, result in zip(vectors["valid"], results["valid"], strict=True):
        assert result == {"out": vector["output"]}, vector["name"]
    for vector, result in zip(vectors["refused"], results["refused"], strict=True):
        assert result == {"refused": "PledgeCryptoError"}, vector["name"]


def test_leaf_vectors_reencode_and_hash_alike(crypto_page):
    vectors = load_vectors("events.json")["leaves"]
    results = crypto_page.run(
        """(vs) => vs.map((v) => {
            const leaf = h(v.leaf);
            const parsed = JSON.parse(new TextDecoder().decode(leaf));
            return { again: x(P.canonicalJson(parsed)), hash: x(P.leafHash(leaf)), v: parsed.v };
        })""",
        vectors,
    )
    for vector, result in zip(vectors, results, strict=True):
        assert result == {"again": vector["leaf"], "hash": vector["leaf_hash"], "v": 2}, vector["name"]


def test_entry_vector_as_the_signing_page_builds_it(crypto_page):
    # static/js/sign.js builds the expected entry leaf from the opening, with P.H for the lab
    # commitment (docs/protocol.md §7), and P.WIRE_VERSION
    events = load_vectors("events.json")
    entry = next(v for v in events["leaves"] if v["kind"] == "entry")
    result = crypto_page.run(
        """(a) => {
            const o = JSON.parse(new TextDecoder().decode(h(a.entry.leaf)));
            const op = a.opening;
            const commitment = P.H('lab-commitment', [P.utf8(op.slug), h(op.prepared_message),
                                                      h(op.token_signature), h(op.nonce)], 32);
            const leaf = P.canonicalJson({
                ciphertext_sha256: h(o.ciphertext_sha256), kind: 'entry', lab_commitment: commitment,
                nullifier: P.nullifier(h(op.prepared_message)), v: P.WIRE_VERSION,
                withdrawal_key: h(o.withdrawal_key),
            });
            return { leaf: x(leaf), hash: x(P.leafHash(leaf)), format: P.WIRE_FORMAT };
        }""",
        {"entry": entry, "opening": events["opening"]},
    )
    assert result == {"leaf": entry["leaf"], "hash": entry["leaf_hash"], "format": "v2"}


def test_lab_commitment_vectors_in_the_browser(crypto_page):
    cases = load_vectors("openings.json")["cases"]
    results = crypto_page.run(
        """(cs) => cs.map((c) => {
            const op = c.opening;
            return {
                commitment: x(P.H('lab-commitment', [P.utf8(op.slug), h(op.prepared_message),
                                                     h(op.token_signature), h(op.nonce)], 32)),
                nullifier: x(P.nullifier(h(op.prepared_message))),
            };
        })""",
        cases,
    )
    for case, result in zip(cases, results, strict=True):
        assert result == {"commitment": case["commitment"], "nullifier": case["nullifier"]}, case["name"]


def test_head_vectors_message_and_signature(crypto_page):
    vectors = load_vectors("heads.json")
    results = crypto_page.run(
        """(vs) => vs.heads.map((head) => {
            const id = P.utf8(head.log_id), root = h(head.root), key = h(vs.log_key);
            const sig = h(head.signature);
            const verify = (k, i, size, ts, r, s) => P.verifyTreeHead(k, i, size, ts, r, s);
            const bent = sig.slice(); bent[10] ^= 1;
            const otherId = P.utf8(head.log_id.slice(0, -1) + (head.log_id.endsWith('0') ? '1' : '0'));
            return {
                message: x(P.treeHeadMessage(id, head.size, head.timestamp, root)),
                verifies: verify(key, id, head.size, head.timestamp, root, sig),
                refused: [
                    verify(key, id, head.size, head.timestamp, root, bent),
                    verify(key, otherId, head.size, head.timestamp, root, sig),
                    verify(key, id, head.size + 1, head.timestamp, root, sig),
                    verify(key, id, head.size, head.timestamp + 1, root, sig),
                    verify(key, id, head.size, head.timestamp, new Uint8Array(32), sig),
                    // a witness's cosignature is not the log's signature
                    ...Object.entries(head.cosignatures).map(([k, s]) =>
                        verify(h(k), id, head.size, head.timestamp, root, h(s))),
                ],
            };
        })""",
        vectors,
    )
    for head, result in zip(vectors["heads"], results, strict=True):
        assert result["message"] == head["message"]
        assert result["verifies"] is True
        assert result["refused"] == [False] * (5 + len(head["cosignatures"]))
