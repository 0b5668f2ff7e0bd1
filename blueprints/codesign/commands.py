import click

from blueprints.codesign import bp
from blueprints.codesign.services.prototypes import close_due_prototypes
from blueprints.orders.pledge_orders import remind_pledgers
from extensions import db


@bp.cli.command("close-prototypes")
def close_prototypes_command():
    """Move open prototypes past their feedback deadline to review (pages show them in review meanwhile)."""
    closed = close_due_prototypes()
    db.session.commit()
    click.echo(f"Moved {len(closed)} prototype(s) to review.")


@bp.cli.command("remind-pledgers")
def remind_pledgers_command():
    """Tell pledgers who have not confirmed their early-bird order that its window closes within a day."""
    reminded = remind_pledgers()
    db.session.commit()
    click.echo(f"Reminded the pledgers of {reminded} prototype(s).")
