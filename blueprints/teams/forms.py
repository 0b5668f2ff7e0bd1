from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.validators import InputRequired, NumberRange, Optional

from blueprints.money import MoneyField
from blueprints.orders.forms import CheckoutForm
from blueprints.teams.models import MAX_SIZE, MIN_SIZE


class TeamOfferForm(FlaskForm):
    team_size = IntegerField(_l("People in a team"), default=2, validators=[
        InputRequired(_l("Enter how many people make a team.")),
        NumberRange(min=MIN_SIZE, max=MAX_SIZE, message=_l("A team has from %(low)d to %(high)d people.",
                                                           low=MIN_SIZE, high=MAX_SIZE))])
    unit_price = MoneyField(_l("Team price per unit"), validators=[InputRequired(_l("Enter the team price."))])
    open_hours = IntegerField(_l("Hours a team stays open"), default=24, validators=[
        InputRequired(_l("Enter how many hours a team stays open.")),
        NumberRange(min=1, max=168, message=_l("A team stays open from 1 to %(max)d hours.", max=168))])
    max_teams = IntegerField(_l("Most teams (optional)"), validators=[Optional()],
                             description=_l("Leave empty for no limit. Teams that did not fill do not count."))


class TeamOrderForm(CheckoutForm):
    """Checkout for one product at a team's price: which option, how many, where to and how to pay."""
    variant_id = RadioField(_l("Option"), coerce=int, validate_choice=False,
                            validators=[InputRequired(_l("Choose an option."))])
    quantity = IntegerField(_l("Quantity"), default=1, validators=[
        InputRequired(_l("Enter how many you want.")),
        NumberRange(min=1, max=99, message=_l("Choose a quantity from 1 to 99."))])
