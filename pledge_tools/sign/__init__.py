"""``pledge-sign``: the command line (:mod:`.cli`), the ``sign``, ``check`` and ``withdraw``
commands (:mod:`.commands`), the protocol steps they take with the server, and its HTTP client
(:mod:`.http`)."""
