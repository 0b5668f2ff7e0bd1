"""What a supplier learns from a prototype's feedback: supporters over time, the prices people would pay,
poll results, pledges and the most liked comments (its page and CSV export)."""
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from blueprints.codesign.models import Comment, Poll, PollOption, Prototype, Support
from blueprints.codesign.services.comments import comments_for
from blueprints.codesign.services.support import tally
from extensions import db


@dataclass
class Analytics:
    support_by_day: list[tuple[date, int]]   # cumulative supporters at the end of each day
    price_buckets: list[tuple[int, int, int]]  # (from, to, how many would buy in that range), in fen
    target_price: int
    polls: list[tuple[Poll, list[tuple[PollOption, int]]]]
    pledged: int
    top_comments: list[tuple[Comment, int]]


def analytics(prototype: Prototype) -> Analytics:
    supports = list(db.session.execute(select(Support.created_at, Support.would_buy_at)
                                       .where(Support.prototype_id == prototype.id)
                                       .order_by(Support.created_at)).all())
    by_day = Counter(created.date() for created, _price in supports)
    start = (prototype.opened_at or prototype.created_at).date()
    end = max([start, *by_day], default=start)
    days, total, day = [], 0, start
    while day <= end:
        total += by_day.get(day, 0)
        days.append((day, total))
        day += timedelta(days=1)
    prices = [price for _created, price in supports if price]
    buckets = []
    if prices:
        # About eight whole-yuan buckets spanning the answers and the target, not starting from zero.
        lowest, highest = min(prices + [prototype.target_price]), max(prices + [prototype.target_price])
        step = max(100, ((highest - lowest) // 8 // 100 + 1) * 100)
        for low in range(lowest // step * step, highest + 1, step):
            buckets.append((low, low + step - 1, sum(1 for price in prices if low <= price < low + step)))
    counts = tally(prototype, AnonymousUserMixin())
    polls = [(poll, [(option, counts.votes.get(option.id, 0)) for option in poll.options]) for poll in prototype.polls]
    liked = [(comment, replies) for comment, replies in comments_for(prototype, AnonymousUserMixin(), "liked")]
    top = sorted(((comment, comment.like_count) for comment, _replies in liked if comment.deleted_at is None),
                 key=lambda pair: -pair[1])[:5]
    return Analytics(days, buckets, prototype.target_price, polls, counts.pledged, top)
