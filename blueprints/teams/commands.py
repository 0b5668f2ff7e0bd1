import click

from blueprints.teams import bp
from blueprints.teams.services import close_expired_teams
from extensions import db


@bp.cli.command("close-teams")
def close_teams_command():
    """Fail every open team past its deadline: cancel its members' orders and tell them."""
    closed = close_expired_teams()
    db.session.commit()
    click.echo(f"Closed {len(closed)} team(s) that did not fill" + (": " + ", ".join(t.code for t in closed)
                                                                    if closed else "."))
