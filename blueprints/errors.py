"""Errors services raise; views and the app's error handlers turn them into responses."""


class DomainError(Exception):
    """A rule of the shop was broken; the message is for the user."""


class AccessDenied(DomainError):
    """The acting user may not do this (answered with 403)."""
