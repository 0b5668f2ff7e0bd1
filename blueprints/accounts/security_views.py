"""Getting back in and staying safe: password reset by email, password change, signing out everywhere, email
change, the user's data download and account deletion."""
import json

from flask import current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.accounts import bp
from blueprints.accounts.forms import (ChangePasswordForm, DeleteAccountForm, EmailChangeForm, ForgotPasswordForm,
                                       PasswordAgainForm, ResetPasswordForm)
from blueprints.accounts.recovery import (NEW_EMAIL, RESET, anonymise_account, change_password, check_password_again,
                                          confirm_email_change, find_token, issue_token, request_email_change,
                                          reset_password)
from blueprints.accounts.services import find_user_by_email
from blueprints.accounts.sessions import end_other_sessions, recent_sign_ins
from blueprints.accounts.signin import log_security, sign_out
from blueprints.forms import handle_form, refused_back_to, run_action
from blueprints.notifications.services import preferences
from blueprints.orders.queries import orders_for_export
from blueprints.orders.services.addresses import forget_addresses
from blueprints.orders.services.checkout import AddressDetails, saved_addresses
from blueprints.shops.services import close_shop_of
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


@bp.route("/my/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"], key_func=lambda: f"user:{current_user.id}")
def change_email():
    form = EmailChangeForm()
    user = current_user._get_current_object()

    def send_links():
        token = request_email_change(user, form.password.data, form.new_email.data)
        queue_account_email(user, "email_confirm", to=form.new_email.data,
                            minutes=current_app.config["ACCOUNT_TOKEN_MINUTES"],
                            link=absolute(url_for("accounts.confirm_email", token=token)))
        queue_account_email(user, "email_change_notice", new_email=form.new_email.data)

    def done(_result):
        log_security("email-change-requested", user)
        flash(_("We sent a link to %(email)s. Your email changes when you open it.", email=form.new_email.data),
              "info")
        return see_other(url_for("accounts.account"))

    return handle_form(form, send_links, done=done,
                       page=lambda status: render("accounts/change_email.html", block="form", status=status,
                                                  form=form))


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def confirm_email(token: str):
    """The link in the email: a GET shows a button (mail scanners follow links), the POST changes the email."""
    if find_token(token, NEW_EMAIL) is None:
        return render("accounts/reset_expired.html", status=404)
    if request.method == "GET":
        return render("accounts/confirm_email.html", token=token)

    def done(result):
        user, _old_email = result
        log_security("email-changed", user)
        flash(_("Your email address is now %(email)s.", email=user.email), "success")
        return see_other(url_for("accounts.account") if current_user.is_authenticated else url_for("accounts.login"))

    return run_action(lambda: confirm_email_change(token), done=done,
                      refused=refused_back_to(url_for("accounts.change_email")))


@bp.route("/my/account/data", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"], key_func=lambda: f"user:{current_user.id}")
def download_data():
    form = PasswordAgainForm()
    user = current_user._get_current_object()

    def done(_result):
        log_security("data-downloaded", user)
        response = make_response(json.dumps(everything_about(user), ensure_ascii=False, indent=2))
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        response.headers["Content-Disposition"] = "attachment; filename=shelfmade-my-data.json"
        return response

    return handle_form(form, lambda: check_password_again(user, form.password.data), done=done,
                       page=lambda status: render("accounts/your_data.html", status=status, form=form,
                                                  delete_form=DeleteAccountForm(prefix="delete")))


def everything_about(user) -> dict:
    """All the site holds about the user, each room asked through its own functions."""
    return {
        "account": {"email": user.email, "display_name": user.display_name, "locale": user.locale,
                    "time_zone": user.time_zone, "created_at": user.created_at.isoformat(),
                    "credit_contributions": user.credit_contributions},
        "sign_ins": [{"at": s.created_at.isoformat(), "ip_address": s.ip_address, "browser": s.user_agent,
                      "ended_at": s.ended_at.isoformat() if s.ended_at else None}
                     for s in recent_sign_ins(user, limit=1000)],
        "addresses": [{**AddressDetails.of(a).__dict__, "default": a.is_default} for a in saved_addresses(user)],
        "orders": orders_for_export(user.id),
        "notification_settings": {kind.value: wants.__dict__ for kind, wants in preferences(user).items()},
    }


@bp.post("/my/account/delete")
@login_required
@limiter.limit("10 per hour", key_func=lambda: f"user:{current_user.id}")
def delete_account():
    form = DeleteAccountForm(prefix="delete")
    user = current_user._get_current_object()

    def delete_everything():
        anonymise_account(user, form.password.data)
        forget_addresses(user)
        close_shop_of(user)

    def done(_result):
        log_security("account-deleted", user)
        sign_out(user)
        db.session.commit()
        flash(_("Your account is deleted. Orders stay on record for the suppliers' and tax records, "
                "without your name or email."), "info")
        return see_other(url_for("site.home"))

    return handle_form(form, delete_everything, done=done,
                       page=lambda status: render("accounts/your_data.html", status=status,
                                                  form=PasswordAgainForm(), delete_form=form))
