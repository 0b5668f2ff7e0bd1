"""The engine alone: plain tuples in, ranked suggestions with reasons out."""
from blueprints.recommendations.engine import (Interaction, ItemInfo, Keywords, Reason, also_chosen, co_occurrence,
                                               recommend, taste)

TEAPOT, TEA, CUPS, TOTE, NOTEBOOK = ("product", 1), ("product", 2), ("product", 3), ("product", 4), ("prototype", 5)
KITCHEN, BAGS, STATIONERY = 10, 20, 30
CATALOG = {TEAPOT: ItemInfo(TEAPOT, KITCHEN, "Cast iron teapot"), TEA: ItemInfo(TEA, KITCHEN, "桂花乌龙茶 Osmanthus oolong"),
           CUPS: ItemInfo(CUPS, KITCHEN, "Porcelain cups"), TOTE: ItemInfo(TOTE, BAGS, "Waxed canvas tote"),
           NOTEBOOK: ItemInfo(NOTEBOOK, STATIONERY, "Linen-bound notebook")}


def touches(user, *items, source="purchase"):
    return [Interaction(user, item, source) for item in items]


def popularity_of(*groups):
    people = {}
    for group in groups:
        for interaction in group:
            people.setdefault(interaction.item, set()).add(interaction.user_id)
    return {item: len(users) for item, users in people.items()}


def test_taste_keeps_the_strongest_way_of_taking_part():
    assert taste([Interaction(1, TEA, "vote"), Interaction(1, TEA, "pledge"), Interaction(1, TOTE, "support")]) == {
        TEA: (3.0, "pledge"), TOTE: (2.0, "support")}


def test_co_occurrence_counts_people_not_rows():
    others = touches(2, TEAPOT, TEA) + touches(2, TEA) + touches(3, TEAPOT, TEA, CUPS) + touches(4, TOTE)
    assert co_occurrence([TEAPOT], others) == {TEAPOT: {TEA: 2, CUPS: 1}}


def test_people_who_bought_the_same_thing_suggest_what_else_they_bought():
    mine = touches(1, TEAPOT)
    others = touches(2, TEAPOT, TEA) + touches(3, TEAPOT, TEA) + touches(4, TOTE) + touches(5, TOTE)
    suggestions = recommend(mine, others, CATALOG, popularity=popularity_of(mine, others), limit=3)
    assert suggestions[0].item == TEA
    assert suggestions[0].reason == Reason("bought", TEAPOT)


def test_a_supported_prototype_is_named_as_supported():
    mine = touches(1, NOTEBOOK, source="support")
    others = touches(2, NOTEBOOK, source="support") + touches(2, TOTE)
    [first, *_rest] = recommend(mine, others, CATALOG, popularity=popularity_of(mine, others))
    assert first.item == TOTE and first.reason == Reason("supported", NOTEBOOK)


def test_never_suggests_what_the_user_touched_the_excluded_or_unknown_items():
    mine = touches(1, TEAPOT) + touches(1, NOTEBOOK, source="vote")
    others = touches(2, TEAPOT, TEA, CUPS, NOTEBOOK, ("product", 99))
    trending = {TEAPOT: 9, NOTEBOOK: 9, CUPS: 1}
    items = [s.item for s in recommend(mine, others, CATALOG, popularity=popularity_of(mine, others),
                                       trending=trending, exclude={CUPS})]
    assert TEA in items
    assert not {TEAPOT, NOTEBOOK, CUPS, ("product", 99)} & set(items)


def test_category_affinity_and_keywords_give_their_reasons():
    mine = touches(1, TEAPOT)
    suggestions = recommend(mine, [], CATALOG, popularity={}, keywords=["tote"], seed_categories={TEAPOT: KITCHEN})
    reasons = {s.item: s.reason for s in suggestions}
    assert reasons[TOTE] == Reason("keyword", "tote")
    assert reasons[TEA] == Reason("category", KITCHEN) and reasons[CUPS] == Reason("category", KITCHEN)
    assert NOTEBOOK not in reasons  # nothing says the user would want it


def test_keywords_match_inside_chinese_words_and_ignore_case():
    suggestions = recommend([], [], CATALOG, popularity={}, keywords=["乌龙", "NOTEBOOK"])
    assert {s.item: s.reason for s in suggestions} == {TEA: Reason("keyword", "乌龙"),
                                                        NOTEBOOK: Reason("keyword", "NOTEBOOK")}


def test_every_word_of_a_subscription_must_match_within_its_category_and_price():
    flask = ItemInfo(("product", 7), KITCHEN, "不锈钢保温杯 500ml", parent_category_id=1, price=6900)
    catalog = {flask.key: flask}

    def matched(*wishes):
        return [s.reason.about for s in recommend([], [], catalog, popularity={}, keywords=wishes)]

    assert matched(Keywords("保温 杯")) == ["保温 杯"]
    assert matched(Keywords("保温 壶")) == []
    assert matched(Keywords("保温", category_id=BAGS)) == []
    assert matched(Keywords("保温", category_id=1)) == ["保温"]  # the parent category counts
    assert matched(Keywords("保温", max_price=5000)) == []
    assert matched(Keywords("保温", max_price=6900), Keywords("500ml")) == ["保温"]


def test_a_new_user_gets_trending_items_busiest_first():
    suggestions = recommend([], [], CATALOG, popularity={}, trending={TOTE: 5, TEA: 12}, limit=5)
    assert [(s.item, s.reason) for s in suggestions] == [(TEA, Reason("trending")), (TOTE, Reason("trending"))]


def test_trending_only_fills_in_after_personal_reasons():
    mine = touches(1, TEAPOT)
    others = touches(2, TEAPOT, CUPS)
    suggestions = recommend(mine, others, CATALOG, popularity=popularity_of(mine, others),
                            trending={TOTE: 100, CUPS: 1}, limit=2)
    assert [(s.item, s.reason.kind) for s in suggestions] == [(CUPS, "bought"), (TOTE, "trending")]


def test_also_chosen_counts_the_people_who_chose_both():
    others = touches(2, TEAPOT, TEA) + touches(3, TEAPOT, TEA, CUPS) + touches(4, TOTE)
    suggestions = also_chosen(TEAPOT, others, CATALOG, popularity=popularity_of(others), exclude={CUPS})
    assert [(s.item, s.reason) for s in suggestions] == [(TEA, Reason("together", 2))]


def test_the_limit_holds():
    trending = {key: n + 1 for n, key in enumerate(CATALOG)}
    assert len(recommend([], [], CATALOG, popularity={}, trending=trending, limit=2)) == 2


def test_one_category_does_not_fill_the_list_while_other_reasons_are_left():
    kitchen = {("product", n): ItemInfo(("product", n), KITCHEN, f"Pot {n}") for n in range(100, 110)}
    mine = touches(1, ("product", 100))
    suggestions = recommend(mine, [], {**kitchen, TOTE: CATALOG[TOTE]}, popularity={},
                            seed_categories={("product", 100): KITCHEN}, trending={TOTE: 1}, limit=6)
    kinds = [s.reason.kind for s in suggestions]
    assert kinds.count("category") == 5 and kinds[2] == "trending"  # two, the tote, then the held-back ones
    assert len(recommend(mine, [], kitchen, popularity={}, seed_categories={("product", 100): KITCHEN},
                         limit=6)) == 6
