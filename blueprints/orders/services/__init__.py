"""The orders domain's rules, one module per topic: `cart`, `checkout` and `fulfilment`.

Import a name from the module that owns it. These re-exports keep imports from other domains
(`from blueprints.orders.services import place_order`) working.
"""
from blueprints.orders.services.cart import (MAX_QUANTITY, CartLine, CartSummary, NotEnoughStock, add_to_cart,
                                             cart_quantity, find_cart, get_or_create_cart, merge_visitor_cart,
                                             prune_visitor_carts, remove_item, set_quantity, summarise)
from blueprints.orders.services.checkout import (PHONE, AddressDetails, DuplicateOrder, PriceChanged, check_address,
                                                 flagged_referrals, new_order_number, normalise_phone,
                                                 order_by_key, order_key_conflict, place_order, save_address,
                                                 saved_addresses)
from blueprints.orders.services.fulfilment import (cancel_order, complete_due_orders, complete_order,
                                                   confirm_payment, fulfilment_queue, mark_delivered,
                                                   order_for_buyer, orders_of, require_own_shipment, ship,
                                                   shop_order_lines)

__all__ = [
    "MAX_QUANTITY", "CartLine", "CartSummary", "NotEnoughStock", "add_to_cart", "cart_quantity", "find_cart",
    "get_or_create_cart", "merge_visitor_cart", "prune_visitor_carts", "remove_item", "set_quantity", "summarise",
    "PHONE", "AddressDetails", "DuplicateOrder", "PriceChanged", "check_address", "flagged_referrals",
    "new_order_number", "normalise_phone", "order_by_key", "order_key_conflict", "place_order", "save_address",
    "saved_addresses",
    "cancel_order", "complete_due_orders", "complete_order", "confirm_payment", "fulfilment_queue",
    "mark_delivered", "order_for_buyer", "orders_of", "require_own_shipment", "ship", "shop_order_lines",
]
