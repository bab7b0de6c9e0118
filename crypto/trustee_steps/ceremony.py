"""The key ceremony as a trustee runs it: ``init``, ``deal`` and ``finish``, and, when a trustee
complains, ``answer`` and ``adjudicate`` (docs/protocol.md §4).

Each step reads files, checks them, says in plain words what it checked (its
:class:`~.report.StepReport`), and writes new files (never over existing ones). Secrets are
never reported. Python cannot overwrite memory it has
handed to immutable ``bytes``: "erasing" a secret here means dropping every reference to it as
soon as it is no longer needed, and ``pledge-trustee`` exits right after each step.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import nacl.utils
from nacl.public import PrivateKey

from .. import complaints, dkg, group
from ..errors import PRIVATE_COMPLAINTS, Complaint, CryptoError, InvalidAnswer, InvalidDeal
from ..formats import messages
from ..formats.errors import CheckFailed, ComplaintFiled
from ..formats.files import (
    Accusation,
    Board,
    ManifestPackage,
    SignedAnswer,
    SignedStatement,
    answer_doc,
    complaint_doc,
    deal_doc,
    load_board,
    load_ceremony,
    transcript_signature_doc,
)
from ..formats.jsonfile import ensure_absent, write_document
from ..formats.keys import (
    KeyFile,
    TrusteeSecrets,
    check_new_passphrase,
    key_doc,
    load_key,
    public_doc,
    share_doc,
    unlock_key,
)
from ..hashing import canonical_json
from .report import Passphrase, Progress, StepReport, obtain

MAX_NAME = 200


def public_path(key_path: Path) -> Path:
    """Where ``init`` writes the public half: ``KEYFILE.pub.json``."""
    return key_path.with_name(key_path.name + ".pub.json")


def init(
    name: str, out: Path, kdf: str, passphrase: Passphrase, *, progress: Progress | None = None
) -> StepReport:
    """Generate the trustee's keys; write the key file, locked with the new ``passphrase``, and
    its public half."""
    report = StepReport(progress=progress)
    if not 1 <= len(name) <= MAX_NAME or not name.isprintable():
        raise CheckFailed(f"--name must be 1 to {MAX_NAME} printable characters")
    pub = public_path(out)
    ensure_absent(out, pub)
    phrase = obtain(passphrase, f"the new key file {out}")
    check_new_passphrase(phrase)
    secrets = TrusteeSecrets(nacl.utils.random(32), bytes(PrivateKey.generate()))
    doc = key_doc(name, secrets, phrase, kdf)
    del secrets, phrase
    write_document(out, doc, secret=True)
    report.wrote(out)
    public = public_doc(name, doc["ed25519"], doc["x25519"])
    write_document(pub, public)
    report.wrote(pub)
    say = report.say
    say(f"Generated a new Ed25519 signing key and X25519 encryption key for {name!r}.")
    say(f"Wrote {out}: your secret keys, encrypted with your passphrase (Argon2id, "
        f"{kdf} cost), readable only by you. Keep it offline and back it up.")
    say("Once uploaded, the web app's page for your keys shows these fingerprints; check that they are the same:")
    say(f"  signing key fingerprint: {messages.fingerprint(doc['ed25519'])}")
    say(f"  encryption key fingerprint: {messages.fingerprint(doc['x25519'])}")
    say(f"Wrote {pub}: your public keys. Upload it to the web app (or paste the line below):")
    say(public_line(public))
    return report


def public_line(public: dict[str, object]) -> str:
    """The public half as the one line of canonical JSON the web app accepts when pasted."""
    return canonical_json(public).decode("utf-8")


def _identify(
    key: KeyFile, package: ManifestPackage, package_path: Path, say: Progress
) -> int:
    """Check the package's ctx (done on load) and find this trustee's index in the manifest."""
    manifest = package.manifest
    say(f"Checked {package_path}: ctx matches the manifest of campaign {manifest.campaign_id} "
        f"(ctx fingerprint {messages.fingerprint(package.ctx)}).")
    j = manifest.index_of(key.ed25519, key.x25519)
    if j is None:
        raise CheckFailed(f"the public keys of {key.path} are not among the trustees of the "
                          f"manifest in {package_path}")
    say(f"Checked: you are trustee {j} of {manifest.n} (listed as "
        f"{manifest.trustees[j].name!r}); any {manifest.t} trustees together can decrypt.")
    return j


def deal(
    key_path: Path, package_path: Path, out: Path, passphrase: Passphrase, *,
    progress: Progress | None = None,
) -> StepReport:
    """Make this trustee's deal for the ceremony and write it (``passphrase`` opens the key)."""
    report = StepReport(progress=progress)
    say = report.say
    ensure_absent(out)
    key = load_key(key_path)
    package = load_ceremony(package_path)
    j = _identify(key, package, package_path, say)
    secrets = unlock_key(key, obtain(passphrase, str(key_path)))
    manifest, ctx = package.manifest, package.ctx
    made = dkg.deal(ctx, j, manifest.t, secrets.signing_seed, secrets.x25519_secret,
                    manifest.recipients)
    del secrets  # the polynomial's coefficients never left dkg.deal
    dkg.check_deal_public(ctx, manifest.t, manifest.n, made, key.ed25519)
    write_document(out, deal_doc(ctx, made))
    report.wrote(out)
    say(f"Made your deal: {manifest.t} commitments, a proof of possession, and one encrypted "
        f"share for each of the {manifest.n} trustees; checked it and signed it.")
    say(f"Wrote {out}. Upload it to the board. Your polynomial was never written anywhere.")
    return report


