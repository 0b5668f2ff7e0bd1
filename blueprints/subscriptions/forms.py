from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from blueprints.forms import strip
from blueprints.money import MoneyField


def _category_id(value) -> int | None:
    if value in (None, ""):
        return None
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else -1


class SubscriptionForm(FlaskForm):
    keywords = StringField(_l("Keywords"), filters=[strip],
                           description=_l("One or more words, such as 保温杯 or linen apron. All of them must match."),
                           validators=[DataRequired(_l("Enter a word or two to look out for.")),
                                       Length(max=100, message=_l("At most %(max)d characters."))])
    # Anything but a listed id becomes -1, which the service refuses with its own message.
    category_id = SelectField(_l("Only in this category"), coerce=_category_id, validate_choice=False)
    max_price = MoneyField(_l("Only up to this price (¥)"), description=_l("Leave empty for any price."))
