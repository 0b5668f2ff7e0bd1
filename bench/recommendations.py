"""Offline figures for the recommender: hit rate at 10 and catalog coverage, against a popularity baseline.

    .venv/bin/python bench/recommendations.py [--users 3000] [--items 400] [--seed 7]

It generates a seeded synthetic community (people with tastes over categories and suppliers,
keyword subscriptions, items that go together, a few best-sellers), holds out each person's last
item, and asks the same engine the site uses (blueprints/recommendations/engine.py) for ten
suggestions from the rest, sampling neighbours the way the service does. It exits with status 1
when the recommender does not beat the baseline on hit rate. Method and figures: bench/README.md, "Recommendations".
"""
import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from blueprints.recommendations.engine import Interaction, ItemInfo, recommend  # noqa: E402

K = 10
NEIGHBOURS = 300        # as blueprints/recommendations/services.py samples them
NEIGHBOUR_ROWS = 5000
TRENDING_DAYS = 14
SOURCES = {"product": (("purchase", 1.0),), "prototype": (("support", 0.6), ("vote", 0.25), ("pledge", 0.15))}


@dataclass
class Community:
    items: dict              # key -> ItemInfo
    supplier_of: dict        # key -> supplier id
    interactions: list       # (time, Interaction), in time order
    keywords: dict           # user id -> [keyword]


def generate(users: int, items: int, seed: int, categories: int = 12, suppliers: int = 30,
             words_per_category: int = 10) -> Community:
    """A community with structure to find: tastes, keywords, companions, and a popularity skew to resist."""
    rng = random.Random(seed)
    vocabulary = {c: [f"w{c}x{n}" for n in range(words_per_category)] for c in range(categories)}
    info, supplier_of, appeal = {}, {}, {}
    by_category = defaultdict(list)
    for n in range(items):
        kind = "prototype" if rng.random() < 0.3 else "product"
        key = (kind, n)
        category = rng.randrange(categories)
        supplier = rng.randrange(suppliers)
        words = rng.sample(vocabulary[category], 2)
        info[key] = ItemInfo(key, category, f"{words[0]} {words[1]} item {n}")
        supplier_of[key] = supplier
        appeal[key] = rng.paretovariate(1.2)  # a long tail with a few best-sellers
        by_category[category].append(key)
    # Things that go together (a teapot and its tea): each item has two companions nearby.
    companions = {key: rng.sample([k for k in by_category[i.category_id] if k != key], 2)
                  if len(by_category[i.category_id]) > 2 else [] for key, i in info.items()}
    keys = list(info)
    everyone = [appeal[k] for k in keys]
    interactions, keywords = [], {}
    for user in range(users):
        liked_categories = rng.sample(range(categories), rng.choice((1, 2, 2, 3)))
        liked_suppliers = set(rng.sample(range(suppliers), 2))
        words = []
        if rng.random() < 0.3:
            words = [rng.choice(vocabulary[rng.choice(liked_categories)])]
            keywords[user] = words
        pool = [k for c in liked_categories for k in by_category[c]]
        weights = [appeal[k] * (3 if supplier_of[k] in liked_suppliers else 1)
                   * (3 if words and words[0] in info[k].text else 1) for k in pool]
        count = min(60, max(3, int(rng.lognormvariate(2.3, 0.6))))
        mine = []
        # Days since the community began, in order: the companion rule follows the person's own history.
        moments = sorted(rng.uniform(0, 365) for _ in range(count))
        for at in moments:
            roll = rng.random()
            if mine and roll < 0.25 and companions[mine[-1]]:
                key = rng.choice(companions[mine[-1]])
            elif roll < 0.85:
                key = rng.choices(pool, weights)[0]
            else:
                key = rng.choices(keys, everyone)[0]
            mine.append(key)
            sources, odds = zip(*SOURCES[key[0]])
            interactions.append((at, Interaction(user, key, rng.choices(sources, odds)[0])))
    interactions.sort(key=lambda pair: pair[0])
    return Community(info, supplier_of, interactions, keywords)