def _open_board(
    board: Board, package: ManifestPackage, j: int, secrets: TrusteeSecrets, say: Progress
) -> tuple[list[bytes], list[InvalidDeal]]:
    """Check every deal from trustee j's point of view; return j's shares and the failures."""
    manifest, ctx = package.manifest, package.ctx
    shares, failures = [], []
    for i in range(1, manifest.n + 1):
        try:
            dealt = board.deal(i)
            shares.append(dkg.verify_deal(ctx, manifest.t, manifest.n, dealt,
                                          manifest.dkg_keys(i), j, secrets.x25519_secret))
            say(f"Checked the deal from trustee {i}{' (yours)' if i == j else ''}: points, "
                "signature, proof of possession, your share's context and the Feldman check.")
        except InvalidDeal as failure:
            say(f"FAILED: the deal from trustee {i}: {failure.reason.value}.")
            failures.append(failure)
    return shares, failures


def _refuse_public_failures(failures: list[InvalidDeal], j: int) -> None:
    """Stop if a deal fails a check the server makes before it stores a deal, or if this
    trustee's own deal fails: neither is something to complain about."""
    public = [f for f in failures if f.reason not in PRIVATE_COMPLAINTS]
    if public:
        named = ", ".join(f"trustee {f.dealer}'s deal ({f.reason.value})" for f in public)
        raise CheckFailed(
            f"the server served a deal that fails a public check: {named}. The server checks "
            "this before it stores a deal, so the server is misbehaving (or the board file was "
            "altered): tell the organizer. No complaint was filed and no share was stored.")
    own = [f for f in failures if f.dealer == j]
    if own:
        raise CheckFailed(
            f"your own deal fails your check ({own[0].reason.value}): it is not the deal your "
            "tool made. Tell the organizer. No complaint was filed and no share was stored.")


def _file_complaint(
    out: Path, ctx: bytes, j: int, secrets: TrusteeSecrets, failures: list[InvalidDeal],
    report: StepReport,
) -> NoReturn:
    accusations = [
        Accusation(f.dealer, f.reason.value, messages.sign(
            secrets.signing_seed,
            messages.complaint_message(ctx, j, f.dealer, f.reason.value)))
        for f in failures
    ]
    write_document(out, complaint_doc(ctx, j, accusations))
    report.wrote(out)
    accused = ", ".join(f"trustee {f.dealer} ({f.reason.value})" for f in failures)
    report.say(f"Wrote {out}: your signed complaint. Upload it to the board. No share was stored.")
    raise ComplaintFiled(f"complaint filed against {accused}; see {out}")


