"""Column types every domain shares."""
from datetime import datetime, UTC

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime, on PostgreSQL and on SQLite (which forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def render_migration_item(type_, obj, autogen_context):
    """Write our column types into migrations as the plain SQLAlchemy types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def string_enum(enum_class, name: str) -> Enum:
    """A StrEnum stored as its value in a VARCHAR with a CHECK, the same on SQLite and PostgreSQL."""
    return Enum(enum_class, name=name, native_enum=False, create_constraint=True, length=16,
                values_callable=lambda members: [member.value for member in members])