def split(community: Community):
    """Leave-last-out: each person's latest item (one they had not touched before) is held out."""
    by_user = defaultdict(list)
    for at, interaction in community.interactions:
        by_user[interaction.user_id].append((at, interaction))
    train, held_out = [], {}
    for user, rows in by_user.items():
        distinct = {interaction.item for _at, interaction in rows}
        last_at, last = rows[-1]
        earlier = {interaction.item for at, interaction in rows[:-1]}
        if len(distinct) >= 3 and last.item not in earlier:
            held_out[user] = last.item
            rows = rows[:-1]
        train.extend(rows)
    train.sort(key=lambda pair: pair[0])
    return train, held_out


def evaluate(community: Community, train, held_out, limit_users: int | None = None):
    by_user, by_item, last_seen = defaultdict(list), defaultdict(set), {}
    for at, interaction in train:
        by_user[interaction.user_id].append((at, interaction))
        by_item[interaction.item].add(interaction.user_id)
        last_seen[interaction.user_id] = at
    popularity = {item: len(people) for item, people in by_item.items()}
    now = max(at for at, _interaction in train)
    trending = Counter(interaction.item for at, interaction in train
                       if at >= now - TRENDING_DAYS and interaction.source != "vote")
    by_popularity = sorted(community.items, key=lambda k: (-popularity.get(k, 0), k))
    categories = {key: info.category_id for key, info in community.items.items()}

    users = sorted(held_out)[:limit_users] if limit_users else sorted(held_out)
    hits = {"recommender": 0, "popularity": 0}
    shown = {"recommender": set(), "popularity": set()}
    reasons = Counter()
    for user in users:
        mine = [interaction for _at, interaction in by_user[user]]
        seen = {interaction.item for interaction in mine}
        # The service's sample: the people most recently active on the same items, then their latest rows.
        near = {other for item in seen for other in by_item[item] if other != user}
        near = sorted(near, key=lambda other: -last_seen[other])[:NEIGHBOURS]
        rows = sorted((pair for other in near for pair in by_user[other]), key=lambda pair: -pair[0])[:NEIGHBOUR_ROWS]
        suggestions = recommend(mine, [interaction for _at, interaction in rows], community.items,
                                popularity=popularity, trending=trending, keywords=community.keywords.get(user, ()),
                                seed_categories=categories, limit=K)
        ours = [suggestion.item for suggestion in suggestions]
        reasons.update(suggestion.reason.kind for suggestion in suggestions)
        baseline = [item for item in by_popularity if item not in seen][:K]
        for name, picks in (("recommender", ours), ("popularity", baseline)):
            hits[name] += held_out[user] in picks
            shown[name].update(picks)
    return {name: {"hit_rate": hits[name] / len(users), "coverage": len(shown[name]) / len(community.items)}
            for name in hits}, len(users), reasons


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--evaluate", type=int, default=None, help="evaluate only this many held-out users")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    community = generate(args.users, args.items, args.seed)
    train, held_out = split(community)
    figures, evaluated, reasons = evaluate(community, train, held_out, args.evaluate)
    print(f"{args.users} users, {args.items} items, {len(community.interactions)} interactions "
          f"(seed {args.seed}); {evaluated} held-out items")
    print(f"{'':12} {'hit rate@' + str(K):>12} {'coverage':>10}")
    for name, values in figures.items():
        print(f"{name:12} {values['hit_rate']:12.3f} {values['coverage']:10.3f}")
    print("reasons given: " + ", ".join(f"{kind} {count}" for kind, count in reasons.most_common()))
    print(f"{time.perf_counter() - started:.1f} s")
    if figures["recommender"]["hit_rate"] <= figures["popularity"]["hit_rate"]:
        print("FAIL: the recommender does not beat the popularity baseline", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
