"""Orders' answers to other domains' signals; create_app connects them."""
from blueprints.bilingual import bilingual, joined
from blueprints.catalog.models import Product
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.orders.queries import buyers_through_shop
from blueprints.shops.models import Shop


def tell_shop_customers(shop: Shop, product: Product, **_extra) -> None:
    """People who bought through this shop and asked for its news hear about what it adds."""
    customers = buyers_through_shop(shop.id)
    customers.discard(shop.owner_id)
    notify(customers, Kind.SHOP_NEWS, event="shop_listing",
           subject=joined(bilingual(shop, "name"), bilingual(product, "title")),
           link=f"/shops/{shop.slug}/p/{product.slug}")
