"""The files and records the web app and the command-line programs share: their contract.

- :mod:`.jsonfile`: strict JSON files (one object, ``"v": 2`` and a ``"kind"``), read and
  written;
- :mod:`.files`: the ceremony's public files (package, deal, board, complaint, signed
  statements); :mod:`.keys`: the trustee's key, public key and share files;
- :mod:`.roundfile`: a reveal round's package and a trustee's partials;
- :mod:`.record`: the campaign record;
- :mod:`.tokenfile`, :mod:`.receipt`, :mod:`.server_url`: the signer's tokens and receipt
  files and the server address they name;
- :mod:`.messages`: what a trustee signs, and fingerprints; :mod:`.payload`: what a signer
  seals;
- :mod:`.errors`: why a file was refused.

Pure: files are read and written at the paths given, and nothing here uses the network, the
terminal or the environment (a test enforces it). ``docs/trustee-files.md``,
``docs/record.md`` and ``docs/pledge-sign.md`` document the formats.
"""
