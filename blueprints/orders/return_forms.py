from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from blueprints.forms import strip
from blueprints.orders.return_models import ReturnReason

REASON_LABELS = {
    ReturnReason.NO_REASON: _l("No reason (within the return window)"),
    ReturnReason.DAMAGED: _l("It arrived damaged"),
    ReturnReason.NOT_AS_DESCRIBED: _l("It is not as described"),
    ReturnReason.WRONG_ITEM: _l("I received the wrong item"),
}


class ReturnRequestForm(FlaskForm):
    reason = RadioField(_l("Why are you returning it?"), default=ReturnReason.NO_REASON.value,
                        choices=[SelectChoice(reason.value, label) for reason, label in REASON_LABELS.items()],
                        validators=[DataRequired(_l("Choose a reason."))])
    note = TextAreaField(_l("Anything the supplier should know"), filters=[strip],
                         validators=[Length(max=2000, message=_l("At most %(max)d characters."))])
    photos = MultipleFileField(_l("Photos (optional)"), description=_l(
        "JPEG, PNG, WebP or GIF; up to 5 MB each; up to 4."))


class AcceptReturnForm(FlaskForm):
    return_address = StringField(_l("Return address"), filters=[strip], validators=[
        DataRequired(_l("Enter the address the buyer sends it back to.")), Length(max=300)])


class RefuseReturnForm(FlaskForm):
    reason = StringField(_l("Why not (the buyer sees this)"), filters=[strip], validators=[
        DataRequired(_l("Tell the buyer why: they see this.")), Length(max=500)])


class DecideReturnForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("accept", _l("Accept the return")),
                                                   SelectChoice("reject", _l("Uphold the refusal"))],
                          validators=[DataRequired(_l("Choose a decision."))])
    reason = StringField(_l("Reason (the buyer and the supplier see it)"), filters=[strip], validators=[
        DataRequired(_l("Give the reason for the decision: the buyer and the supplier see it.")), Length(max=500)])
    return_address = StringField(_l("Return address, if accepted"), filters=[strip], validators=[Length(max=300)])


class SendBackForm(FlaskForm):
    carrier = StringField(_l("Carrier"), filters=[strip], validators=[
        DataRequired(_l("Name the carrier, like SF Express.")), Length(max=60)])
    tracking_number = StringField(_l("Tracking number"), filters=[strip], validators=[
        DataRequired(_l("Enter the tracking number.")), Length(max=60)])


class ReceiveReturnForm(FlaskForm):
    restock = BooleanField(_l("Put the units back in stock"), default=True)
