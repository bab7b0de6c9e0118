"""``pledge-trustee destroy``: the share is gone, the confirmation is signed, and a later
decrypt fails clearly."""

from __future__ import annotations

import shutil

from crypto.formats import files, messages
from pledge_tools.exits import EXIT_CHECK_FAILED, EXIT_FILE_PROBLEM, EXIT_USAGE

from .builders import Ceremony, Round, run


def test_destroy_removes_the_share_and_confirms_it(
    ceremony: Ceremony, round_one: Round, passphrase, tmp_path, capsys
) -> None:
    # Given trustee 4's own copy of its share (the campaign expired)
    share = tmp_path / "share4.json"
    shutil.copy(ceremony.share_files[4], share)
    confirm = tmp_path / "destroyed.json"
    # When it destroys the share and signs a confirmation
    assert run("destroy", "--share", share, "--key", ceremony.key_files[4],
               "--package", ceremony.package, "--out", confirm) == 0
    assert "Destroyed" in capsys.readouterr().out
    # Then the file is gone and the confirmation verifies under trustee 4's key
    assert not share.exists()
    statement = files.load_signed_statement(confirm, "destroy-confirmation")
    assert (statement.ctx, statement.index) == (ceremony.ctx, 4)
    ed25519 = bytes.fromhex(ceremony.manifest["trustees"][3]["ed25519"])
    messages.verify(ed25519, messages.destroy_message(ceremony.ctx, 4), statement.signature)
    # And a later decrypt says plainly that the share is not there
    out = tmp_path / "partials.json"
    assert run("decrypt", "--key", ceremony.key_files[4], "--share", share,
               "--package", round_one.package, "--out", out) == EXIT_FILE_PROBLEM
    assert f"pledge-trustee: error: {share} does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_destroy_without_confirmation_needs_no_passphrase(ceremony, tmp_path, capsys) -> None:
    share = tmp_path / "share5.json"
    shutil.copy(ceremony.share_files[5], share)
    assert run("destroy", "--share", share) == 0
    assert not share.exists()


def test_destroy_refuses_a_file_that_is_not_a_share(ceremony, tmp_path, capsys) -> None:
    precious = tmp_path / "ceremony.json"
    shutil.copy(ceremony.package, precious)
    assert run("destroy", "--share", precious) == EXIT_CHECK_FAILED
    assert "is not a share file" in capsys.readouterr().err
    assert precious.exists()


def test_half_a_confirmation_is_a_usage_error(ceremony, tmp_path, capsys) -> None:
    share = tmp_path / "share.json"
    shutil.copy(ceremony.share_files[3], share)
    assert run("destroy", "--share", share, "--key", ceremony.key_files[3]) == EXIT_USAGE
    assert "--key, --package and --out go together" in capsys.readouterr().err
    assert share.exists()
