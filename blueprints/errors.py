"""Errors services raise; views and the app's error handlers turn them into responses."""


class DomainError(Exception):
    """A rule of the shop was broken; the message is for the user."""


class AccessDenied(Exception):
    """The acting user may not do this (answered with 403). Not a DomainError, so views that show
    a rule's message to the user never swallow it."""


class InvalidFields(DomainError):
    """Problems with named fields, {field name: message}, to show beside each field."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors
