import click

from blueprints.search import bp
from blueprints.search.services import reindex_all
from extensions import db


@bp.cli.command("reindex")
def reindex_command():
    """Rebuild the search index from every product and prototype."""
    count = reindex_all()
    db.session.commit()
    click.echo(f"Indexed {count} product(s) and prototype(s).")
