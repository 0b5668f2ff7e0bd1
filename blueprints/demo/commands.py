import click
from flask import current_app
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.demo import bp
from blueprints.demo.services import seed_demo
from extensions import db


@bp.cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no users yet.")
def seed_demo_command(if_empty: bool):
    """Add the demo accounts and data that are missing (safe to run again)."""
    if current_app.config["SHELFMADE_ENV"] == "production":
        # The demo admin's password is in the README: on a live site it would be anyone's admin account.
        raise click.ClickException("seed-demo refuses to run with SHELFMADE_ENV=production: its accounts' password "
                                   "is public. Create real accounts instead.")
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("The database already has users; leaving it as it is.")
        return
    created = seed_demo()
    db.session.commit()
    if created:
        click.echo("Created: " + ", ".join(created))
    else:
        click.echo("Demo data already present; nothing to add.")
