"""Track records: computed from the site's own data by the scheduled job, stored, and read by the pages."""
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.reviews.models import TrackRecord
from blueprints.reviews.services import write_review
from blueprints.reviews.track_records import refresh_track_records, track_record
from extensions import db
from tests.conftest import sign_in
from tests.reviews.conftest import buy


def test_the_job_counts_orders_shipping_times_and_reviews(app, ctx, delivered, make_user):
    write_review(db.session.get(User, delivered.buyer.id), delivered.line_id, 4, "Good")
    buy(app, make_user("late@example.com"), delivered.product, None, "open", deliver=False)
    assert refresh_track_records() >= 2
    record = track_record("supplier", delivered.supplier.id)
    assert record.orders == 2 and record.shipped == 1 and record.on_time_bp == 10_000
    assert record.median_ship_hours == 0 and record.average_stars_x100 == 400 and record.review_count == 1
    assert record.return_rate_bp == 0 and record.since is not None  # delivered, nothing returned
    shop = track_record("shop", db.session.scalar(select(TrackRecord.owner_id).where(TrackRecord.kind == "shop")))
    assert shop.orders == 1 and shop.average_stars_x100 == 400
    refresh_track_records()  # run again: updated in place, not doubled
    assert db.session.scalar(select(func.count(TrackRecord.id)).where(TrackRecord.kind == "supplier")) == 1


def test_pages_read_the_stored_record_not_a_fresh_count(app, client, delivered):
    with app.app_context():
        refresh_track_records()
        db.session.commit()
        slug = db.session.scalar(select(db.text("slug")).select_from(db.table("suppliers")).limit(1))
    page = client.get(f"/suppliers/{slug}").get_data(as_text=True)
    assert "Track record" in page and "Orders shipped" in page and "Return rate" in page and "0%" in page
    assert "1 order shipped" in client.get(f"/p/{delivered.product.slug}").get_data(as_text=True)
    assert "Open since" in client.get(f"/shops/{delivered.shop_slug}").get_data(as_text=True)
    # A new delivery shows after the next run only: the pages do not count per view.
    sign_in(client, delivered.buyer)
    result = app.test_cli_runner().invoke(args=["refresh-track-records"])
    assert "Refreshed" in result.output


def test_the_return_rate_counts_units_taken_back_over_units_delivered(app, ctx, delivered, make_user):
    from blueprints.orders.models import OrderLine
    from blueprints.orders.return_models import ReturnLine, ReturnReason, ReturnRequest, ReturnStatus

    buy(app, make_user("second@example.com"), delivered.product, None, "two", supplier=delivered.supplier)
    buy(app, make_user("waiting@example.com"), delivered.product, None, "three", deliver=False)  # not delivered
    line = db.session.get(OrderLine, delivered.line_id)
    for status in (ReturnStatus.REFUNDED, ReturnStatus.REFUSED):  # a refused return is not a return
        request = ReturnRequest(order_id=line.order_id, shipment_id=line.shipment_id,
                                supplier_id=delivered.supplier.id, status=status, reason=ReturnReason.DAMAGED)
        db.session.add(request)
        db.session.flush()
        db.session.add(ReturnLine(return_id=request.id, order_line_id=line.id, quantity=1))
    db.session.flush()
    refresh_track_records()
    delivered_units = db.session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.shipment_id.in_(
        select(db.text("id")).select_from(db.table("shipments")).where(db.text("delivered_at IS NOT NULL")))))
    assert track_record("supplier", delivered.supplier.id).return_rate_bp == round(10_000 / delivered_units)


def test_a_supplier_with_nothing_delivered_has_no_return_rate_yet(ctx, make_supplier):
    supplier = make_supplier("Fresh Co")
    refresh_track_records()
    assert track_record("supplier", supplier.id).return_rate_bp is None


def test_a_product_page_keeps_its_suppliers_line_until_the_next_run_of_the_job(app, client, delivered, make_product):
    """The line is the same on every product of a supplier: kept under the catalog's version, which the job's run
    bumps, so the second product's page reads no record and a new run shows at once."""
    from blueprints import cache
    from tests.test_query_counts import counting

    app.config["FRAGMENT_CACHE"] = True  # one process here: no Redis needed to see the bump
    cache._fragments.clear()
    other = make_product(delivered.supplier, "Tea tin")
    try:
        with app.app_context():
            refresh_track_records()
            db.session.commit()
        assert "1 order shipped" in client.get(f"/p/{delivered.product.slug}").get_data(as_text=True)
        with counting(app) as statements:
            assert "1 order shipped" in client.get(f"/p/{other.slug}").get_data(as_text=True)
        assert not [statement for statement in statements if "track_records" in statement]
        with app.app_context():
            record = track_record("supplier", delivered.supplier.id)
            record.shipped = 7  # as the job's next run would find
            db.session.commit()
        assert "7 orders shipped" in client.get(f"/p/{other.slug}").get_data(as_text=True)
    finally:
        cache._fragments.clear()
        cache._versions.clear()
