"""What the signer types, and what ``pledge-sign sign`` tells them before they submit it.

The payload and its field rules are :mod:`crypto.formats.payload`; here the fields are asked
for at the keyboard. The payload is sealed on the signer's machine; nobody reads it before the
reveal. At the reveal, though, partial decryptions are public and anyone can redo the
decryption, so everything sealed becomes public then. That is why a signer who chooses
``anonymous`` is not asked for a name at all: an empty name is sealed. Nor is a role, unless
they choose to include one (``--include-role``): a role can single a person out at a small lab.
Only the statement (if any) is then published with their lab.
"""

from __future__ import annotations

from collections.abc import Callable

from crypto.formats.counts import count
from crypto.formats.errors import CheckFailed
from crypto.formats.files import Rule
from crypto.formats.payload import MAX_NAME, MAX_ROLE, MAX_STATEMENT, Details, clean, details_from, role_sealed

from ..text import plain_text, printable
from .campaign_check import SealingKey

Ask = Callable[[str], str]


# --- asking at the keyboard -----------------------------------------------------------------


def _read(ask: Ask, prompt: str) -> str:
    try:
        return ask(prompt)
    except EOFError:
        raise CheckFailed("nothing was entered; nothing was sent") from None


def _ask_field(ask: Ask, prompt: str, check: Callable[[str], str], say: Callable[[str], None],
               ) -> str:
    """Ask until ``check`` accepts the answer (three tries)."""
    for attempt in range(3):
        try:
            return check(_read(ask, prompt))
        except ValueError as exc:
            if attempt == 2:
                raise CheckFailed(f"{exc}; nothing was sent") from None
            say(f"  {str(exc).capitalize()}.")
    raise CheckFailed("nothing was sent")  # not reached


def _ask_display(ask: Ask, lab: str, say: Callable[[str], None]) -> str:
    def check(answer: str) -> str:
        value = answer.strip().lower()
        if value in ("n", "name"):
            return "name"
        if value in ("a", "anonymous"):
            return "anonymous"
        raise ValueError("answer name or anonymous")

    say("At the reveal, show your name, or count you as an anonymous verified researcher at "
        f"{printable(lab)}?")
    return _ask_field(ask, "  name / anonymous: ", check, say)


def ask_details(ask: Ask, say: Callable[[str], None], lab: str, given: dict[str, str | None],
                include_role: bool = False) -> Details:
    """Ask for whatever ``given`` (the command-line flags) leaves out, then check it all. An
    anonymous signer is asked for a role only with ``include_role``."""
    display = given.get("display") or _ask_display(ask, lab, say)
    name = given.get("name")
    if name is None and display == "name":
        name = _ask_field(ask, "Your name (published at the reveal): ",
                          lambda v: clean(v, "name", MAX_NAME, required=True), say)
    role = given.get("role")
    if role is None and role_sealed(display, include_role):
        role = _ask_field(ask, "Your role, e.g. Research scientist (published at the reveal): ",
                          lambda v: clean(v, "role", MAX_ROLE, required=True), say)
    elif role is None:
        say("No role is sealed: you sign anonymously (to include your role, run again with "
            "--include-role).")
    statement = given.get("statement")
    if statement is None:
        statement = _ask_field(ask, "A statement, optional (published at the reveal; Enter for "
                               "none): ", lambda v: clean(v, "statement", MAX_STATEMENT,
                                                          required=False), say)
    try:
        return details_from(display, name or "", role or "", statement, include_role=include_role)
    except ValueError as exc:
        raise CheckFailed(f"{exc}; nothing was sent") from None


# --- what the signer is told ----------------------------------------------------------------


