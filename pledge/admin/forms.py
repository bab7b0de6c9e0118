"""Forms of the admin pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from pledge.services.labs import MAX_NAME, split_domains

DOMAINS_HELP = ("One a line, or separated by commas, like lab.example. Signers prove they work at the lab with an "
                "address at one of these.")


class LabEditForm(FlaskForm):
    """Change a lab's name and domains (its slug never changes)."""

    name = StringField("Name", validators=[DataRequired(message="Give the lab a name."), Length(max=MAX_NAME)],
                       description="As signers and the public read it.")
    domains = TextAreaField("Email domains", validators=[DataRequired(message="Give the lab at least one email domain.")],
                            description=DOMAINS_HELP, render_kw={"rows": 4, "autocapitalize": "none", "spellcheck": "false"})
    submit = SubmitField("Save lab")

    def domain_list(self) -> list[str]:
        """The domains as typed."""
        return split_domains(self.domains.data or "")


class LabForm(LabEditForm):
    """Add a lab."""

    slug = StringField(
        "Slug", validators=[DataRequired(message="Give the lab a slug.")],
        description="2 to 64 lower-case letters, digits and hyphens, like example-lab. It is part of every token "
                    "and can never change.",
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    submit = SubmitField("Add lab")
