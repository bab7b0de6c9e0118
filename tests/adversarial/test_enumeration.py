"""Enumeration: nobody learns from an answer, or from how long it took, whether an address is
new, over its send cap, or verified before, whether it has a live code, nor whether a staff
email has an account (issue 8; docs/threat-model.md: "no 'already signed' signal").

For each case 200 requests, interleaved in a random order: the bodies must be byte-identical
(for login, once the CSRF token and the echoed email are taken out; for a code send, once its
fresh random handle is taken out) and the timings must be
statistically indistinguishable: a two-sample Kolmogorov–Smirnov test between every pair of
cases must give p > 0.001, both on the raw timings and on the timings less the running median
of their neighbours in time (which takes out the machine's drifting load, see ``detrended``),
and the medians must differ by less than 20%.

``/api/verify/start`` and ``/api/verify/check`` pad every answer to
``VERIFY_MIN_RESPONSE_SECONDS`` (1 s in production;
here a few times the slowest path's own time, measured first, see ``calibrated_pad``); login runs
one argon2id verification whether or not the account exists (here 2
passes over 8 MiB, about half of the request's time; production spends more on it).
"""

from __future__ import annotations

import gc
import json
import math
import random
import re
import secrets
import statistics
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from crypto import blindrsa
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Role, TokenIssuance, VerificationCode, utcnow
from pledge.services import affiliation
from pledge.services.accounts import PasswordCost, create_user
from tests.kit.forms import csrf_from
from tests.mailsink import MailSink

SAMPLES = 200
P_MIN = 0.001
MEDIAN_SPREAD = 0.20
# The answer's minimum time (production: VERIFY_MIN_RESPONSE_SECONDS = 1 s) must exceed the
# slowest path's own time, or the padding hides nothing: a fixed 50 ms did not on PostgreSQL on a
# loaded two-core machine (medians about 65 ms), and a fixed 120 ms spent over a minute asleep on
# an idle one. So the test measures each path unpadded first, on this machine and backend, and
# pads to PAD_FACTOR times the slowest path's 90th percentile, within [PAD_FLOOR, PAD_CEILING].
CALIBRATION_SAMPLES = 20
PAD_FACTOR = 3.0
PAD_FLOOR = 0.04
PAD_CEILING = 0.25
# Neighbours (in time, any case) whose median is taken out of each timing: about 0.1 s of login.
DETREND_WINDOW = 11
COST = PasswordCost(opslimit=2, memlimit=8 * 1024 * 1024)
JSON_HEADERS = {"Content-Type": "application/json"}


# --- statistics -------------------------------------------------------------------------------


