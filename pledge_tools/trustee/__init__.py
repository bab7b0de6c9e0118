"""``pledge-trustee``: the command line (:mod:`.cli`) and the passphrase prompt
(:mod:`.passphrase`) around :mod:`crypto.trustee_steps`."""
