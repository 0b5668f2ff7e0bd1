from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length

from blueprints.forms import english_twin, strip
from blueprints.money import MoneyField


class ShopForm(FlaskForm):
    name = StringField(_l("Shop name"), filters=[strip], validators=[
        DataRequired(_l("Give your shop a name in Chinese.")), Length(max=80, message=_l("At most %(max)d characters."))])
    name_en = english_twin(StringField, _l("Shop name in English"), 80)
    slug = StringField(_l("Web address"), filters=[strip], description=_l(
        "Your shop will be at /shops/your-address. Lowercase letters, digits and hyphens."), validators=[
        DataRequired(_l("Choose a web address for your shop.")),
        Length(max=80, message=_l("At most %(max)d characters."))])
    tagline = StringField(_l("Tagline"), filters=[strip], description=_l("One line that says what your shop is about."),
                          validators=[Length(max=160, message=_l("At most %(max)d characters."))])
    tagline_en = english_twin(StringField, _l("Tagline in English"), 160)
    logo = FileField(_l("Logo (optional)"), description=_l("A square picture works best. JPEG, PNG, WebP or GIF, up to 5 MB."))
    remove_logo = BooleanField(_l("Remove the current logo"))


class ListingForm(FlaskForm):
    product_id = HiddenField()
    price = MoneyField(_l("Your price (¥)"), validators=[DataRequired(_l("Enter your price in yuan."))])


class ListingPriceForm(FlaskForm):
    price = MoneyField(_l("Your price (¥)"), validators=[DataRequired(_l("Enter your price in yuan."))])


class MoveForm(FlaskForm):
    step = IntegerField()
