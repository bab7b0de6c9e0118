"""The three command-line programs, built on :mod:`crypto` and the standard library only.

- :mod:`pledge_tools.trustee`: ``pledge-trustee``, the trustees' offline tool for the key
  ceremony and the reveal (its steps are :mod:`crypto.trustee_steps`);
- :mod:`pledge_tools.sign`: ``pledge-sign``, the command-line signer (HTTP in
  :mod:`pledge_tools.sign.http`);
- :mod:`pledge_tools.verify`: ``pledge-verify``, the campaign record checker.

The files they read and write are :mod:`crypto.formats`, shared with the web app. What they
share with each other is here: the exit codes (:mod:`.exits`), ``--jobs`` (:mod:`.jobs`) and
terminal-safe text (:mod:`.text`). Nothing here imports the web app.
"""
