"""A 3-of-5 key ceremony run once from files only, shared (read-only) by the trustee tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crypto import blindrsa, dkg
from crypto.formats import files
from pledge_tools.trustee.passphrase import ENV_VAR

from .builders import (
    LABS,
    PASSPHRASE,
    Ceremony,
    Round,
    board_of,
    make_manifest,
    round_package,
    run,
    signed_log,
    write_json,
)

ROOT = Path(__file__).resolve().parents[2]
N = 5
QUORUM = (1, 3, 5)


def run_cli_subprocess(
    *args: str | Path, passphrase: str = PASSPHRASE
) -> subprocess.CompletedProcess[str]:
    """``python -m pledge_tools.trustee ...`` in a fresh process, passphrase in the environment."""
    env = {**os.environ, ENV_VAR: passphrase}
    return subprocess.run(
        [sys.executable, "-m", "pledge_tools.trustee", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    """The trustees' passphrase, given to the tool through the scripts-only variable."""
    monkeypatch.setenv(ENV_VAR, PASSPHRASE)
    return PASSPHRASE


def _init_all(folder: Path) -> dict[int, Path]:
    key_files = {}
    for i in range(1, N + 1):
        key_files[i] = folder / f"trustee{i}.key.json"
        if i == N:  # one of them through the real entry point
            result = run_cli_subprocess("init", "--name", f"Trustee {i}", "--out", key_files[i],
                                        "--kdf", "interactive")
            assert result.returncode == 0, result.stderr
            assert "Wrote" in result.stdout
        else:
            assert run("init", "--name", f"Trustee {i}", "--out", key_files[i],
                       "--kdf", "interactive") == 0
    return key_files


@pytest.fixture(scope="session")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> Ceremony:
    """Given five trustees with nothing but the tool and the files the server hands them."""
    folder = tmp_path_factory.mktemp("ceremony")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, PASSPHRASE)
        key_files = _init_all(folder)
        token_keys = {slug: blindrsa.generate_key() for slug in LABS}
        public = {i: Path(f"{path}.pub.json") for i, path in key_files.items()}
        manifest = make_manifest(public, token_keys)
        ctx = files.manifest_ctx(manifest)
        c = Ceremony(folder, manifest, ctx, token_keys, key_files=key_files)
        c.package = write_json(folder / "ceremony.json", files.ceremony_doc(manifest, ctx))
        for i, key in key_files.items():
            c.deal_files[i] = folder / f"deal{i}.json"
            assert run("deal", "--key", key, "--package", c.package, "--out", c.deal_files[i]) == 0
        c.board = board_of(folder, c.deal_files)
        for i, key in key_files.items():
            c.share_files[i] = folder / f"share{i}.json"
            c.signature_files[i] = folder / f"transcript{i}.json"
            assert run("finish", "--key", key, "--package", c.package, "--board", c.board,
                       "--share-out", c.share_files[i], "--out", c.signature_files[i],
                       "--kdf", "interactive") == 0
    c.deals = {i: files.load_deal(path)[1] for i, path in c.deal_files.items()}
    commitments = {i: d.commitments for i, d in c.deals.items()}
    c.Y, c.Yj = dkg.group_key(commitments), dkg.verification_keys(commitments)
    return c


@pytest.fixture(scope="session")
def round_one(ceremony: Ceremony, tmp_path_factory: pytest.TempPathFactory) -> Round:
    """Given the frozen first round, decrypted by trustees 1, 3 and 5 (5 in a subprocess)."""
    folder = tmp_path_factory.mktemp("round1")
    log, entries, withdrawn = signed_log(ceremony)
    log.freeze(1)  # the batch ends with the round-frozen event (leaf 12)
    head = log.head()
    package = round_package(ceremony, log, folder / "round.json", head=head)
    partials = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, PASSPHRASE)
        for j in QUORUM:
            partials[j] = folder / f"partials{j}.json"
            args = ("decrypt", "--key", ceremony.key_files[j], "--share", ceremony.share_files[j],
                    "--package", package, "--out", partials[j])
            if j == 5:
                result = run_cli_subprocess(*args)
                assert result.returncode == 0, result.stderr
                assert "Checked round 1: the threshold rule held at its head" in result.stdout
            else:
                assert run(*args) == 0
    return Round(log, entries, withdrawn, package, head, partials)

