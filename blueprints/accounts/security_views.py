"""Getting back in and staying safe: password reset by email, password change, signing out everywhere."""
from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.accounts import bp
from blueprints.accounts.forms import ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm
from blueprints.accounts.recovery import RESET, change_password, find_token, issue_token, reset_password
from blueprints.accounts.services import find_user_by_email
from blueprints.accounts.sessions import end_other_sessions
from blueprints.accounts.signin import log_security
from blueprints.forms import handle_form, run_action
from blueprints.notifications.mail import absolute, queue_account_email
from blueprints.web import render, see_other
from extensions import db, limiter


def _forgot_email_key() -> str:
    return "forgot:" + request.form.get("email", "").strip().lower()[:254]


def _forgot_throttled(_limit):
    form = ForgotPasswordForm()
    form.validate()
    form.form_errors.append(_("Too many reset requests. Wait a while, then try again."))
    return render("accounts/forgot.html", block="form", status=429, form=form)


def _send_reset_link(user, minutes: int) -> None:
    token = issue_token(user, RESET)
    queue_account_email(user, "password_reset", minutes=minutes,
                        link=absolute(url_for("accounts.reset", token=token)))
    log_security("password-reset-requested", user)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"], on_breach=_forgot_throttled)
@limiter.limit("3 per hour", key_func=_forgot_email_key, methods=["POST"], on_breach=_forgot_throttled)
def forgot():
    form = ForgotPasswordForm(email=request.args.get("email"))

    def send_if_known():
        user = find_user_by_email(form.email.data)
        if user is not None and user.deleted_at is None:
            _send_reset_link(user, current_app.config["ACCOUNT_TOKEN_MINUTES"])

    def done(_result):
        # The same answer whether or not an account uses the address: this page does not tell who is a member.
        flash(_("If an account uses %(email)s, we have sent it a link to choose a new password. "
                "Check your inbox (and the spam folder).", email=form.email.data), "info")
        return see_other(url_for("accounts.login"))

    return handle_form(form, send_if_known, done=done,
                       page=lambda status: render("accounts/forgot.html", block="form", status=status, form=form))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset(token: str):
    if find_token(token, RESET) is None:
        return render("accounts/reset_expired.html", status=404)
    form = ResetPasswordForm()

    def done(user):
        log_security("password-reset", user)
        queue_account_email(user, "password_changed")
        db.session.commit()
        flash(_("Your password is changed and every device was signed out. Sign in with the new password."),
              "success")
        return see_other(url_for("accounts.login", email=user.email))

    return handle_form(form, lambda: reset_password(token, form.password.data), done=done,
                       page=lambda status: render("accounts/reset.html", block="form", status=status, form=form,
                                                  token=token))


@bp.route("/my/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"], key_func=lambda: f"user:{current_user.id}")
def change_password_page():
    form = ChangePasswordForm()
    user = current_user._get_current_object()

    def change():
        change_password(user, form.current_password.data, form.password.data)
        queue_account_email(user, "password_changed")

    def done(_result):
        log_security("password-changed", user)
        flash(_("Your password is changed. Every other device was signed out."), "success")
        return see_other(url_for("accounts.account"))

    return handle_form(form, change, done=done,
                       page=lambda status: render("accounts/change_password.html", block="form", status=status,
                                                  form=form))


@bp.post("/my/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    user = current_user._get_current_object()

    def done(count):
        log_security("signed-out-everywhere", user, ended=count)
        flash(_("Every other device is signed out. This one stays signed in."), "success")
        return see_other(url_for("accounts.account"))

    return run_action(lambda: end_other_sessions(user, keep=user.session_token), done=done,
                      refused=lambda error: see_other(url_for("accounts.account")))
