from datetime import timedelta

import click
from flask import current_app

from blueprints.orders import bp
from blueprints.orders.services import complete_due_orders
from extensions import db


@bp.cli.command("complete-orders")
def complete_orders_command():
    """Complete orders delivered longer ago than the return window; their earnings become available."""
    completed = complete_due_orders(timedelta(days=current_app.config["RETURN_WINDOW_DAYS"]))
    db.session.commit()
    click.echo(f"Completed {len(completed)} order(s)" + (": " + ", ".join(o.number for o in completed)
                                                       if completed else "."))
