"""The trustee's steps as functions: :mod:`.ceremony` (``init``, ``deal``, ``finish``) and
:mod:`.reveal` (``decrypt``, ``destroy``).

Each step takes its files, options and passphrase and returns a :class:`.report.StepReport`
(the lines ``pledge-trustee`` prints and the files written); a step that cannot go on raises a
:class:`crypto.formats.errors.Refusal`. Nothing here reads the terminal or the environment:
``pledge-trustee`` (``pledge_tools.trustee.cli``) asks for the passphrase and prints, and the
web app's demo seed calls the same steps with passphrases it made itself.
"""
