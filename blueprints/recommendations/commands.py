import click

from blueprints.recommendations import bp
from blueprints.recommendations.services import send_picks
from extensions import db


@bp.cli.command("send-picks")
def send_picks_command():
    """Send each user who asked for suggestions one new pick (run it daily or weekly)."""
    count = send_picks()
    db.session.commit()
    click.echo(f"Sent {count} pick(s).")
