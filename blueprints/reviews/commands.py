import click

from blueprints.reviews import bp
from blueprints.reviews.track_records import refresh_track_records
from extensions import db


@bp.cli.command("refresh-track-records")
def refresh_track_records_command():
    """Recompute suppliers' and shops' track records (run it hourly)."""
    count = refresh_track_records()
    db.session.commit()
    click.echo(f"Refreshed {count} track record(s).")
