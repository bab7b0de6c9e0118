"""Offline tools built on the :mod:`crypto` library (no web or database imports).

:mod:`crypto.tools.trustee` is ``pledge-trustee``, the trustees' command-line tool. The JSON
files it reads and writes are defined in :mod:`crypto.tools.files` and
:mod:`crypto.tools.roundfile` and documented in ``docs/trustee-files.md``: they are the
contract with the web application.

:mod:`crypto.tools.signer` is ``pledge-sign``, the command-line signer: it verifies a work
address and keeps blind-signed tokens (:mod:`~crypto.tools.affiliation` for the protocol steps,
:mod:`~crypto.tools.jsonhttp` for HTTP, :mod:`~crypto.tools.tokenfile` for the tokens file), and
signs, checks and withdraws (:mod:`~crypto.tools.sign_commands`, with
:mod:`~crypto.tools.campaign_check` for the campaign key, :mod:`~crypto.tools.signature_form`
for what the signer types and is told, :mod:`~crypto.tools.sealing`,
:mod:`~crypto.tools.receipt` and :mod:`~crypto.tools.logcheck`); documented in
``docs/pledge-sign.md``.
"""
