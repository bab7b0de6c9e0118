"""Forms of the organizer pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pledge.models import DEFAULT_CEREMONY_DAYS, DEFAULT_REVEAL_WINDOW, MAX_CEREMONY_DAYS, MIN_CEREMONY_DAYS, ThresholdRule
from pledge.services.campaigns import MAX_CONDITION_TEXT, MAX_PLEDGE_TEXT, DraftFields, slugify
from pledge.services.rules import BATCH_INTERVALS, MAX_REVEAL_WINDOW_DAYS, MAX_TRUSTEES, MIN_REVEAL_WINDOW_DAYS


class CheckboxListField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(FlaskForm):
    """Create or edit a draft campaign."""

    title = StringField("Title", validators=[DataRequired(), Length(min=3, max=200)])
    slug = StringField(
        "Web address", validators=[Optional(), Length(max=80)],
        description="Lower-case letters, digits and hyphens. Left empty, it is made from the title.",
    )
    pledge_text = TextAreaField(
        "Pledge text", validators=[DataRequired(), Length(max=MAX_PLEDGE_TEXT)],
        description="Markdown. Links are allowed; images and HTML are not.",
        render_kw={"rows": 12},
    )
    labs = CheckboxListField("Eligible labs", coerce=int, validators=[InputRequired(message="Choose at least one eligible lab.")])
    min_total = IntegerField("Signatures needed overall", default=100,
                             validators=[InputRequired(), NumberRange(min=1, max=1_000_000)])
    min_per_lab = IntegerField(
        "Signatures needed at each lab", default=0, validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        description="0 for no per-lab part. At least k when set.",
    )
    min_labs = IntegerField(
        "Number of labs that must reach it", default=0, validators=[InputRequired(), NumberRange(min=0, max=1000)],
        description="So that no single lab's staff move first.",
    )
    deadline = DateTimeLocalField(
        "Deadline (UTC)", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(message="Set a deadline.")],
    )
    trustee_count = IntegerField("Trustees (n)", default=5,
                                 validators=[InputRequired(), NumberRange(min=1, max=MAX_TRUSTEES)])
    trustee_quorum = IntegerField(
        "Trustees needed to reveal (t)", default=3, validators=[InputRequired(), NumberRange(min=1, max=MAX_TRUSTEES)],
        description="More than half of n: then no minority of trustees can reveal, "
        "and no minority can block a reveal.",
    )
    weak_quorum = BooleanField(
        "I accept a quorum that is not a majority: fewer than half of the trustees could decrypt signatures together",
        description="Only needed when t is at most half of n.",
    )
    suppress_below = IntegerField(
        "k: the fewest signers from one lab revealed together", default=5,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        description="At least 2. A round reveals a lab's signatures only if it has at least k of them, all "
        "together, and none otherwise; the per-lab minimum must be at least k. Only a practice campaign may use 1.",
    )
    practice = BooleanField(
        "Practice campaign",
        description="For trying Pledge end to end: nothing signed is a real pledge, its public pages say so, "
        "and k may be 1.",
    )
    batch_interval_seconds = SelectField(
        "Publish signatures in batches", coerce=int, default=3600,
        choices=[SelectChoice(seconds, label) for seconds, label in sorted(BATCH_INTERVALS.items())],
        description="Longer batches make it harder to tell when someone signed.",
    )
    witnesses = TextAreaField(
        "Extra witnesses", validators=[Optional(), Length(max=10_000)], render_kw={"rows": 3},
        description="Optional. One per line: a name, then the witness's Ed25519 public key (64 lowercase hex "
        "characters, from pledge-witness init). The trustees always witness; extra witnesses also check every "
        "tree head before cosigning it, so the log cannot be forked or cut unnoticed.",
    )
    witness_quorum = IntegerField(
        "Witnesses needed to cosign (w)", validators=[Optional(), NumberRange(min=1, max=MAX_TRUSTEES + 32)],
        description="Leave empty for the smallest majority of all witnesses (trustees and extra). It must be a "
        "majority, and at most t, so that the trustees who reveal can confirm the reveal.",
    )
    reveal_window_days = IntegerField(
        "Reveal window (days)", default=DEFAULT_REVEAL_WINDOW // 86400,
        validators=[Optional(), NumberRange(min=MIN_REVEAL_WINDOW_DAYS, max=MAX_REVEAL_WINDOW_DAYS)],
        description="A round the trustees have not revealed this long after it froze is abandoned, and its "
        "sealed signatures are deleted unread. Left empty: 14 days.",
    )
    ceremony_days = IntegerField(
        "Days for the key ceremony", default=DEFAULT_CEREMONY_DAYS,
        validators=[Optional(), NumberRange(min=MIN_CEREMONY_DAYS, max=MAX_CEREMONY_DAYS)],
        description=f"{MIN_CEREMONY_DAYS} to {MAX_CEREMONY_DAYS}. After each freeze the trustees have this long to deal "
        f"and sign; after it you may replace a trustee who has not done their step. Left empty: {DEFAULT_CEREMONY_DAYS}.",
    )
    contact_address = StringField(
        "Public contact address", validators=[Optional(), Length(max=254)],
        render_kw={"type": "email", "autocomplete": "email"},
        description="Optional. Shown on the public page so people can reach you about the campaign. It can be any "
        "address you choose; it need not be your login address.",
    )
    submit = SubmitField("Save draft")

    def fill_from(self, campaign) -> None:
        """The fields a campaign does not hold under the form's names (on a GET of the edit form)."""
        self.witnesses.data = "\n".join(f"{item['name']} {item['ed25519']}" for item in campaign.witness_list)
        self.reveal_window_days.data = max(1, campaign.reveal_window_seconds // 86400)
        self.weak_quorum.data = 2 * campaign.trustee_quorum <= campaign.trustee_count

    def parsed_witnesses(self) -> tuple[tuple[str, str], ...]:
        """Each non-empty line as (name, key): the key is the last word of the line."""
        out = []
        for line in (self.witnesses.data or "").splitlines():
            words = line.split()
            if words:
                out.append((" ".join(words[:-1]), words[-1]))
        return tuple(out)

    def default_deadline(self) -> None:
        """Suggest a deadline 30 days out on a new form."""
        if self.deadline.data is None:
            self.deadline.data = (datetime.now(UTC) + timedelta(days=30)).replace(
                second=0, microsecond=0, tzinfo=None
            )

    def parsed(self) -> bool:
        """Whether every field the cross-field checks read holds a value (numbers and the deadline
        parsed), so they can run even while another field has an error."""
        needed = (self.min_total, self.min_per_lab, self.min_labs, self.deadline, self.trustee_count,
                  self.trustee_quorum, self.suppress_below, self.batch_interval_seconds)
        return all(f.data is not None and not f.errors for f in needed) and not self.reveal_window_days.errors \
            and not self.ceremony_days.errors

    def to_fields(self) -> DraftFields:
        """The validated form as service input (deadline read as UTC)."""
        slug = (self.slug.data or "").strip().lower() or slugify(self.title.data or "")
        return DraftFields(
            title=self.title.data or "",
            slug=slug,
            pledge_text=self.pledge_text.data or "",
            lab_ids=tuple(self.labs.data or ()),
            rule=ThresholdRule(min_total=self.min_total.data, min_per_lab=self.min_per_lab.data,
                               min_labs=self.min_labs.data, suppress_below=self.suppress_below.data),
            deadline=self.deadline.data.replace(tzinfo=UTC),
            trustee_quorum=self.trustee_quorum.data,
            trustee_count=self.trustee_count.data,
            batch_interval_seconds=self.batch_interval_seconds.data,
            practice=bool(self.practice.data),
            witnesses=self.parsed_witnesses(),
            witness_quorum=self.witness_quorum.data,
            reveal_window_seconds=self.reveal_window_days.data * 86400 if self.reveal_window_days.data
            else DEFAULT_REVEAL_WINDOW,
            ceremony_days=self.ceremony_days.data or DEFAULT_CEREMONY_DAYS,
            contact_address=(self.contact_address.data or "").strip() or None,
            require_majority=not self.weak_quorum.data,
        )


class ConditionForm(FlaskForm):
    """Add or edit one condition."""

    text = TextAreaField("Condition", validators=[DataRequired(), Length(max=MAX_CONDITION_TEXT)],
                         render_kw={"rows": 2})
    submit = SubmitField("Add condition")


class MoveForm(FlaskForm):
    """Move a condition up or down."""

    direction = HiddenField(validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A bare form: a CSRF token and a button."""

    submit = SubmitField("Confirm")


class UnderstandForm(FlaskForm):
    """A confirmation that needs a ticked box: for the steps that cannot be undone."""

    understand = BooleanField("I understand", validators=[DataRequired(message="Tick the box to confirm you understand "
                                                                                 "what becomes permanent.")])


class TrusteeInviteForm(FlaskForm):
    """Offer a trustee seat to someone."""

    name = StringField("Trustee's name", validators=[DataRequired(), Length(max=200)])
    email = StringField("Trustee's email", validators=[DataRequired(), Length(max=254)],
                        render_kw={"type": "email", "autocomplete": "off"})
    submit = SubmitField("Send invitation")


class SeatForm(FlaskForm):
    """Act on one trustee seat (re-send, remove, restart without it)."""

    seat = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_TRUSTEES)])


class UpdateForm(FlaskForm):
    """A dated update."""

    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Update", validators=[DataRequired(), Length(max=20_000)],
                         description="Markdown. Links are allowed; images and HTML are not.", render_kw={"rows": 8})
    submit = SubmitField("Post update")
