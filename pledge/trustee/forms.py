"""Forms of the trustee pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import PasswordField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class NewTrusteeAccountForm(FlaskForm):
    """Accept an invitation by creating the trustee's account."""

    password = PasswordField("Choose a password", validators=[DataRequired(), Length(min=12, max=1024)],
                             description="At least 12 characters.", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Create account and accept")


class AcceptForm(FlaskForm):
    """Accept an invitation with the account already logged in."""

    submit = SubmitField("Accept the seat")


class KeysForm(FlaskForm):
    """Register the public half written by ``pledge-trustee init``."""

    file = FileField("Public key file (KEYFILE.pub.json)")
    pasted = TextAreaField("Or paste its contents", validators=[Optional(), Length(max=4096)], render_kw={"rows": 5})
    submit = SubmitField("Register my public keys")


class UploadForm(FlaskForm):
    """Upload one file written by ``pledge-trustee``."""

    file = FileField("File")
    submit = SubmitField("Upload")
