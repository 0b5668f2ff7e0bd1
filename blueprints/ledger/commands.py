import sys

import click
from flask import current_app

from blueprints.ledger import bp
from blueprints.ledger.payouts import run_payouts
from blueprints.ledger.services import trial_balance, unbalanced_transactions
from blueprints.ledger.views import tell_payees
from blueprints.orders.queries import split_problems
from extensions import db


@bp.cli.command("payouts")
@click.option("--minimum", type=int, default=None, help="Pay only balances of at least this many fen "
                                                         "(default: the PAYOUT_MINIMUM setting).")
def payouts_command(minimum: int | None):
    """Move every available balance above the minimum into a payout; running it again pays nothing twice."""
    run = run_payouts(None, current_app.config["PAYOUT_MINIMUM"] if minimum is None else minimum)
    tell_payees(run)
    db.session.commit()
    if run is None:
        click.echo("Nobody has enough available to pay out.")
        return
    click.echo(f"Payout run #{run.id}: {len(run.payouts)} payout(s), {sum(p.amount for p in run.payouts)} fen. "
               f"Bank file: /admin/payouts/runs/{run.id}.csv")


@bp.cli.command("ledger-check")
def ledger_check_command():
    """Reconcile: every transaction balances, the ledger sums to zero, every split adds up. Exits 1 if not."""
    problems = [f"transaction {transaction_id} sums to {total}, not 0"
                for transaction_id, total in unbalanced_transactions()]
    total = sum(amount for _account, amount in trial_balance())
    if total:
        problems.append(f"the ledger sums to {total}, not 0")
    problems += split_problems()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("The ledger balances.")
