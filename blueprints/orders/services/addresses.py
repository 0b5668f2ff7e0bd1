"""The address book: a user's saved addresses, one of them the default that checkout offers first."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from blueprints.accounts.models import User
from blueprints.errors import AccessDenied, DomainError
from blueprints.orders.models import Address
from blueprints.orders.services.checkout import (AddressDetails, clean_address, find_same_address, save_address,
                                                 saved_addresses)
from extensions import db


class SameAddress(DomainError):
    def __init__(self):
        super().__init__(_l("You already saved this address."))


def address_of(user: User, address_id: int) -> Address:
    address = db.session.get(Address, address_id)
    if address is None or address.user_id != user.id:
        raise AccessDenied()
    return address


def add_address(user: User, details: AddressDetails, *, make_default: bool = False) -> Address:
    first = not saved_addresses(user)
    address = save_address(user, details)
    if make_default or first:
        set_default(user, address.id)
    return address


def edit_address(user: User, address_id: int, details: AddressDetails, *, make_default: bool = False) -> Address:
    address = address_of(user, address_id)
    details = clean_address(details)
    if find_same_address(user, details, other_than=address.id) is not None:
        raise SameAddress()
    for name, value in details.__dict__.items():
        setattr(address, name, value)
    if make_default:
        set_default(user, address.id)
    return address


def delete_address(user: User, address_id: int) -> None:
    """Orders keep their own copy of the address, so a saved one can go at any time."""
    address = address_of(user, address_id)
    was_default = address.is_default
    db.session.delete(address)
    db.session.flush()
    if was_default and (rest := saved_addresses(user)):
        set_default(user, rest[0].id)


def set_default(user: User, address_id: int) -> None:
    target = address_of(user, address_id)
    db.session.execute(update(Address).where(Address.user_id == user.id, Address.id != target.id)
                       .values(is_default=False))
    target.is_default = True


def forget_addresses(user: User) -> None:
    """The account is being deleted: its saved addresses go (orders keep their own copy)."""
    for address in saved_addresses(user):
        db.session.delete(address)
