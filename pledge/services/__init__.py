"""Domain logic. Functions take the session explicitly, flush but never commit, and raise the
typed errors of :mod:`pledge.services.errors`; the request or CLI command commits once."""
