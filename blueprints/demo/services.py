"""Demo data. Every step looks before it creates, so seeding twice changes nothing."""
from dataclasses import dataclass

from blueprints.accounts.services import find_user_by_email, register_user

DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    is_admin: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("admin@demo.shelfmade.test", "Ada Admin", is_admin=True),
    DemoAccount("supplier@demo.shelfmade.test", "Sam Supplier"),
    DemoAccount("shop@demo.shelfmade.test", "Shen Shopkeeper"),
    DemoAccount("shopper@demo.shelfmade.test", "Xiao Shopper"),
)


def seed_demo() -> list[str]:
    """Create whatever demo data is missing; returns what was created."""
    created = []
    for account in DEMO_ACCOUNTS:
        if find_user_by_email(account.email) is None:
            register_user(account.email, account.display_name, DEMO_PASSWORD, is_admin=account.is_admin)
            created.append(account.email)
    return created
