from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from blueprints.forms import strip
from blueprints.orders.models import PaymentMethod


class AddToCartForm(FlaskForm):
    variant_id = HiddenField()
    shop_id = HiddenField()
    quantity = IntegerField(_l("Quantity"), default=1, validators=[
        InputRequired(_l("Enter how many you want.")),
        NumberRange(min=1, max=99, message=_l("Choose a quantity from 1 to 99."))])


class QuantityForm(FlaskForm):
    quantity = IntegerField(_l("Quantity"), validators=[
        InputRequired(_l("Enter how many you want.")),
        NumberRange(min=0, max=99, message=_l("Choose a quantity from 0 to 99 (0 removes it)."))])


def _address_field(label, message, max_length, **kwargs):
    return StringField(label, filters=[strip], validators=[
        DataRequired(message), Length(max=max_length, message=_l("At most %(max)d characters."))], **kwargs)


class CheckoutForm(FlaskForm):
    idempotency_key = HiddenField()
    expected_total = HiddenField()  # the total the buyer was shown: placing refuses a different one
    address_id = RadioField(_l("Ship to"), coerce=str, validate_choice=False, default="new")
    recipient = _address_field(_l("Recipient"), _l("Enter who will receive the parcel."), 60)
    phone = _address_field(_l("Mobile number"), _l("Enter a mobile number for the courier."), 20,
                           description=_l("11 digits, like 138 0013 8000."))
    province = _address_field(_l("Province"), _l("Enter the province."), 40)
    city = _address_field(_l("City"), _l("Enter the city."), 40)
    district = _address_field(_l("District"), _l("Enter the district."), 40)
    street = _address_field(_l("Street address"), _l("Enter the street, building and room."), 200)
    save_address = BooleanField(_l("Save this address for next time"), default=True)
    use_credit = BooleanField(_l("Pay with my share rewards"), default=False)
    payment_method = RadioField(_l("Payment"), default=PaymentMethod.CASH_ON_DELIVERY.value, choices=[
        SelectChoice(PaymentMethod.CASH_ON_DELIVERY.value, _l("Cash on delivery")),
        SelectChoice(PaymentMethod.BANK_TRANSFER.value, _l("Bank transfer (the platform confirms when it arrives)"))],
        validators=[DataRequired(_l("Choose how you will pay."))])

    ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "street")

    def validate(self, extra_validators=None):
        # A saved address needs none of the new-address fields.
        if self.address_id.data and self.address_id.data != "new":
            for name in self.ADDRESS_FIELDS:
                self[name].validators = []
        return super().validate(extra_validators)


class ShipForm(FlaskForm):
    carrier = StringField(_l("Carrier"), filters=[strip], validators=[
        DataRequired(_l("Name the carrier, like SF Express.")), Length(max=60)])
    tracking_number = StringField(_l("Tracking number"), filters=[strip], validators=[
        DataRequired(_l("Enter the tracking number.")), Length(max=60)])


class AddressForm(FlaskForm):
    """An address-book entry. Province, city and district are chosen from the official lists (their choices are
    filled in by the view from what is chosen above them; the service checks them again)."""
    recipient = CheckoutForm.recipient
    phone = CheckoutForm.phone
    province = SelectField(_l("Province"), validate_choice=False,
                           validators=[DataRequired(_l("Choose the province."))])
    city = SelectField(_l("City"), validate_choice=False, validators=[DataRequired(_l("Choose the city."))])
    district = SelectField(_l("District"), validate_choice=False,
                           validators=[DataRequired(_l("Choose the district."))])
    street = CheckoutForm.street
    is_default = BooleanField(_l("Use this address first at checkout"))
