"""Form pieces several domains share."""
from flask_wtf import FlaskForm


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """A button that posts: nothing but the CSRF token."""
