from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.forms import english_twin, strip


class SupplierApplicationForm(FlaskForm):
    name = StringField(_l("Organisation name"), filters=[strip], validators=[
        DataRequired(_l("Enter your organisation's registered name in Chinese.")),
        Length(max=120, message=_l("At most %(max)d characters.")),
    ])
    name_en = english_twin(StringField, _l("Organisation name in English"), 120)
    description = TextAreaField(_l("What you make"), filters=[strip], description=_l(
        "Shoppers see this on your products. A few sentences about your workshop or factory."), validators=[
        DataRequired(_l("Tell shoppers what you make.")),
        Length(max=2000, message=_l("At most %(max)d characters.")),
    ])
    description_en = english_twin(TextAreaField, _l("What you make, in English"), 2000)
    contact = StringField(_l("Contact for our team"), filters=[strip], description=_l(
        "A phone number or email where our verification team can reach you."), validators=[
        DataRequired(_l("Enter a phone number or email.")),
        Length(max=200, message=_l("At most %(max)d characters.")),
    ])
    registration_number = StringField(_l("Business registration number"), filters=[strip], description=_l(
        "Your unified social credit code or company registration number."), validators=[
        DataRequired(_l("Enter your business registration number.")),
        Length(min=5, max=64, message=_l("Between %(min)d and %(max)d characters.")),
    ])


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[
        Length(max=1000, message=_l("At most %(max)d characters."))])
