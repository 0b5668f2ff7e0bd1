from datetime import timedelta

import click
from flask import current_app

from blueprints.orders import bp
from blueprints.orders.pledge_orders import remind_pledgers
from blueprints.orders.services.cart import prune_visitor_carts
from blueprints.orders.services.fulfilment import complete_due_orders
from extensions import db


@bp.cli.command("complete-orders")
def complete_orders_command():
    """Complete orders delivered longer ago than the return window; their earnings become available."""
    completed = complete_due_orders(timedelta(days=current_app.config["RETURN_WINDOW_DAYS"]))
    db.session.commit()
    click.echo(f"Completed {len(completed)} order(s)" + (": " + ", ".join(o.number for o in completed)
                                                       if completed else "."))


@bp.cli.command("prune-carts")
@click.option("--days", default=30, show_default=True, help="Forget visitor carts untouched for this many days.")
def prune_carts_command(days: int):
    """Delete carts of visitors who never signed in and have not been back."""
    count = prune_visitor_carts(timedelta(days=days))
    db.session.commit()
    click.echo(f"Removed {count} visitor cart(s).")


@bp.cli.command("remind-pledgers")
def remind_pledgers_command():
    """Tell pledgers who have not confirmed their early-bird order that its window closes within a day."""
    reminded = remind_pledgers()
    db.session.commit()
    click.echo(f"Reminded the pledgers of {reminded} prototype(s).")
