from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from blueprints.accounts.services import LANGUAGES
from blueprints.forms import strip


class SignupForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[
        DataRequired(_l("Enter your email address.")),
        Length(max=254, message=_l("An email address can be at most 254 characters.")),
        Email(_l("Enter an email address like name@example.com."), check_deliverability=False),
    ])
    display_name = StringField(_l("Display name"), filters=[strip], description=_l(
        "Shown beside your votes and comments."), validators=[
        DataRequired(_l("Enter the name other people will see.")),
        Length(max=80, message=_l("A display name can be at most 80 characters.")),
    ])
    password = PasswordField(_l("Password"), description=_l("At least 10 characters."), validators=[
        InputRequired(_l("Choose a password.")),
        Length(min=10, max=128, message=_l("A password needs 10 to 128 characters.")),
    ])
    password_confirm = PasswordField(_l("Password again"), validators=[
        InputRequired(_l("Type the password a second time.")),
        # The same cap as the first field: browsers cut a paste at maxlength, so both must cut it alike.
        Length(max=128, message=_l("A password needs 10 to 128 characters.")),
        EqualTo("password", _l("The two passwords do not match.")),
    ])
    next = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[
        DataRequired(_l("Enter your email address.")),
    ])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class LanguageForm(FlaskForm):
    locale = HiddenField()
    next = HiddenField()

    def validate_locale(self, field):
        if field.data not in LANGUAGES:
            raise ValidationError(_l("Choose English or 简体中文."))


def _new_password_fields():
    return (
        PasswordField(_l("New password"), description=_l("At least 10 characters."), validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=10, max=128, message=_l("A password needs 10 to 128 characters.")),
        ]),
        PasswordField(_l("New password again"), validators=[
            InputRequired(_l("Type the password a second time.")),
            Length(max=128, message=_l("A password needs 10 to 128 characters.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ]),
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[
        DataRequired(_l("Enter your email address.")),
        Length(max=254, message=_l("An email address can be at most 254 characters.")),
    ])


class ResetPasswordForm(FlaskForm):
    password, password_confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        InputRequired(_l("Enter your current password."))])
    password, password_confirm = _new_password_fields()


class ProfileForm(FlaskForm):
    display_name = SignupForm.display_name
    locale = SelectField(_l("Language"), validate_choice=False)
    time_zone = SelectField(_l("Time zone"), validate_choice=False, description=_l(
        "Every time on the site is shown in this zone."))


class PasswordAgainForm(FlaskForm):
    password = PasswordField(_l("Your password"), description=_l("We ask again because this cannot be undone."),
                             validators=[InputRequired(_l("Enter your password."))])


class EmailChangeForm(FlaskForm):
    new_email = EmailField(_l("New email address"), filters=[strip], validators=[
        DataRequired(_l("Enter your email address.")),
        Length(max=254, message=_l("An email address can be at most 254 characters.")),
        Email(_l("Enter an email address like name@example.com."), check_deliverability=False),
    ])
    password = PasswordField(_l("Your password"), validators=[InputRequired(_l("Enter your password."))])


class DeleteAccountForm(PasswordAgainForm):
    confirm = BooleanField(_l("Yes, delete my account"), validators=[
        DataRequired(_l("Tick the box to confirm."))])
