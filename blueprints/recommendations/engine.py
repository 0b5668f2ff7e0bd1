"""The recommender itself: plain data in, ranked suggestions with their reasons out.

No database and no Flask here, so the service (live pages) and bench/recommendations.py (offline
figures) run exactly the same code. Items are keys such as ("product", 12) or ("prototype", 3); a
launched prototype is already folded into its product by whoever builds the interactions.
"""
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

ItemKey = tuple[str, int]

# How much each way of taking part says about taste: paying (or promising to) says most.
WEIGHTS = {"purchase": 3.0, "pledge": 3.0, "support": 2.0, "vote": 1.0}

# How the signals add up; tuned on bench/recommendations.py, never on one user's page.
CATEGORY_WEIGHT = 0.25
KEYWORD_WEIGHT = 0.6
TRENDING_WEIGHT = 0.02
# Dividing co-occurrence by popularity to this power keeps best-sellers from crowding out the
# items that really go together (0: raw counts, 0.5: cosine).
POPULARITY_DAMPING = 0.5


class Interaction(NamedTuple):
    user_id: int
    item: ItemKey
    source: str  # a key of WEIGHTS


@dataclass(frozen=True)
class ItemInfo:
    """What the engine needs to know about a candidate: where it sits, the words that describe it, its price."""
    key: ItemKey
    category_id: int | None = None
    text: str = ""  # title and description, matched against keywords case-insensitively
    parent_category_id: int | None = None
    price: int | None = None  # in fen


class Keywords(NamedTuple):
    """A keyword subscription: every word must appear; optionally only in a category (or its children)
    and at most a price, as subscriptions/services.py decides who hears about new items."""
    words: str
    category_id: int | None = None
    max_price: int | None = None


class Reason(NamedTuple):
    """Why an item is suggested: `kind` is supported, bought, category, keyword, together or trending;
    `about` is the item, category id, keyword or count the wording needs."""
    kind: str
    about: object = None


class Suggestion(NamedTuple):
    item: ItemKey
    reason: Reason
    score: float


def taste(interactions: Iterable[Interaction]) -> dict[ItemKey, tuple[float, str]]:
    """One user's items: the strongest way they took part in each (weight, source)."""
    best: dict[ItemKey, tuple[float, str]] = {}
    for interaction in interactions:
        weight = WEIGHTS.get(interaction.source, 1.0)
        if interaction.item not in best or weight > best[interaction.item][0]:
            best[interaction.item] = (weight, interaction.source)
    return best


def co_occurrence(seeds: Iterable[ItemKey], others: Iterable[Interaction]) -> dict[ItemKey, dict[ItemKey, int]]:
    """For each seed, how many other people touched both it and each other item (one count per person)."""
    seeds = set(seeds)
    by_user: dict[int, set[ItemKey]] = defaultdict(set)
    for interaction in others:
        by_user[interaction.user_id].add(interaction.item)
    together: dict[ItemKey, dict[ItemKey, int]] = defaultdict(lambda: defaultdict(int))
    for items in by_user.values():
        shared = items & seeds
        if not shared:
            continue
        for seed in shared:
            for item in items:
                if item != seed:
                    together[seed][item] += 1
    return together


def _similar(popularity: Mapping[ItemKey, int], seed: ItemKey, item: ItemKey, count: int) -> float:
    """Co-occurrence damped by how popular both items are (popularity comes from a larger sample, so at least `count`)."""
    norm = (max(popularity.get(seed, 1), count) * max(popularity.get(item, 1), count)) ** POPULARITY_DAMPING
    return count / norm if norm else 0.0


def matched_keyword(info: ItemInfo, keywords: Iterable[Keywords | str]) -> str | None:
    """The words of the first subscription the item matches."""
    # Substring tests, not word splitting: Chinese titles have no spaces between words.
    text = info.text.casefold()
    for wish in keywords:
        wish = Keywords(wish) if isinstance(wish, str) else wish
        terms = wish.words.casefold().split()
        if not terms or not all(term in text for term in terms):
            continue
        if wish.category_id is not None and wish.category_id not in (info.category_id, info.parent_category_id):
            continue
        if wish.max_price is not None and info.price is not None and info.price > wish.max_price:
            continue
        return wish.words
    return None


