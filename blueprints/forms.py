"""Form pieces several domains share, and the one way a view handles a form."""
from collections.abc import Callable, Mapping
from typing import Any

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Length

from blueprints.errors import DomainError, InvalidFields
from blueprints.web import see_other
from extensions import db


def strip(value):
    return value.strip() if isinstance(value, str) else value


def english_twin(field_class, label, max_length: int, **kwargs):
    """The optional English text beside a field whose 简体中文 text is the required one."""
    return field_class(label, filters=[strip], validators=[
        Length(max=max_length, message=_l("At most %(max)d characters."))], **kwargs)


class ActionForm(FlaskForm):
    """A button that posts: nothing but the CSRF token."""


def show_errors(form: FlaskForm, error: DomainError, fields: Mapping[type[DomainError], str] | None = None) -> None:
    """Put a service's error where the user sees it: beside its field(s), or above the form."""
    if isinstance(error, InvalidFields):
        for name, message in error.errors.items():
            field = form._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                form.form_errors.append(message)
        return
    for kind, name in (fields or {}).items():
        if isinstance(error, kind) and name in form._fields:
            form._fields[name].errors = [*form._fields[name].errors, str(error)]
            return
    form.form_errors.append(str(error))


def handle_form(form: FlaskForm, action: Callable[[], Any], *, done: Callable[[Any], Any],
                page: Callable[[int], Any], fields: Mapping[type[DomainError], str] | None = None):
    """Validate `form`; if it is valid, run the one service call `action` and commit once, then answer
    `done(result)` (a redirect). Otherwise, or when the service refuses, nothing is kept and `page(status)`
    shows the form again with the input and the messages (422 after a submission, 200 when first shown).
    `fields` names the field beside which an error of a kind goes, e.g. {ImageRejected: "new_images"}."""
    if form.validate_on_submit():
        try:
            result = action()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error, fields)
        else:
            db.session.commit()
            return done(result)
    return page(422 if form.is_submitted() else 200)


def run_action(action: Callable[[], Any], *, done: Callable[[Any], Any], refused: Callable[[DomainError], Any]):
    """A button's post: run `action` and commit once, then `done(result)`; if a rule refuses it, nothing is
    kept and `refused(error)` answers (usually a flashed message and the same redirect)."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        return refused(error)
    db.session.commit()
    return done(result)


def refused_back_to(url: str) -> Callable[[DomainError], Any]:
    """The usual answer to a refused button: its message, and back to the page."""
    def refused(error: DomainError):
        flash(str(error), "error")
        return see_other(url)
    return refused