def finish(
    key_path: Path, package_path: Path, board_path: Path, share_out: Path, out: Path, kdf: str,
    passphrase: Passphrase, *, progress: Progress | None = None,
) -> StepReport:
    """Check the board; store ``x_j`` and sign the transcript, or file a complaint
    (:class:`~crypto.formats.errors.ComplaintFiled`). ``passphrase`` opens the key file and
    locks the share file."""
    report = StepReport(progress=progress)
    say = report.say
    ensure_absent(share_out, out)
    key = load_key(key_path)
    package = load_ceremony(package_path)
    j = _identify(key, package, package_path, say)
    manifest, ctx = package.manifest, package.ctx
    board = load_board(board_path, manifest.n)
    if board.ctx != ctx:
        raise CheckFailed(f"{board_path}: the board is for another campaign (its ctx differs)")
    phrase = obtain(passphrase, str(key_path))
    secrets = unlock_key(key, phrase)
    shares, failures = _open_board(board, package, j, secrets, say)
    if failures:
        _refuse_public_failures(failures, j)
        _file_complaint(out, ctx, j, secrets, failures, report)
    x_j = dkg.combine_shares(shares)
    del shares
    commitments = {i: board.deal(i).commitments for i in range(1, manifest.n + 1)}
    transcript = dkg.transcript(ctx, commitments)
    Y, Yj = dkg.group_key(commitments), dkg.verification_key(commitments, j)
    if group.scalarmult_base(x_j) != Yj:
        raise CheckFailed("your combined share does not match your verification key Y_j")
    doc = share_doc(ctx, j, transcript, Y, Yj, x_j, phrase, kdf)
    del x_j, phrase
    write_document(share_out, doc, secret=True)
    report.wrote(share_out)
    say(f"Wrote {share_out}: your share x_{j}, encrypted with the passphrase of your key file "
        f"(Argon2id, {kdf} cost). Keep it offline; it is needed at every reveal.")
    signature = messages.sign(secrets.signing_seed, messages.transcript_message(ctx, j, transcript))
    write_document(out, transcript_signature_doc(SignedStatement(ctx, j, signature, transcript)))
    report.wrote(out)
    say(f"Wrote {out}: your signature of the transcript. Upload it to the board.")
    say("Compare these with the other trustees (they must be the same for everyone):")
    say(f"  transcript fingerprint: {messages.fingerprint(transcript)}")
    say(f"  Y (campaign key) fingerprint: {messages.fingerprint(Y)}")
    say(f"Your verification key Y_{j} fingerprint: {messages.fingerprint(Yj)}")
    return report


# --- complaints: the dealer's answer and anyone's verdict -------------------------------------


def _load_board_for(package: ManifestPackage, board_path: Path) -> Board:
    board = load_board(board_path, package.manifest.n)
    if board.ctx != package.ctx:
        raise CheckFailed(f"{board_path}: the board is for another campaign (its ctx differs)")
    return board


def _complaint_problem(package: ManifestPackage, j: int, accusation: Accusation) -> str | None:
    """Why a complaint on the board is not a valid one, or ``None``."""
    manifest, ctx, i = package.manifest, package.ctx, accusation.accused
    try:
        messages.verify(manifest.trustees[j].ed25519,
                        messages.complaint_message(ctx, j, i, accusation.reason),
                        accusation.signature)
    except CryptoError:
        return f"trustee {j}'s signature on it does not verify"
    if Complaint(accusation.reason) not in PRIVATE_COMPLAINTS:
        return (f"it names {accusation.reason}, a public check the server makes before it "
                "stores a deal: the server should have refused it")
    return None


def _public_deal(package: ManifestPackage, board: Board, i: int) -> dkg.Deal:
    manifest = package.manifest
    dealt = board.deal(i)
    dkg.check_deal_public(package.ctx, manifest.t, manifest.n, dealt, manifest.trustees[i].ed25519)
    return dealt


