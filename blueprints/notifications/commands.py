import click
from flask import current_app

from blueprints.notifications import bp
from blueprints.notifications.mail import send_outbox, smtp_transport
from blueprints.notifications.services import send_digests
from extensions import db


@bp.cli.command("send-outbox")
def send_outbox_command():
    """Send the emails waiting in the outbox; failures are retried later, none is sent twice."""
    if current_app.config["MAIL_SERVER"] is None:
        click.echo("MAIL_SERVER is not set: emails stay in the outbox. Admins can read them at /admin/outbox.")
        return
    report = send_outbox(smtp_transport)
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(f"Sent {report.sent}, will retry {report.retrying}, gave up on {report.failed}.")


@bp.cli.command("send-digests")
def send_digests_command():
    """Bundle the notifications yesterday's daily caps held back into one digest per user."""
    count = send_digests()
    db.session.commit()
    click.echo(f"Sent {count} digest(s).")
