import click

from blueprints.codesign import bp
from blueprints.codesign.services.prototypes import close_due_prototypes
from extensions import db


@bp.cli.command("close-prototypes")
def close_prototypes_command():
    """Move open prototypes past their feedback deadline to review (pages show them in review meanwhile)."""
    closed = close_due_prototypes()
    db.session.commit()
    click.echo(f"Moved {len(closed)} prototype(s) to review.")

