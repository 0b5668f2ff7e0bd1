from flask import current_app, flash, g, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.accounts import bp
from blueprints.accounts.forms import LanguageForm, LoginForm, ProfileForm, SignupForm
from blueprints.accounts.locale import LOCALE_COOKIE, time_zone_choices
from blueprints.accounts.models import DEFAULT_TIME_ZONE
from blueprints.accounts.services import (LANGUAGES, EmailTaken, authenticate, register_user, set_credit, set_locale,
                                          update_profile)
from blueprints.accounts.sessions import recent_sign_ins, token_hash
from blueprints.accounts.signin import client_address, log_security, sign_in, sign_out
from blueprints.shops.services import shop_of
from blueprints.suppliers.services import latest_decision, supplier_of
from blueprints.forms import handle_form
from blueprints.notifications.services import MAX_DAILY_CAP, daily_cap, preferences
from blueprints.web import answers_get, render, safe_next_url, see_other, succeeded
from extensions import db, limiter

ONE_YEAR = 365 * 24 * 3600


def _after_sign_in(next_url: str | None) -> str:
    return safe_next_url(next_url) or url_for("accounts.account")


def _login_pair_key() -> str:
    # The address and the email together: a stranger guessing at an account is slowed down, while its
    # owner, signing in from anywhere else, is not locked out.
    return f"login:{client_address()}:" + request.form.get("email", "").strip().lower()[:254]


def _login_throttled(_limit):
    log_security("sign-in-throttled", email=request.form.get("email", "").strip().lower()[:254] or None)
    form = LoginForm()
    form.validate()
    form.form_errors.append(_("Too many sign-in attempts. Wait a minute, then try again."))
    return render("accounts/login.html", block="form", status=429, form=form)


def _signup_throttled(_limit):
    form = SignupForm()
    form.validate()
    form.form_errors.append(_("Too many sign-ups from your network. Wait a few minutes, then try again."))
    return render("accounts/signup.html", block="form", status=429, form=form)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], deduct_when=succeeded, on_breach=_signup_throttled)
def signup():
    if current_user.is_authenticated:
        return see_other(url_for("accounts.account"))
    form = SignupForm(next=request.args.get("next"))

    def register_and_sign_in():
        user = register_user(form.email.data, form.display_name.data, form.password.data,
                             locale=request.cookies.get(LOCALE_COOKIE))
        sign_in(user)  # before the commit: signing in also moves the visitor's cart over
        return user

    def done(user):
        flash(_("Welcome to Shelfmade, %(name)s.", name=user.display_name), "success")
        return see_other(_after_sign_in(form.next.data))

    return handle_form(form, register_and_sign_in, done=done, fields={EmailTaken: "email"},
                       page=lambda status: render("accounts/signup.html", block="form", status=status, form=form))


def _sign_in_failed(_response) -> bool:
    # Only a wrong email or password counts (never a success, whether a 303 or htmx's 204), so a busy shared
    # network (a carrier NAT, an office) is not locked out.
    return g.get("sign_in_failed", False)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute;100 per hour", methods=["POST"], deduct_when=_sign_in_failed,
               on_breach=_login_throttled)
@limiter.limit("10 per minute;20 per hour", key_func=_login_pair_key, methods=["POST"],
               deduct_when=_sign_in_failed, on_breach=_login_throttled)
def login():
    if current_user.is_authenticated:
        return see_other(_after_sign_in(request.args.get("next")))
    form = LoginForm(next=request.args.get("next"), email=request.args.get("email"))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=form.remember.data)  # before the commit: it also moves the visitor's cart
            db.session.commit()
            flash(_("Signed in. Welcome back, %(name)s.", name=user.display_name), "success")
            return see_other(_after_sign_in(form.next.data))
        g.sign_in_failed = True
        log_security("sign-in-failed", email=form.email.data.strip().lower()[:254])
        form.form_errors.append(_("That email and password do not match an account."))
    status = 422 if form.is_submitted() else 200
    return render("accounts/login.html", block="form", status=status, form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sign_out(current_user)
        db.session.commit()
    flash(_("You are signed out."), "info")
    return see_other(url_for("site.home"))


def _account_page(status: int = 200, profile_form: ProfileForm | None = None):
    user = current_user._get_current_object()
    if profile_form is None:
        profile_form = ProfileForm(display_name=user.display_name, locale=user.locale or "",
                                   time_zone=user.time_zone or DEFAULT_TIME_ZONE)
    _profile_choices(profile_form)
    supplier = supplier_of(user)
    return render("accounts/account.html", block="profile", status=status, languages=LANGUAGES, supplier=supplier,
                  decision=latest_decision(supplier) if supplier else None, shop=shop_of(user),
                  sign_ins=recent_sign_ins(user), this_sign_in=token_hash(user.session_token),
                  profile_form=profile_form, preferences=preferences(user), daily_cap=daily_cap(user), errors={},
                  max_cap=MAX_DAILY_CAP, settings_next=url_for("accounts.account"))


def _profile_choices(form: ProfileForm) -> None:
    form.locale.choices = [("", _("Same as your browser")), *LANGUAGES.items()]
    form.time_zone.choices = time_zone_choices(str(get_locale()))


@bp.get("/my/account")
@login_required
def account():
    return _account_page()


@bp.post("/my/account/profile")
@login_required
@limiter.limit("30 per minute")
def profile():
    form = ProfileForm()
    _profile_choices(form)
    user = current_user._get_current_object()

    def done(_result):
        flash(_("Your profile is saved."), "success")
        response = see_other(url_for("accounts.account"))
        if user.locale:
            response.set_cookie(LOCALE_COOKIE, user.locale, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                                secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response

    return handle_form(form, lambda: update_profile(user, display_name=form.display_name.data or "",
                                                    locale=form.locale.data, time_zone=form.time_zone.data),
                       done=done, page=lambda status: _account_page(status, form))


@bp.post("/my/account/credit")
@login_required
def credit_setting():
    set_credit(current_user, request.form.get("credit") == "yes")
    db.session.commit()
    flash(_("Saved: co-designed products will name you among their contributors.") if current_user.credit_contributions
          else _("Saved: co-designed products will not name you."), "success")
    return see_other(url_for("accounts.account"))


@bp.post("/language")
def switch_language():
    form = LanguageForm()
    # Never back to a form's POST address, which would answer 405 to the redirect's GET.
    destination = safe_next_url(form.next.data)
    if not answers_get(destination):
        destination = url_for("site.home")
    if not form.validate():
        flash(_("Choose English or 简体中文."), "error")
        return see_other(destination)
    if current_user.is_authenticated:
        set_locale(current_user, form.locale.data)
        db.session.commit()
    response = see_other(destination)
    response.set_cookie(LOCALE_COOKIE, form.locale.data, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