def ks_statistic(a: list[float], b: list[float]) -> float:
    """The two-sample Kolmogorov–Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = sorted(a), sorted(b)
    i = j = 0
    gap = 0.0
    while i < len(a) and j < len(b):
        x = min(a[i], b[j])
        while i < len(a) and a[i] == x:
            i += 1
        while j < len(b) and b[j] == x:
            j += 1
        gap = max(gap, abs(i / len(a) - j / len(b)))
    return gap


def ks_pvalue(d: float, n: int, m: int) -> float:
    """Asymptotic p-value of the two-sample statistic ``d`` (Kolmogorov's distribution, with
    Stephens' small-sample correction as in Numerical Recipes' ``kstwo``)."""
    en = math.sqrt(n * m / (n + m))
    lam = (en + 0.12 + 0.11 / en) * d
    if lam < 0.2:
        return 1.0
    total, sign = 0.0, 1.0
    for k in range(1, 101):
        term = sign * math.exp(-2 * k * k * lam * lam)
        total += term
        if abs(term) < 1e-12:
            break
        sign = -sign
    return max(0.0, min(1.0, 2 * total))


def ks_test(a: list[float], b: list[float]) -> tuple[float, float]:
    d = ks_statistic(a, b)
    return d, ks_pvalue(d, len(a), len(b))


def test_the_ks_test_is_right_on_known_cases():
    rng = random.Random(3)
    same = [rng.gauss(0, 1) for _ in range(200)]
    assert ks_test(same, list(same)) == (0.0, 1.0)
    # Textbook: two disjoint samples give D = 1.
    assert ks_statistic([1, 2, 3], [4, 5, 6]) == 1.0
    assert ks_statistic([1, 2, 3, 4], [3, 4, 5, 6]) == 0.5
    # Critical value at alpha = 0.05 for n = m = 200 is 1.358·sqrt(2/200) ≈ 0.136.
    assert abs(ks_pvalue(1.358 * math.sqrt(2 / 200), 200, 200) - 0.05) < 0.01
    # Draws from one distribution pass; a shift of half a standard deviation does not.
    null_p = [ks_test([rng.gauss(0, 1) for _ in range(200)], [rng.gauss(0, 1) for _ in range(200)])[1] for _ in range(50)]
    assert sum(p > P_MIN for p in null_p) >= 49
    assert ks_test([rng.gauss(0, 1) for _ in range(200)], [rng.gauss(0.5, 1) for _ in range(200)])[1] < P_MIN


def detrended(sequence: list[tuple[str, float]], window: int = DETREND_WINDOW) -> dict[str, list[float]]:
    """Each timing minus the median of its neighbours in time, whatever their case.

    On a shared machine the load drifts from second to second; that drift widens both cases'
    distributions alike and hides a steady gap between them. The neighbours are taken without
    looking at the case, so with no gap the two cases' residuals still come from one
    distribution, and the KS test stays valid."""
    result: dict[str, list[float]] = {name: [] for name, _ in sequence}
    for i, (name, elapsed) in enumerate(sequence):
        around = [t for _, t in sequence[max(0, i - window // 2):i + window // 2 + 1]]
        result[name].append(elapsed - statistics.median(around))
    return result


def test_detrending_keeps_the_test_valid_and_finds_a_gap_under_drift():
    rng = random.Random(5)

    def run(gap: float) -> tuple[float, float]:
        labels = ["a", "b"] * 200
        rng.shuffle(labels)
        level, sequence = 10.0, []
        for label in labels:
            level = min(30.0, max(5.0, level + rng.gauss(0, 0.3)))  # the machine's load drifts
            burst = rng.expovariate(1 / 3) if rng.random() < 0.2 else 0.0
            sequence.append((label, level + rng.lognormvariate(0, 0.3) + burst + (gap if label == "b" else 0.0)))
        residuals = detrended(sequence)
        raw = {name: [t for n, t in sequence if n == name] for name in ("a", "b")}
        return ks_test(raw["a"], raw["b"])[1], ks_test(residuals["a"], residuals["b"])[1]

    null = [run(0.0) for _ in range(150)]
    assert sum(p <= P_MIN for _, p in null) <= 1 and 0.01 < sum(p < 0.05 for _, p in null) / len(null) < 0.12
    gap = [run(0.5) for _ in range(20)]
    assert sum(p <= P_MIN for _, p in gap) > sum(p <= P_MIN for p, _ in gap)


def compare_timings(timings: dict[str, list[float]], sequence: list[tuple[str, float]]) -> list[str]:
    """Every pair of cases: KS p-values (raw and detrended) and the median gap. Returns the
    failures, with every measurement when there is one (empty if all pass)."""
    failures, lines = [], []
    residuals = detrended(sequence)
    names = sorted(timings)
    for x in range(len(names)):
        for y in range(x + 1, len(names)):
            a, b = timings[names[x]], timings[names[y]]
            d, p = ks_test(a, b)
            d_local, p_local = ks_test(residuals[names[x]], residuals[names[y]])
            ma, mb = statistics.median(a), statistics.median(b)
            spread = abs(ma - mb) / min(ma, mb)
            line = (f"{names[x]} vs {names[y]}: KS D={d:.3f} p={p:.3g}, detrended D={d_local:.3f} p={p_local:.3g}; "
                    f"medians {ma * 1000:.2f} ms vs {mb * 1000:.2f} ms ({spread:.1%})")
            lines.append(line)
            if not (p > P_MIN and p_local > P_MIN and spread < MEDIAN_SPREAD):
                failures.append(line)
    return failures + (["all pairs:"] + lines if failures else [])


def calibrated_pad(timings: dict[str, list[float]]) -> float:
    """The pad for the measured run: PAD_FACTOR times the slowest case's 90th percentile of its
    own (unpadded) time, within [PAD_FLOOR, PAD_CEILING]."""
    slowest = max(statistics.quantiles(times, n=10)[-1] for times in timings.values())
    return min(PAD_CEILING, max(PAD_FLOOR, PAD_FACTOR * slowest))


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    response = call()
    return time.perf_counter() - start, response


def run_interleaved(cases: dict[str, callable], samples: int) -> tuple[dict[str, list[float]], dict[str, list],
                                                                        list[tuple[str, float]]]:
    """Call each case ``samples`` times in one random interleaving; timings by case, responses
    by case, and the (case, timing) sequence in the order of the calls."""
    plan = [name for name in cases for _ in range(samples)]
    random.Random(secrets.randbits(64)).shuffle(plan)
    timings: dict[str, list[float]] = {name: [] for name in cases}
    responses: dict[str, list] = {name: [] for name in cases}
    sequence: list[tuple[str, float]] = []
    # The collector's pauses land on whichever request is running: noise, kept out of the way.
    gc.collect()
    gc.disable()
    try:
        for name in plan:
            elapsed, response = timed(cases[name])
            timings[name].append(elapsed)
            responses[name].append(response)
            sequence.append((name, elapsed))
    finally:
        gc.enable()
    return timings, responses, sequence


@pytest.fixture
def quiet_limits(app):
    """Rate limits out of the way: this is about what one answer tells, not about volume."""
    for key in list(app.config):
        if key.startswith("RATELIMIT_") and isinstance(app.config[key], tuple):
            app.config[key] = (1_000_000, 3600)
    return app


# --- /api/verify/start: new, over the cap, verified before ---------------------------------------


def test_new_capped_and_verified_addresses_are_indistinguishable(app, quiet_limits, make_open_campaign, tmp_path,
                                                                 monkeypatch):
    campaign = make_open_campaign(title="Enumeration", lab_slugs=("anthropic", "openai"))
    sink = MailSink(tmp_path / "sink")
    # The cap per address and network is what this test is about: back to its default.
    app.config.update(MAIL_PORT=sink.port, VERIFY_MIN_RESPONSE_SECONDS=0.0,
                      RATELIMIT_VERIFY_START_PER_ADDRESS_PER_CLIENT=(3, 3600))
    config = app.config
    run = secrets.token_hex(4)
    client = app.test_client()

    def start(address):
        return lambda: client.post("/api/verify/start", data=json.dumps({"email": address}), headers=JSON_HEADERS)

    try:
        # Over its cap from this network: three codes this hour, each through the endpoint.
        capped = f"capped-{run}@anthropic.com"
        per_network = config["RATELIMIT_VERIFY_START_PER_ADDRESS_PER_CLIENT"][0]
        for _ in range(per_network):
            assert start(capped)().status_code == 200
        # Verified before: a code checked and a token issued (one address per sample, so none
        # of them reaches its own cap). The token key is unwrapped once, to keep setup short.
        keys = {}
        real_private_key = affiliation.token_private_key

        def cached_private_key(c, link, secret):
            if link.lab_id not in keys:
                keys[link.lab_id] = real_private_key(c, link, secret)
            return keys[link.lab_id]

        monkeypatch.setattr(affiliation, "token_private_key", cached_private_key)
        known = [f"known-{run}-{n}@anthropic.com" for n in range(CALIBRATION_SAMPLES + SAMPLES)]
        der = next(link.token_public_key for link in campaign.lab_links if link.lab.slug == "anthropic")
        public = blindrsa.load_public_key(der)
        for address in known:
            db.session.rollback()
            with write_intent():
                started = affiliation.start_verification(db.session, address, issuer_secret=config["ISSUER_SECRET"],
                                                         now=utcnow(), limits=affiliation.Limits())
                ticket = affiliation.check_code(db.session, address, started.code, started.handle,
                                                issuer_secret=config["ISSUER_SECRET"], now=utcnow())
                message = blindrsa.token_message(campaign.public_id.encode(), "anthropic")
                blinded, _ = blindrsa.blind(public, blindrsa.prepare(message))
                affiliation.issue_tokens(db.session, ticket.secret, [{"campaign": campaign.public_id, "blinded": blinded.hex()}],
                                         token_key_secret=config["TOKEN_KEY_SECRET"], now=utcnow())
                db.session.commit()
        monkeypatch.undo()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == CALIBRATION_SAMPLES + SAMPLES

        fresh = iter(f"new-{run}-{n}@anthropic.com" for n in range(CALIBRATION_SAMPLES + SAMPLES + 5))
        known_left = iter(known)
        cases = {
            "new address": lambda: start(next(fresh))(),
            "address over its send cap": start(capped),
            "address verified before": lambda: start(next(known_left))(),
        }
        # Warm up every path (templates, the SMTP connection, the database cache).
        for _ in range(3):
            start(capped)()
            start(next(fresh))()
        db.session.rollback()
        # Each path's own time, unpadded (the same requests as below, on addresses of their own).
        unpadded, _, _ = run_interleaved(cases, CALIBRATION_SAMPLES)
        pad = calibrated_pad(unpadded)
        app.config["VERIFY_MIN_RESPONSE_SECONDS"] = pad
        db.session.rollback()
        timings, responses, sequence = run_interleaved(cases, SAMPLES)
        sent = Counter(message.to for message in sink.messages())
    finally:
        sink.stop()

    handles = [json.loads(r.get_data())["handle"] for rs in responses.values() for r in rs]
    assert len(set(handles)) == len(handles) and all(re.fullmatch(r"[A-Za-z0-9_-]{43}", h) for h in handles)
    answers = Counter((r.status_code, r.get_data().replace(json.loads(r.get_data())["handle"].encode(), b"HANDLE"),
                       r.headers.get("Set-Cookie")) for rs in responses.values() for r in rs)
    assert len(answers) == 1, f"the answers differ: {answers}"
    status, body, cookie = next(iter(answers))
    assert status == 200 and cookie is None and json.loads(body)["status"] == "sent"
    header_sets = Counter(tuple(sorted(r.headers.items())) for rs in responses.values() for r in rs)
    assert len(header_sets) == 1, f"the headers differ: {header_sets}"
    # The cases really were different on the inside: new and known addresses got a code each,
    # the capped address none beyond its three.
    assert sent[capped] == per_network
    assert all(sent[address] == 1 for address in known)
    assert sum(count for to, count in sent.items() if to.startswith(f"new-{run}-")) == CALIBRATION_SAMPLES + SAMPLES + 3
    # The pad hid something: the slowest path's own time is below it.
    assert pad > max(statistics.median(times) for times in unpadded.values())
    failures = compare_timings(timings, sequence)
    assert not failures, (f"timings tell the cases apart (padded to {pad * 1000:.0f} ms; unpadded medians "
                          + ", ".join(f"{name} {statistics.median(t) * 1000:.1f} ms" for name, t in unpadded.items())
                          + "):\n" + "\n".join(failures))


# --- /api/verify/check: an address with a live code, and one without ---------------------------


def test_addresses_with_and_without_a_live_code_are_indistinguishable_to_check(app, quiet_limits, make_open_campaign,
                                                                               tmp_path):
    """A stranger guessing against an address (with a handle of its own making, since it holds
    none of the signer's) cannot tell from the answer or its timing whether a code is live."""
    make_open_campaign(title="Enumeration", lab_slugs=("anthropic", "openai"))
    sink = MailSink(tmp_path / "sink")
    app.config.update(MAIL_PORT=sink.port, VERIFY_MIN_RESPONSE_SECONDS=0.0)
    run = secrets.token_hex(4)
    client = app.test_client()
    live, idle = f"live-{run}@anthropic.com", f"idle-{run}@anthropic.com"
    try:
        # Codes for the live address, each through the endpoint (its holder keeps the handles),
        # from enough networks that each is within its cap.
        holder = []
        for n in range(6):
            answer = client.post("/api/verify/start", data=json.dumps({"email": live}), headers=JSON_HEADERS,
                                 environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
            holder.append(answer.get_json()["handle"])
        assert len(sink.messages(live)) == 6
    finally:
        sink.stop()

    def guess(address):
        body = {"email": address, "code": f"{secrets.randbelow(10**8):08d}", "handle": secrets.token_urlsafe(32)}
        return lambda: client.post("/api/verify/check", data=json.dumps(body), headers=JSON_HEADERS)

    cases = {"address with live codes": lambda: guess(live)(), "address without a code": lambda: guess(idle)()}
    for _ in range(5):
        for case in cases.values():
            case()
    db.session.rollback()
    unpadded, _, _ = run_interleaved(cases, CALIBRATION_SAMPLES)
    pad = calibrated_pad(unpadded)
    app.config["VERIFY_MIN_RESPONSE_SECONDS"] = pad
    timings, responses, sequence = run_interleaved(cases, SAMPLES)

    answers = Counter((r.status_code, r.get_data(), r.headers.get("Set-Cookie")) for rs in responses.values() for r in rs)
    assert len(answers) == 1, f"the answers differ: {answers}"
    status, body, cookie = next(iter(answers))
    assert status == 400 and cookie is None and json.loads(body)["error"] == "wrong_code"
    header_sets = Counter(tuple(sorted(r.headers.items())) for rs in responses.values() for r in rs)
    assert len(header_sets) == 1, f"the headers differ: {header_sets}"
    # The live codes were live throughout: none lost a guess to the stranger.
    db.session.rollback()
    rows = db.session.scalars(select(VerificationCode)).all()
    assert len(rows) == 6 and all(row.attempts == 0 and not row.consumed for row in rows)
    assert pad > max(statistics.median(times) for times in unpadded.values())
    failures = compare_timings(timings, sequence)
    assert not failures, (f"timings tell the cases apart (padded to {pad * 1000:.0f} ms; unpadded medians "
                          + ", ".join(f"{name} {statistics.median(t) * 1000:.1f} ms" for name, t in unpadded.items())
                          + "):\n" + "\n".join(failures))


# --- organizer login: unknown email, wrong password --------------------------------------------


def test_unknown_email_and_wrong_password_are_indistinguishable(app, quiet_limits):
    app.config.update(PASSWORD_OPSLIMIT=COST.opslimit, PASSWORD_MEMLIMIT=COST.memlimit)
    run = secrets.token_hex(4)
    existing = f"organizer-{run}-a@staff.example"
    unknown = f"organizer-{run}-b@staff.example"
    password = secrets.token_urlsafe(18)
    wrong = secrets.token_urlsafe(18)
    with write_intent():
        create_user(db.session, email=existing, name="Organizer", password=password, roles=[Role.ORGANIZER], cost=COST)
        db.session.commit()
    db.session.rollback()

    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))

    def attempt(email, secret=wrong):
        return lambda: client.post("/login", data={"email": email, "password": secret, "csrf_token": token})

    cases = {"unknown email": attempt(unknown), "wrong password": attempt(existing)}
    for _ in range(5):  # warm-up: the decoy hash is computed once, on first use
        for case in cases.values():
            case()
    timings, responses, sequence = run_interleaved(cases, SAMPLES)

    def normalised(response, email):
        text = response.get_data(as_text=True)
        assert token in text and email in text
        return re.sub(re.escape(token), "CSRF", text).replace(email, "EMAIL").encode()

    bodies = Counter(normalised(r, unknown if name == "unknown email" else existing)
                     for name, rs in responses.items() for r in rs)
    assert len(bodies) == 1, f"{len(bodies)} different login pages"
    assert b"That email and password do not match an account." in next(iter(bodies))
    statuses = Counter((r.status_code, r.headers.get("Set-Cookie") is None, tuple(sorted(k for k, _ in r.headers.items())))
                       for rs in responses.values() for r in rs)
    assert len(statuses) == 1 and next(iter(statuses))[0] == 401, statuses
    failures = compare_timings(timings, sequence)
    assert not failures, "timings tell the cases apart:\n" + "\n".join(failures)
    # Positive control: the right password does log in (so "existing" really exists).
    assert attempt(existing, password)().status_code == 302
