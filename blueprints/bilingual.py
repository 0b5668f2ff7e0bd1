"""The catalog's bilingual text: each field X holds the required 简体中文 text and X_en the optional English.

Every page, email, CSV and share text shows a field through `localized`, so they all follow one rule: the
viewer's language, else the other one when that is empty.
"""
from dataclasses import dataclass

from flask_babel import get_locale

ENGLISH_SUFFIX = "_en"


def current_language() -> str:
    """The language being rendered in (a request's, or the reader's inside `force_locale`); English outside both."""
    locale = get_locale()
    return str(locale) if locale is not None else "en"


def reads_chinese(locale: str | None = None) -> bool:
    return (locale or current_language()).startswith("zh")


def localized(obj, field: str, locale: str | None = None) -> str:
    """`obj.field` (Chinese) or `obj.field_en` (English) in the viewer's language, falling back to the other."""
    chinese = getattr(obj, field, "") or ""
    english = getattr(obj, field + ENGLISH_SUFFIX, "") or ""
    if reads_chinese(locale):
        return chinese or english
    return english or chinese


def localized_options(options: dict | None, options_en: dict | None, locale: str | None = None) -> dict:
    """A variant's option values in the viewer's language, each value falling back on its own."""
    options, options_en = options or {}, options_en or {}
    preferred, other = (options, options_en) if reads_chinese(locale) else (options_en, options)
    return {key: preferred.get(key) or other.get(key) or "" for key in {**options, **options_en}}


@dataclass(frozen=True)
class BilingualText:
    """A text kept in both languages until it is known who reads it (a notification to many people)."""

    chinese: str
    english: str = ""

    def in_language(self, locale: str | None = None) -> str:
        if reads_chinese(locale):
            return self.chinese or self.english
        return self.english or self.chinese

    def __str__(self) -> str:
        return self.in_language()


def bilingual(obj, field: str) -> BilingualText:
    return BilingualText(getattr(obj, field, "") or "", getattr(obj, field + ENGLISH_SUFFIX, "") or "")


def joined(*parts: "BilingualText | str", separator: str = ": ") -> BilingualText:
    """Several texts as one, each part in the same language, e.g. a shop's name and a product's title."""
    def text(part, chinese):
        if isinstance(part, str):
            return part
        return part.in_language("zh_Hans" if chinese else "en")
    return BilingualText(separator.join(text(part, True) for part in parts),
                         separator.join(text(part, False) for part in parts))
