"""``pledge-witness``: a witness that checks a campaign log and cosigns its heads
(:mod:`.cli` for the command line, :mod:`.check` for one check against a server)."""
