"""What a ledger entry means, in the reader's language: statements never show the stored (English) memo."""
import re

from flask_babel import gettext as _

from blueprints.ledger.models import LedgerEntry

_CAUSES = [
    (re.compile(r"^order (\S+) placed$"), lambda m: _("Order %(number)s placed", number=m[1])),
    (re.compile(r"^order (\S+) paid with rewards$"), lambda m: _("Rewards spent on order %(number)s", number=m[1])),
    (re.compile(r"^order (\S+): transfer confirmed$"),
     lambda m: _("Bank transfer for order %(number)s confirmed", number=m[1])),
    (re.compile(r"^order (\S+): cash collected on delivery$"),
     lambda m: _("Cash collected on delivery of order %(number)s", number=m[1])),
    (re.compile(r"^order (\S+) cancelled$"), lambda m: _("Order %(number)s cancelled", number=m[1])),
    (re.compile(r"^order (\S+) completed$"),
     lambda m: _("Order %(number)s completed: earnings available", number=m[1])),
    (re.compile(r"^order (\S+) refund \d+$"), lambda m: _("Refund on order %(number)s", number=m[1])),
    (re.compile(r"^order (\S+) refund \d+ paid$"),
     lambda m: _("Refund on order %(number)s paid to the buyer", number=m[1])),
    (re.compile(r"^payout (\d+)$"), lambda m: _("Payout #%(id)s sent to the bank", id=m[1])),
    (re.compile(r"^payout (\d+) paid$"), lambda m: _("Payout #%(id)s arrived", id=m[1])),
    (re.compile(r"^payout (\d+) failed$"), lambda m: _("Payout #%(id)s failed: the money is available again",
                                                      id=m[1])),
]


def cause(entry: LedgerEntry) -> str:
    for pattern, words in _CAUSES:
        if match := pattern.match(entry.memo):
            return words(match)
    return _("Adjustment by the platform")


BUCKET_LABELS = {
    "pending": lambda: _("Pending"), "available": lambda: _("Available"), "in_transit": lambda: _("In transit"),
    "paid": lambda: _("Paid out"), "commission": lambda: _("Commission"), "margin": lambda: _("Catalog margin"),
    "payments_received": lambda: _("Payments received"), "receivable": lambda: _("Owed by buyers"),
    "refund_owed": lambda: _("Refunds owed to buyers"),
}


def bucket_label(bucket: str) -> str:
    words = BUCKET_LABELS.get(str(bucket))
    return words() if words else str(bucket)