def campaign_text(key: SealingKey) -> list[str]:
    """The pledge as its manifest states it: title, text, conditions, rule, deadline."""
    rule = key.manifest.rule
    lines = [f"“{printable(key.campaign.title)}”", ""]
    lines += [f"  {printable(line, 2000)}" for line in plain_text(key.text("pledge_text")).splitlines()]
    lines += ["", "Conditions:"]
    lines += [f"  {i}. {printable(c, 2000)}" for i, c in enumerate(key.conditions(), start=1)]
    lines += ["", rule_text(rule, printable(key.text("deadline")))]
    return lines


def rule_text(rule: Rule, deadline: str) -> str:
    """The threshold in words; the per-lab part only when the rule has one."""
    text = f"Threshold: {count(rule.min_total, 'signature')} overall"
    if rule.min_labs and rule.min_per_lab:
        where = "one lab" if rule.min_labs == 1 else f"each of at least {rule.min_labs} labs"
        text += f", at least {rule.min_per_lab} at {where}"
    return f"{text}, before {deadline}."


def disclosure(key: SealingKey) -> list[str]:
    """Who can see what, and when (docs/threat-model.md), in plain words, before anything is sent."""
    m, lab = key.manifest, printable(key.lab_name())
    return [
        "Who can see what, and when:",
        "  - Now: what you type is sealed on this computer under the campaign key, which the "
        f"{m.n} trustees hold jointly. The server receives only the sealed text, your token for "
        f"{lab} and a withdrawal key: it cannot read your signature, and cannot link your token "
        "to the address you verified.",
        f"  - Before your signature is revealed, {_who_cannot_read(m.t, m.n)} The public log "
        "shows your entry with a commitment to your lab, not the lab itself, and the public sees "
        f"the total{_per_lab(m.rule.min_per_lab)}. The trustees check every entry's lab before a "
        "reveal, so they learn per-lab counts.",
        f"  - {_k_rule(m.k)}",
        f"  - At most two rounds: the first when the threshold is met, the last at the deadline. "
        f"A round decrypts, per lab, all of that lab's unrevealed signatures if there are at least "
        f"{m.k}, else none; what you sealed is then public, and anyone can redo the decryption.",
        "  - A signature never revealed (the threshold never met, or too few at its lab by the "
        "deadline) is never decrypted, and is deleted when the campaign ends.",
        "  - Until a round that includes your signature is frozen you can withdraw: "
        "pledge-sign withdraw RECEIPT. Your sealed signature is then deleted and never "
        "decrypted; the withdrawal appears in the public log with the next batch.",
        "  - Use your own computer and network, not your employer's: a managed computer or "
        "network can see what you type and which sites you reach.",
    ]


def _per_lab(min_per_lab: int) -> str:
    if min_per_lab:
        return f" and, per lab, only whether it has reached {min_per_lab}: no per-lab number"
    return ", and no per-lab number"


def _k_rule(k: int) -> str:
    if k > 1:
        return (f"You are revealed only together with at least {count(k - 1, 'other')} from your "
                f"lab (k = {k}).")
    return ("This is a practice campaign with k = 1: a signature can be revealed even if it is the "
            "only one from its lab.")


def _who_cannot_read(t: int, n: int) -> str:
    if t > 1:
        return ("nobody can read it: not the site's operators, not the organizers, not any "
                f"group of fewer than {t} of the {n} trustees.")
    who = f"any single one of its {n} trustees" if n > 1 else "its one trustee"
    return f"the site's operators and the organizers cannot read it, but this campaign lets {who} decrypt."


def summary(details: Details, lab: str) -> list[str]:
    """What will be sealed, shown once before the signer confirms (never after submission)."""
    shown = ("your name" if details.display == "name"
             else f"anonymous: a verified researcher at {printable(lab)}, with no name sealed")
    return [
        "You are about to seal and submit:",
        f"  shown at the reveal: {shown}",
        *([f"  name: {printable(details.name)}"] if details.name else []),
        f"  role: {printable(details.role) if details.role else '(none)'}",
        f"  statement: {printable(details.statement) if details.statement else '(none)'}",
    ]
