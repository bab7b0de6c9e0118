"""``pledge-verify``: the command line (:mod:`.cli`) and the record's checks (:mod:`.check`,
:mod:`.record_check`, :mod:`.record_rounds`)."""
