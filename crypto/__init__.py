"""Pledge's cryptography: a pure library (bytes in, bytes out).

Nothing here imports Flask, SQLAlchemy or any other part of the web application; a test
enforces it. The wire format is described in DESIGN §4 and §5 and in ``docs/``.
"""
