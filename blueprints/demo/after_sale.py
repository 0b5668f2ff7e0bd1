"""Demo data after the sale: an order still returnable, a return waiting for the supplier, a refunded return owed to
the buyer, bank details, and a payout run (balances above the minimum)
with its first payout marked paid."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from blueprints.catalog.models import Product
from blueprints.ledger.accounts import Owner
from blueprints.ledger.models import Payout
from blueprints.ledger.payouts import run_payouts, save_bank_details, settle
from blueprints.money import current_rates
from blueprints.orders.models import PaymentMethod
from blueprints.orders.return_models import ReturnReason
from blueprints.orders.services import (AddressDetails, add_to_cart, get_or_create_cart, mark_delivered,
                                        order_by_key, place_order, ship)
from blueprints.orders.services.returns import accept, receive, request_return, send_back
from blueprints.shops.models import Shop
from blueprints.suppliers.models import Supplier
from extensions import db

ADDRESS = AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号 3 幢 201")
RETURN_ADDRESS = "杭州市余杭区 良渚街道 好运路 8 号 杭州家作仓库（退货组）"
WINDOW = timedelta(days=7)


def _delivered_order(buyer, key: str, picks: list[tuple[str, int]]):
    shop = db.session.scalar(select(Shop).where(Shop.slug == "shen-home"))
    cart = get_or_create_cart(buyer, None)
    for title, quantity in picks:
        product = db.session.scalar(select(Product).where(Product.title == title))
        add_to_cart(cart, max(product.variants, key=lambda v: v.stock_on_hand), shop, quantity)
    order = place_order(buyer, cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, key, current_rates())
    for shipment in order.shipments:
        member = shipment.supplier.members[0].user
        ship(member, shipment, carrier="SF Express", tracking_number=f"SF{order.id:010d}")
        mark_delivered(member, shipment)
    return order


def seed_after_sale(users, created: list[str]) -> None:
    if order_by_key("demo-return-1") is not None:
        return
    buyer, admin = users["shopper@demo.shelfmade.test"], users["admin@demo.shelfmade.test"]
    returnable = _delivered_order(buyer, "demo-return-1", [("青花瓷饭碗", 2), ("亚麻茶巾三条装", 1)])
    created.append(f"order {returnable.number} (delivered, returnable)")

    asked = _delivered_order(buyer, "demo-return-2", [("不锈钢保温杯 500ml", 2)])
    request_return(buyer, asked, {asked.lines[0].id: 1}, ReturnReason.DAMAGED,
                   "杯盖有裂纹，倒水会漏。The lid is cracked and leaks.", window=WINDOW)
    created.append(f"return on {asked.number} (waiting for the supplier)")

    refunded = _delivered_order(buyer, "demo-return-3", [("油蜡帆布托特包", 1)])
    (item,) = request_return(buyer, refunded, {refunded.lines[0].id: 1}, ReturnReason.NO_REASON, "", window=WINDOW)
    supplier_member = item.supplier.members[0].user
    accept(supplier_member, item, RETURN_ADDRESS)
    send_back(buyer, item, carrier="YTO Express", tracking_number="YT8812345678")
    receive(supplier_member, item, restock=True)
    created.append(f"refund on {refunded.number} (owed to the buyer)")

    shop = db.session.scalar(select(Shop).where(Shop.slug == "shen-home"))
    save_bank_details(Owner.shop(shop.id), account_name="沈小红", bank_name="招商银行 杭州分行",
                      account_number="6214 8301 2345 6789")
    works = db.session.scalar(select(Supplier).where(Supplier.slug == "hangzhou-home-works"))
    save_bank_details(Owner.supplier(works.id), account_name="杭州家作贸易有限公司", bank_name="中国工商银行 杭州西湖支行",
                      account_number="1202 0219 0900 1234 567")
    run = run_payouts(admin, current_app.config["PAYOUT_MINIMUM"])
    if run is not None:
        first = db.session.scalar(select(Payout).where(Payout.run_id == run.id).order_by(Payout.id))
        settle(admin, first, paid=True)
        created.append(f"payout run #{run.id} ({len(run.payouts)} payouts, one paid)")
    db.session.flush()
