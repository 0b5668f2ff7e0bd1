"""Payouts: available balances to suppliers', shops' and sharers' bank accounts, in runs that never pay twice.

A run moves each party's available balance (at least the minimum) to "in transit" and writes the bank's file;
the admin then marks each payout paid (the money left the platform: it moves to the party's "paid") or failed
(it comes back to "available"). Runs take one lock, and a party has at most one payout in transit (a unique
index), so running twice, or two runs at once, pays once. Each party's lock is shared with refunds, so a payout
never pays money a refund already took back (see `lock_parties`).
"""
import csv
import io
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, select, type_coerce, update

from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.ledger.accounts import PER_PARTY, Account, Bucket, Owner
from blueprints.ledger.models import BankDetails, LedgerEntry, Payout, PayoutRun, PayoutStatus
from blueprints.ledger.services import balance, lock_parties, post
from extensions import db

_RUN_LOCK = 0x5348454C46  # any fixed number: the one advisory lock every payout run takes first


def _require_admin(user) -> None:
    if not (user is None or (user.is_authenticated and user.is_admin)):
        raise AccessDenied()


def _available_balances() -> list[tuple[Owner, int]]:
    """(party, owed) for every supplier, shop and sharer whose available balance is above zero."""
    text = type_coerce(LedgerEntry.account, String)
    rows = db.session.execute(select(text, func.sum(LedgerEntry.amount)).where(text.like(f"%:{Bucket.AVAILABLE}"))
                              .group_by(text).having(func.sum(LedgerEntry.amount) < 0))
    found = []
    for name, total in rows:
        account = Account.parse(name)
        if account.kind in PER_PARTY:
            found.append((account.owner, -int(total)))
    return sorted(found, key=lambda pair: str(pair[0]))


def run_payouts(user, minimum: int) -> PayoutRun | None:
    """Pay every party whose available balance is at least `minimum`; None when there was nobody to pay."""
    _require_admin(user)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(_RUN_LOCK)))
    in_transit = set(db.session.scalars(select(Payout.owner).where(Payout.status == PayoutStatus.IN_TRANSIT)))
    run = None
    for owner, _seen in _available_balances():
        if str(owner) in in_transit:
            continue  # one payout at a time: the next run pays what came in since
        lock_parties([owner])
        account = owner.account(Bucket.AVAILABLE)
        owed = -balance(account)  # again, under the party's lock: a refund may have just taken some back
        if owed < max(minimum, 1):
            continue
        if run is None:
            run = PayoutRun(started_by_id=user.id if user is not None else None)
            db.session.add(run)
            db.session.flush()
        bank = db.session.scalar(select(BankDetails).where(BankDetails.owner == str(owner)))
        payout = Payout(run_id=run.id, owner=str(owner), amount=owed, status=PayoutStatus.IN_TRANSIT,
                        account_name=bank.account_name if bank else "", bank_name=bank.bank_name if bank else "",
                        account_number=bank.account_number if bank else "")
        db.session.add(payout)
        db.session.flush()
        post([(account, owed), (owner.account(Bucket.IN_TRANSIT), -owed)], memo=f"payout {payout.id}")
    return run


def settle(user, payout: Payout, *, paid: bool) -> None:
    """The bank confirmed the payout (paid) or sent it back (failed: the money is available again)."""
    _require_admin(user)
    to = PayoutStatus.PAID if paid else PayoutStatus.FAILED
    claimed = db.session.execute(update(Payout).where(Payout.id == payout.id,
                                                      Payout.status == PayoutStatus.IN_TRANSIT)
                                 .values(status=to, settled_at=utcnow())).rowcount
    if claimed != 1:
        raise DomainError(_l("This payout is already settled."))
    db.session.refresh(payout)
    owner = payout.party
    lock_parties([owner])
    post([(owner.account(Bucket.IN_TRANSIT), payout.amount),
          (owner.account(Bucket.PAID if paid else Bucket.AVAILABLE), -payout.amount)],
         memo=f"payout {payout.id} {'paid' if paid else 'failed'}")


def payouts(status: PayoutStatus | None = None, limit: int = 200) -> list[Payout]:
    query = select(Payout).order_by(Payout.created_at.desc(), Payout.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Payout.status == status)
    return list(db.session.scalars(query))


def payouts_of(owner: Owner, limit: int = 50) -> list[Payout]:
    return list(db.session.scalars(select(Payout).where(Payout.owner == str(owner))
                                   .order_by(Payout.created_at.desc(), Payout.id.desc()).limit(limit)))


# The bank's file

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value) -> str:
    """A spreadsheet opens a cell starting with = + - @ as a formula; a leading apostrophe keeps it text."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def bank_csv(run: PayoutRun, names: dict[str, str]) -> bytes:
    """The run's payouts for the bank, UTF-8 with a BOM so Excel reads the Chinese names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["payout", "payee", "account name", "bank", "account number", "amount (CNY)"])
    for payout in run.payouts:
        writer.writerow([excel_safe(cell) for cell in (
            payout.id, names.get(payout.owner, payout.owner), payout.account_name, payout.bank_name,
            payout.account_number, f"{payout.amount // 100}.{payout.amount % 100:02d}")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# Bank details

_ACCOUNT_NUMBER = re.compile(r"^\d{8,30}$")


def bank_details_of(owner: Owner) -> BankDetails | None:
    return db.session.scalar(select(BankDetails).where(BankDetails.owner == str(owner)))


def save_bank_details(owner: Owner, *, account_name: str, bank_name: str, account_number: str) -> BankDetails:
    number = re.sub(r"[\s-]", "", account_number or "")
    errors = {}
    if not (account_name or "").strip():
        errors["account_name"] = _l("Enter the name on the account.")
    if not (bank_name or "").strip():
        errors["bank_name"] = _l("Enter the bank and branch.")
    if not _ACCOUNT_NUMBER.match(number):
        errors["account_number"] = _l("Enter the account number: 8 to 30 digits.")
    if errors:
        raise InvalidFields(errors)
    details = bank_details_of(owner) or BankDetails(owner=str(owner))
    details.account_name, details.bank_name, details.account_number = (account_name.strip(), bank_name.strip(),
                                                                       number)
    db.session.add(details)
    db.session.flush()
    return details
