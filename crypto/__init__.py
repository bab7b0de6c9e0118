"""Pledge's cryptography and the formats built on it, with no web, terminal or network.

- the primitives and protocols (bytes in, bytes out): :mod:`.group`, :mod:`.hashing`,
  :mod:`.dkg`, :mod:`.seal`, :mod:`.reveal`, :mod:`.blindrsa`, :mod:`.merkle`,
  :mod:`.log_leaves`, :mod:`.passbox`, with :mod:`.parallel` to share work among processes;
- :mod:`.formats`: the files and records the web app and the command-line programs share;
- :mod:`.round_check`: the checks of a reveal round, shared by a trustee's ``decrypt`` and the
  record checker;
- :mod:`.trustee_steps`: a trustee's steps (ceremony, decrypt, destroy) as functions that take
  their files and passphrase and return a report.

Nothing here imports Flask, SQLAlchemy, the web app (``pledge``) or the programs
(``pledge_tools``), nor reads the terminal, the network or the environment; a test enforces
it. The wire format is described in docs/protocol.md and the other pages of ``docs/``.
"""