def recommend(mine: Iterable[Interaction], others: Iterable[Interaction], candidates: Mapping[ItemKey, ItemInfo], *,
              popularity: Mapping[ItemKey, int], trending: Mapping[ItemKey, float] | None = None,
              keywords: Iterable[Keywords | str] = (), seed_categories: Mapping[ItemKey, int | None] | None = None,
              exclude: Iterable[ItemKey] = (), limit: int = 10) -> list[Suggestion]:
    """Rank `candidates` for one user.

    `mine` are the user's interactions, `others` the interactions of people who share items with them
    (all of them or a recent sample), `popularity` how many people touched each item, `trending` recent
    activity. Items the user already touched, and `exclude`, are never suggested. With no history the
    result is the trending list, so a new user or a visitor still sees something worth a look.
    """
    trending = trending or {}
    keywords = list(keywords)
    profile = taste(mine)
    seen = set(profile) | set(exclude)
    scores: dict[ItemKey, float] = defaultdict(float)
    reasons: dict[ItemKey, tuple[float, Reason]] = {}

    def credit(item: ItemKey, amount: float, reason: Reason) -> None:
        if amount <= 0 or item in seen or item not in candidates:
            return
        scores[item] += amount
        if item not in reasons or amount > reasons[item][0]:
            reasons[item] = (amount, reason)

    together = co_occurrence(profile, others)
    for seed, counts in together.items():
        weight, source = profile[seed]
        kind = "bought" if source == "purchase" else "supported"
        for item, count in counts.items():
            credit(item, weight * _similar(popularity, seed, item, count), Reason(kind, seed))

    categories = seed_categories or {}
    affinity: dict[int, float] = defaultdict(float)
    for seed, (weight, _source) in profile.items():
        if (category := categories.get(seed)) is not None:
            affinity[category] += weight
    total = sum(affinity.values())
    most = max(popularity.values(), default=0)
    for key, info in candidates.items():
        if total and info.category_id in affinity:
            known = math.log1p(popularity.get(key, 0)) / math.log1p(most) if most else 0.0
            credit(key, CATEGORY_WEIGHT * affinity[info.category_id] / total * (0.5 + known),
                   Reason("category", info.category_id))
        if keywords and (keyword := matched_keyword(info, keywords)) is not None:
            credit(key, KEYWORD_WEIGHT, Reason("keyword", keyword))
    busiest = max(trending.values(), default=0)
    for key, activity in trending.items():
        if activity > 0:
            credit(key, TRENDING_WEIGHT * activity / busiest, Reason("trending"))

    ranked = sorted(scores, key=lambda key: (-scores[key], -popularity.get(key, 0), key))
    return [Suggestion(key, reasons[key][1], scores[key]) for key in _varied(ranked, reasons, limit)]


def _varied(ranked: list[ItemKey], reasons, limit: int) -> list[ItemKey]:
    """The best `limit`, but no more than a third of them only for being in the same category ("popular in
    kitchen" eight times says little); the ones held back fill in if nothing else is left."""
    most = max(2, limit // 3)
    per_category: dict[object, int] = defaultdict(int)
    chosen, held_back = [], []
    for key in ranked:
        reason = reasons[key][1]
        if reason.kind == "category":
            if per_category[reason.about] >= most:
                held_back.append(key)
                continue
            per_category[reason.about] += 1
        chosen.append(key)
        if len(chosen) == limit:
            return chosen
    return chosen + held_back[:limit - len(chosen)]


def also_chosen(item: ItemKey, others: Iterable[Interaction], candidates: Mapping[ItemKey, ItemInfo], *,
                popularity: Mapping[ItemKey, int], exclude: Iterable[ItemKey] = (), limit: int = 4) -> list[Suggestion]:
    """"People who supported this also supported": items most often chosen by the same people as `item`."""
    seen = {item, *exclude}
    counts = co_occurrence([item], others).get(item, {})
    ranked = [(key, count) for key, count in counts.items() if key not in seen and key in candidates]
    ranked.sort(key=lambda pair: (-_similar(popularity, item, pair[0], pair[1]), -pair[1], pair[0]))
    return [Suggestion(key, Reason("together", count), _similar(popularity, item, key, count))
            for key, count in ranked[:limit]]
