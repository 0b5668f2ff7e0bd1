from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from blueprints.forms import strip

STARS = [SelectChoice(5, _l("5 stars")), SelectChoice(4, _l("4 stars")), SelectChoice(3, _l("3 stars")),
         SelectChoice(2, _l("2 stars")), SelectChoice(1, _l("1 star"))]


class ReviewForm(FlaskForm):
    stars = RadioField(_l("Your rating"), coerce=int, choices=STARS,
                       validators=[InputRequired(_l("Choose from one to five stars."))])
    body = TextAreaField(_l("Your review"), filters=[strip], validators=[
        DataRequired(_l("Say what you think of it.")), Length(max=3000, message=_l("At most %(max)d characters."))])
    photos = MultipleFileField(_l("Photos (optional)"), description=_l(
        "JPEG, PNG, WebP or GIF; up to 5 MB and 20 megapixels each; up to 6."))


class EditReviewForm(FlaskForm):
    stars = ReviewForm.stars
    body = ReviewForm.body


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your official answer"), filters=[strip], validators=[
        DataRequired(_l("Write your answer first.")), Length(max=3000, message=_l("At most %(max)d characters."))])


class ReportReviewForm(FlaskForm):
    reason = TextAreaField(_l("What is wrong with this review?"), filters=[strip], validators=[
        DataRequired(_l("Tell the moderators what is wrong.")), Length(max=1000)])


class ModerateReviewForm(FlaskForm):
    reason = TextAreaField(_l("Reason shown with the folded review"), filters=[strip], validators=[Length(max=500)])
