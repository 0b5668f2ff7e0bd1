"""Money: integer minor units (fen), the platform's rates, the split of a sale, and reading amounts typed by people.

Rates are basis points (1/100 of a percent) so every calculation stays in integers.
"""
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency as babel_format_currency
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import StopValidation

BASIS_POINTS = 10_000


@dataclass(frozen=True)
class Rates:
    commission_bp: int
    referral_bp: int


def current_rates() -> Rates:
    return Rates(current_app.config["PLATFORM_COMMISSION_BP"], current_app.config["REFERRAL_REWARD_BP"])


def shop_earnings_per_unit(price: int, supply_price: int, rates: Rates, *, referred: bool) -> int:
    """What a shop keeps from one unit sold at `price`, with or without a sharer's reward."""
    commission = price * rates.commission_bp // BASIS_POINTS
    referral = price * rates.referral_bp // BASIS_POINTS if referred else 0
    return price - supply_price - commission - referral


def kept_share(rates: Rates) -> int:
    """Basis points of a price left to the shop and the supplier once the platform and a sharer are paid."""
    return BASIS_POINTS - rates.commission_bp - rates.referral_bp


def listing_price_floor(supply_price: int, rates: Rates) -> int:
    """The lowest price at which a shop never loses money, for any quantity and with a referral.

    p * (1 - commission - referral) >= supply_price, so rounding the parts down per line can
    only leave the shop more, never less.
    """
    return -(-supply_price * BASIS_POINTS // kept_share(rates))


@dataclass(frozen=True)
class LineSplit:
    """Who gets what of one order line. The parts always add up to `total`."""

    total: int
    supplier_payout: int
    platform_commission: int
    referral_reward: int
    shop_earnings: int
    platform_margin: int  # the rest, when there is no shop (a purchase from the platform's catalog)


def split_line(unit_price: int, supply_price: int, quantity: int, rates: Rates, *, referred: bool,
               through_shop: bool) -> LineSplit:
    total = unit_price * quantity
    payout = supply_price * quantity
    commission = total * rates.commission_bp // BASIS_POINTS
    referral = total * rates.referral_bp // BASIS_POINTS if referred else 0
    rest = total - payout - commission - referral
    return LineSplit(total=total, supplier_payout=payout, platform_commission=commission, referral_reward=referral,
                     shop_earnings=rest if through_shop else 0, platform_margin=0 if through_shop else rest)


def where_money_goes(price: int, supply_price: int, rates: Rates, *, through_shop: bool) -> LineSplit:
    """The "where your money goes" panel: one unit at `price`, bought through someone's share link, split by the
    very function that writes the order line and the ledger."""
    return split_line(price, supply_price, 1, rates, referred=True, through_shop=through_shop)


def format_money(minor_units: int | None, *, whole: bool = False) -> str:
    """`whole` drops the fen, for round figures such as price ranges."""
    if minor_units is None:
        return ""
    return _formatted(minor_units, current_app.config["CURRENCY"], str(get_locale()), whole)


# CLDR spells the yuan "CN¥" in English to tell it from the yen; our shoppers only ever see yuan, and "¥" is
# how they write it in either language.
_SYMBOL_SHOWN = {"CNY": "¥"}


@lru_cache(maxsize=8192)
def _formatted(minor_units: int, currency: str, locale: str, whole: bool) -> str:
    # Babel applies its number pattern in Python on every call; a catalog page formats dozens of prices,
    # most of them the same few amounts.
    pattern = "¤#,##0" if whole else Locale.parse(locale).currency_formats["standard"].pattern
    if currency in _SYMBOL_SHOWN:
        pattern = pattern.replace("¤", f"'{_SYMBOL_SHOWN[currency]}'")
    return babel_format_currency(Decimal(minor_units) / 100, currency, format=pattern, currency_digits=not whole,
                                 locale=locale)


_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


def parse_amount(text: str) -> int:
    """'12', '12.5', '¥1,234.50' -> minor units; ValueError for anything else."""
    cleaned = re.sub(r"[\s,¥￥]|CN|RMB|元", "", text or "", flags=re.IGNORECASE)
    if not _AMOUNT.match(cleaned):
        raise ValueError(text)
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:
        raise ValueError(text) from exc


class MoneyField(StringField):
    """An amount in yuan as typed; `.data` is minor units. The typed text is kept on errors."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, render_kw={"inputmode": "decimal", **kwargs.pop("render_kw", {})},
                         **kwargs)

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0].strip() if valuelist else ""
        self.data = None
        self.parse_failed = False
        if self.raw_text:
            try:
                self.data = parse_amount(self.raw_text)
            except ValueError:
                self.parse_failed = True

    def process_data(self, value):
        self.data = value
        self.raw_text = None
        self.parse_failed = False

    def pre_validate(self, form):
        # Stop here, so a "required" check cannot replace this message with a vaguer one.
        if self.parse_failed:
            raise StopValidation(_l("Enter an amount in yuan, like 59 or 59.90."))

    def _value(self):
        if self.raw_text is not None:
            return self.raw_text
        return "" if self.data is None else f"{Decimal(self.data) / 100:.2f}"


def allocate(parts: dict[str, int], amount: int) -> dict[str, int]:
    """Share `amount` out of `parts` (non-negative, summing to at least `amount`) in proportion, in whole units.

    Each share is rounded down and the units left over go to the largest remainders (ties in `parts`' order), so
    the shares add up to `amount` exactly and none is above its part: taking a refund out of what is left of a
    line's split, again and again, can never reverse more of a part than it held."""
    whole = sum(parts.values())
    if not 0 <= amount <= whole:
        raise ValueError(f"cannot take {amount} out of {whole}")
    if whole == 0:
        return dict.fromkeys(parts, 0)
    shares = {name: part * amount // whole for name, part in parts.items()}
    left = amount - sum(shares.values())
    by_remainder = sorted(parts, key=lambda name: -(parts[name] * amount % whole))
    for name in by_remainder[:left]:
        shares[name] += 1
    return shares
