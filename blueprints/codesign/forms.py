from datetime import datetime, UTC

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.codesign.models import AskStatus
from blueprints.forms import english_twin, strip
from blueprints.money import MoneyField


def _at_most(n):
    return Length(max=n, message=_l("At most %(max)d characters."))


class PrototypeForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("Give the prototype a title in Chinese.")), _at_most(160)])
    title_en = english_twin(StringField, _l("Title in English"), 160)
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=False,
                              validators=[DataRequired(_l("Choose a category."))])
    description = TextAreaField(_l("What it is"), filters=[strip], validators=[_at_most(5000)])
    description_en = english_twin(TextAreaField, _l("What it is, in English"), 5000)
    specs = TextAreaField(_l("Specifications"), filters=[strip], description=_l("Sizes, materials, capacity…"),
                          validators=[_at_most(5000)])
    specs_en = english_twin(TextAreaField, _l("Specifications in English"), 5000)
    target_price = MoneyField(_l("Target price (¥)"), validators=[DataRequired(_l("Enter an amount in yuan."))])
    early_bird_price = MoneyField(_l("Early-bird price (¥)"), description=_l(
        "What people who pledge pay for the first 7 days after launch."),
        validators=[DataRequired(_l("Enter an amount in yuan."))])
    moq = IntegerField(_l("Minimum order quantity"), description=_l("Units pledged before you will make it."),
                       validators=[InputRequired(_l("Enter the minimum order quantity.")),
                                   NumberRange(min=1, max=1_000_000, message=_l("Enter a whole number from 1."))])
    support_goals = StringField(_l("Support goals (optional)"), filters=[strip], description=_l(
        "Steps shown on the page, like 100, 500, 1000 supporters; reaching the last moves it to review."),
        validators=[_at_most(100)])
    deadline = DateTimeLocalField(_l("Feedback deadline (UTC)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                  validators=[InputRequired(_l("Choose when feedback closes."))])
    new_images = MultipleFileField(_l("Add images"), description=_l(
        "JPEG, PNG, WebP or GIF; up to 5 MB and 20 megapixels each; up to 10 at a time."))

    def deadline_utc(self) -> datetime | None:
        return self.deadline.data.replace(tzinfo=UTC) if self.deadline.data else None


class PollForm(FlaskForm):
    question = StringField(_l("Question"), filters=[strip], validators=[
        DataRequired(_l("Ask a question in Chinese.")), _at_most(200)])
    question_en = english_twin(StringField, _l("Question in English"), 200)
    options = TextAreaField(_l("Answers, one per line"), description=_l(
        "2 to 8 answers; the English ones in the same order."),
        validators=[DataRequired(_l("Give 2 to 8 answers in Chinese, one per line."))])
    options_en = TextAreaField(_l("Answers in English, one per line"))
    variant_option = SelectField(_l("The winning answers become (optional)"), choices=[
        SelectChoice("", _l("Nothing: just a question")), SelectChoice("colour", _l("The product's colours")),
        SelectChoice("size", _l("The product's sizes"))], validate_choice=True)


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why not (everyone will read this)"), filters=[strip], validators=[_at_most(2000)])
    confirm = BooleanField(_l("I understand declining is final and everyone who took part will be told"))


class SupportForm(FlaskForm):
    would_buy_at = MoneyField(_l("I would buy at (¥, optional)"), validators=[Optional()])


class PledgeForm(FlaskForm):
    quantity = IntegerField(_l("Units"), default=1, validators=[
        InputRequired(_l("Enter how many units.")), NumberRange(min=1, max=99, message=_l("Pledge from 1 to 99 units."))])


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"))  # the service checks empty and too long, with the count
    parent_id = StringField()


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("What is wrong?"), filters=[strip], validators=[_at_most(1000)])


class UpdateForm(FlaskForm):
    body = TextAreaField(_l("What we changed"), filters=[strip], validators=[_at_most(5000)])


class AskForm(FlaskForm):
    status = SelectField(_l("Status"), validate_choice=False,  # the choices' labels are set per request
                         validators=[AnyOf([status.value for status in AskStatus], message=_l("Choose a status."))])
    answer = TextAreaField(_l("Official answer"), filters=[strip], validators=[_at_most(2000)])
