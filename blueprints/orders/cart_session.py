"""The cart a browser holds: a visitor's is found by a token in their session and joins their own at sign-in."""
from flask import session
from flask_login import current_user

from blueprints.orders.models import Cart
from blueprints.orders.services.cart import cart_quantity, find_cart, get_or_create_cart, merge_visitor_cart

CART_TOKEN = "cart_token"


def current_cart() -> Cart | None:
    return find_cart(current_user, session.get(CART_TOKEN))


def current_or_new_cart() -> Cart:
    return get_or_create_cart(current_user, session.get(CART_TOKEN))


def remember_cart(cart: Cart) -> None:
    """Keep a visitor's cart: its token goes in their session (a user's cart is found by the user)."""
    if not current_user.is_authenticated:
        session[CART_TOKEN] = cart.token


def units_in_cart() -> int:
    return cart_quantity(current_user, session.get(CART_TOKEN))


def merge_cart_at_sign_in(_app, user, **_extra):
    """Flask-Login's user_logged_in signal: the visitor's cart joins the user's (the view commits)."""
    merge_visitor_cart(session.pop(CART_TOKEN, None), user)
