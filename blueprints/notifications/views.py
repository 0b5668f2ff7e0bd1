from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.notifications import bp
from blueprints.notifications.models import Kind
from blueprints.notifications.services import mark_all_read, preferences, recent, set_preference, unread_count
from blueprints.web import render, see_other
from extensions import db


@bp.get("/my/notifications")
@login_required
def inbox():
    return render("notifications/inbox.html", notifications=recent(current_user))


@bp.post("/my/notifications/read")
@login_required
def read_all():
    mark_all_read(current_user)
    db.session.commit()
    return see_other(url_for("notifications.inbox"))


@bp.route("/my/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "POST":
        chosen = set(request.form.getlist("kind"))
        for kind in Kind:
            set_preference(current_user, kind, kind.value in chosen)
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return see_other(url_for("notifications.settings"))
    return render("notifications/settings.html", preferences=preferences(current_user))


@bp.app_template_global()
def unread_notifications() -> int:
    return unread_count(current_user) if current_user.is_authenticated else 0
