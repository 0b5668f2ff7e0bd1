from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from blueprints.forms import english_twin, strip
from blueprints.money import MoneyField


def _required_amount():
    return DataRequired(_l("Enter an amount in yuan."))


class ProductForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(_l("Give the product a title in Chinese.")),
        Length(max=160, message=_l("At most %(max)d characters."))])
    title_en = english_twin(StringField, _l("Title in English"), 160)
    description = TextAreaField(_l("Description"), filters=[strip], validators=[
        Length(max=5000, message=_l("At most %(max)d characters."))])
    description_en = english_twin(TextAreaField, _l("Description in English"), 5000)
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=False,
                              validators=[DataRequired(_l("Choose a category."))])
    supply_price = MoneyField(_l("Supply price (¥)"), description=_l("What you are paid for each unit sold."),
                              validators=[_required_amount()])
    suggested_price = MoneyField(_l("Suggested price (¥)"), description=_l("The price on the catalog page."),
                                 validators=[_required_amount()])
    min_price = MoneyField(_l("Lowest resale price (¥)"), validators=[_required_amount()])
    max_price = MoneyField(_l("Highest resale price (¥)"), validators=[_required_amount()])
    # Not called "images": ProductForm(obj=product) would fill it with the stored images.
    new_images = MultipleFileField(_l("Add images"), description=_l(
        "JPEG, PNG, WebP or GIF; up to 5 MB and 20 megapixels each; up to 10 at a time."))


class VariantForm(FlaskForm):
    sku = StringField(_l("SKU code"), filters=[strip], validators=[
        DataRequired(_l("Enter a SKU code.")), Length(max=64, message=_l("At most %(max)d characters."))])
    colour = StringField(_l("Colour"), filters=[strip], validators=[Length(max=40)])
    colour_en = english_twin(StringField, _l("Colour in English"), 40)
    size = StringField(_l("Size"), filters=[strip], validators=[Length(max=40)])
    size_en = english_twin(StringField, _l("Size in English"), 40)
    stock_on_hand = IntegerField(_l("Stock on hand"), validators=[
        InputRequired(_l("Enter how many you have in stock.")),
        NumberRange(min=0, max=1_000_000, message=_l("Enter a whole number from 0 to 1,000,000."))])
    # The choices are the product's pictures, set by the view; the service checks the one chosen is among them.
    image_id = SelectField(_l("Picture"), coerce=lambda value: int(value) if value not in (None, "") else None,
                           validate_choice=False,
                           description=_l("Shown first when a buyer chooses this variant."))
