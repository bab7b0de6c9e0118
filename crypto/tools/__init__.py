"""Offline tools built on the :mod:`crypto` library (no web or database imports).

:mod:`crypto.tools.trustee` is ``pledge-trustee``, the trustees' command-line tool. The JSON
files it reads and writes are defined in :mod:`crypto.tools.files` and
:mod:`crypto.tools.roundfile` and documented in ``docs/trustee-files.md``: they are the
contract with the web application.
"""
