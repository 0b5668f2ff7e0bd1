"""Suppliers' and shops' track records, computed from the site's own orders, reviews and prototypes by a scheduled
job (`flask refresh-track-records`) and stored, so a page reads one stored row instead of counting on every view."""
from collections import defaultdict
from datetime import timedelta
from statistics import median

from sqlalchemy import func, select

from blueprints.codesign.models import Prototype, Stage
from blueprints.columns import utcnow
from blueprints.orders.queries import shipment_times, units_delivered_and_returned
from blueprints.reviews.models import Review, TrackRecord
from blueprints.shops.models import Shop
from blueprints.suppliers.models import Supplier
from extensions import db

# A shipment sent within two days of being paid (or confirmed, for cash on delivery) is on time.
ON_TIME = timedelta(hours=48)


def _reviews_by(column) -> dict[int, tuple[int, float]]:
    rows = db.session.execute(select(column, func.count(Review.id), func.avg(Review.stars))
                              .where(column.is_not(None), Review.hidden_reason.is_(None)).group_by(column))
    return {owner_id: (count, float(average)) for owner_id, count, average in rows}


def _record(kind: str, owner_id: int, existing: dict) -> TrackRecord:
    record = existing.get((kind, owner_id))
    if record is None:
        record = TrackRecord(kind=kind, owner_id=owner_id)
        db.session.add(record)
    return record


def refresh_track_records() -> int:
    """Recompute every supplier's and shop's record; returns how many were written."""
    now = utcnow()
    existing = {(record.kind, record.owner_id): record for record in db.session.scalars(select(TrackRecord))}
    times = shipment_times()
    by_supplier, shop_orders = defaultdict(list), defaultdict(list)
    for shipment in times:
        by_supplier[shipment.supplier_id].append(shipment)
        if shipment.shop_id is not None:
            shop_orders[shipment.shop_id].append(shipment.order_placed_at)
    supplier_reviews, shop_reviews = _reviews_by(Review.supplier_id), _reviews_by(Review.shop_id)
    launched = dict(db.session.execute(select(Prototype.supplier_id, func.count(Prototype.id))
                                       .where(Prototype.stage == Stage.LAUNCHED).group_by(Prototype.supplier_id)).all())
    returns = units_delivered_and_returned()
    written = 0
    for supplier_id, verified_at in db.session.execute(select(Supplier.id, Supplier.verified_at)
                                                       .where(Supplier.verified_at.is_not(None))):
        shipments = by_supplier.get(supplier_id, [])
        waits = [shipment.shipped_at - shipment.ready_at for shipment in shipments
                 if shipment.shipped_at and shipment.ready_at]
        record = _record("supplier", supplier_id, existing)
        record.since, record.orders, record.shipped = verified_at, len(shipments), len(waits)
        record.median_ship_hours = round(median(waits).total_seconds() / 3600) if waits else None
        record.on_time_bp = round(10_000 * sum(wait <= ON_TIME for wait in waits) / len(waits)) if waits else None
        delivered_units, returned_units = returns.get(supplier_id, (0, 0))
        # Nothing delivered yet is "not measured", never 0%.
        record.return_rate_bp = round(10_000 * returned_units / delivered_units) if delivered_units else None
        record.review_count, average = supplier_reviews.get(supplier_id, (0, None))
        record.average_stars_x100 = round(average * 100) if average is not None else None
        record.prototypes_launched = launched.get(supplier_id, 0)
        record.computed_at = now
        written += 1
    for shop_id, created_at in db.session.execute(select(Shop.id, Shop.created_at)):
        record = _record("shop", shop_id, existing)
        # Shipments of one order through a shop count as one order.
        record.since, record.orders = created_at, len(set(shop_orders.get(shop_id, [])))
        record.review_count, average = shop_reviews.get(shop_id, (0, None))
        record.average_stars_x100 = round(average * 100) if average is not None else None
        record.computed_at = now
        written += 1
    db.session.flush()
    return written


def track_record(kind: str, owner_id: int) -> TrackRecord | None:
    """The stored record (one indexed read); None until the job first ran."""
    return db.session.scalar(select(TrackRecord).where(TrackRecord.kind == kind, TrackRecord.owner_id == owner_id))
