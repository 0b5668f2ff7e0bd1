"""Every user-facing string in the code has a Simplified Chinese translation."""
from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
SOURCES = ["app.py", "config.py", "blueprints", "templates"]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def messages_in_code() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    entries = []
    for source in SOURCES:
        path = ROOT / source
        if path.is_file():
            entries += extract_from_file("python", path, keywords=KEYWORDS)
        else:
            entries += [entry[1:] for entry in extract_from_dir(
                path, method_map, options_map, keywords=KEYWORDS,
                directory_filter=lambda d: Path(d).name != "__pycache__")]
    return {message if isinstance(message, str) else message[0] for _lineno, message, *_rest in entries}


def read_catalogue():
    with CATALOGUE.open("rb") as po:
        return read_po(po, locale="zh_Hans")


def test_every_message_in_the_code_is_translated():
    catalogue = read_catalogue()
    translated = {m.id[0] if m.pluralizable else m.id for m in catalogue
                  if m.id and all(m.string if m.pluralizable else [m.string]) and "fuzzy" not in m.flags}
    missing = sorted(messages_in_code() - translated)
    assert missing == [], f"run `make messages` and translate these in {CATALOGUE.name}: {missing}"


def test_the_catalogue_has_no_fuzzy_or_empty_entries():
    catalogue = read_catalogue()
    bad = [m.id for m in catalogue
           if m.id and (not all(m.string if m.pluralizable else [m.string]) or "fuzzy" in m.flags)]
    assert bad == []
