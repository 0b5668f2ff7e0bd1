"""Readable URL slugs: Chinese titles become pinyin ("保温杯" -> "bao-wen-bei")."""
import re
import unicodedata

from sqlalchemy import select

from extensions import db

MAX_LENGTH = 80


def slugify(text: str) -> str:
    from pypinyin import Style, lazy_pinyin  # 50 MB loaded: only a worker that makes a slug pays for it

    romanised = " ".join(lazy_pinyin(text or "", style=Style.NORMAL, errors="default"))
    ascii_text = unicodedata.normalize("NFKD", romanised).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_LENGTH].rstrip("-")


def unique_slug(column, text: str, *, fallback: str, exclude_id: int | None = None) -> str:
    """`slugify(text)`, with -2, -3... appended while another row already uses it."""
    base = slugify(text) or fallback
    model = column.class_
    taken_query = select(column).where(column.like(f"{base}%"))
    if exclude_id is not None:
        taken_query = taken_query.where(model.id != exclude_id)
    taken = set(db.session.scalars(taken_query))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def is_valid_slug(slug: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug or "")) and len(slug) <= MAX_LENGTH
