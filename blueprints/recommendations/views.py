"""The user's switch for personalised suggestions, and "not interested"."""
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.forms import refused_back_to, run_action
from blueprints.recommendations import bp
from blueprints.recommendations.services import is_personalised, not_interested, set_personalised
from blueprints.web import safe_next_url, see_other
from extensions import limiter


@bp.app_template_global()
def suggestions_personalised() -> bool:
    return is_personalised(current_user)


def _back() -> str:
    return safe_next_url(request.form.get("back")) or url_for("site.home")


@bp.post("/my/suggestions/personalised")
@login_required
def personalised():
    on = request.form.get("on") == "1"
    back = _back()

    def done(_result):
        flash(_("Personalised suggestions are on.") if on else
              _("Personalised suggestions are off: you see the same lists as everyone, and no picks by email."),
              "success")
        return see_other(back)

    return run_action(lambda: set_personalised(current_user, on), done=done, refused=refused_back_to(back))


@bp.post("/my/suggestions/not-interested")
@login_required
@limiter.limit("200 per hour")
def dismiss():
    back = _back()

    def done(_result):
        flash(_("Got it: we will not suggest that again."), "success")
        return see_other(back)

    return run_action(lambda: not_interested(current_user, request.form.get("kind", ""),
                                             request.form.get("item_id", type=int) or 0),
                      done=done, refused=refused_back_to(back))