def answer(
    key_path: Path, package_path: Path, board_path: Path, out: Path, passphrase: Passphrase, *,
    progress: Progress | None = None,
) -> StepReport:
    """Answer every complaint against this trustee on the board: reveal the shared point of each
    complainant's box with its proof, signed, in a ``complaint-answer`` file."""
    report = StepReport(progress=progress)
    say = report.say
    ensure_absent(out)
    key = load_key(key_path)
    package = load_ceremony(package_path)
    i = _identify(key, package, package_path, say)
    manifest, ctx = package.manifest, package.ctx
    board = _load_board_for(package, board_path)
    against = [(j, a) for j, a in board.accusations() if a.accused == i]
    if not against:
        raise CheckFailed(f"{board_path} holds no complaint against you (trustee {i}): there is "
                          "nothing to answer")
    for j, accusation in against:
        problem = _complaint_problem(package, j, accusation)
        if problem:
            raise CheckFailed(f"the complaint of trustee {j} against you is not valid: {problem}. "
                              "Nothing was written: tell the organizer.")
        say(f"Checked the complaint of trustee {j} against you ({accusation.reason}): signed by "
            f"trustee {j}.")
    try:
        dealt = _public_deal(package, board, i)
    except InvalidDeal as failure:
        raise CheckFailed(f"your deal on the board fails a public check ({failure.reason.value}): "
                          "it is not the deal you made. Nothing was written: tell the organizer."
                          ) from failure
    say("Checked your deal on the board: it is the one you signed (points, signature over every "
        "encrypted share, proof of possession).")
    secrets = unlock_key(key, obtain(passphrase, str(key_path)))
    signed: list[SignedAnswer] = []
    for j, _ in against:
        made = complaints.answer_complaint(ctx, i, j, secrets.x25519_secret,
                                           manifest.trustees[j].x25519)
        message = messages.complaint_answer_message(ctx, i, j, made.shared_point, made.a1,
                                                    made.a2, made.z)
        signed.append(SignedAnswer(j, made, messages.sign(secrets.signing_seed, message)))
        verdict = complaints.adjudicate(ctx, manifest.t, manifest.n, dealt, j,
                                        manifest.trustees[i].x25519,
                                        manifest.trustees[j].x25519, made)
        say(f"Answered trustee {j}: anyone can now open the share you dealt to trustee {j} and "
            f"will find: {verdict.reason}"
            f"{' (you are at fault)' if verdict.dealer_at_fault else ''}.")
    del secrets
    write_document(out, answer_doc(ctx, i, signed))
    report.wrote(out)
    say(f"Wrote {out}: your signed answer. Upload it to the board.")
    say("Uploading it reveals, for each complaint, the key of the boxes between you and the "
        "complainant: the share you dealt them and the share they dealt you both become public. "
        "That is harmless: after a complaint is settled the ceremony starts again and every trustee "
        "makes a new deal, so the revealed shares protect nothing.")
    return report


def adjudicate(
    package_path: Path, board_path: Path, *, progress: Progress | None = None
) -> StepReport:
    """Say who lied in each complaint on the board, from the ceremony package and the board alone
    (no key is needed: anyone can check)."""
    report = StepReport(progress=progress)
    say = report.say
    package = load_ceremony(package_path)
    manifest, ctx = package.manifest, package.ctx
    say(f"Checked {package_path}: ctx matches the manifest of campaign {manifest.campaign_id} "
        f"(ctx fingerprint {messages.fingerprint(ctx)}).")
    board = _load_board_for(package, board_path)
    accusations = board.accusations()
    if not accusations:
        say("The board holds no complaint.")
        return report
    for j, accusation in accusations:
        i = accusation.accused
        say(f"Complaint of trustee {j} against trustee {i} ({accusation.reason}):")
        say(f"  {_settle(package, board, j, accusation)}")
    return report


def _settle(package: ManifestPackage, board: Board, j: int, accusation: Accusation) -> str:
    """The verdict on one complaint, or why there is none yet, in one line."""
    manifest, ctx, i = package.manifest, package.ctx, accusation.accused
    problem = _complaint_problem(package, j, accusation)
    if problem:
        return f"not a valid complaint: {problem}."
    try:
        dealt = _public_deal(package, board, i)
    except InvalidDeal as failure:
        return (f"trustee {i}'s deal on the board fails a public check "
                f"({failure.reason.value}): the server should never have stored it.")
    signed = board.answer_to(i, j)
    if signed is None:
        return f"no answer from trustee {i} yet: trustee {i} must answer (pledge-trustee answer)."
    try:
        verdict = complaints.signed_verdict(ctx, manifest.t, manifest.n, dealt, j,
                                            manifest.dkg_keys(i), manifest.trustees[j].x25519,
                                            signed.answer, signed.signature)
    except InvalidAnswer as refused:
        return f"the answer is refused: {refused.reason}, so it proves nothing."
    who = "the dealer" if verdict.dealer_at_fault else "the complainant"
    return (f"verdict: trustee {verdict.at_fault} ({who}) is at fault: {verdict.reason}.")
