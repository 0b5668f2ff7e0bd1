"""Bytes no page should see, and no log line should carry.

PostgreSQL cannot store or even compare a text value with a NUL character in it, so a NUL that reached a
query would fail it (a 500) wherever a path, search word or form field is looked up. No honest browser sends
one: refuse the request before any view does. Other control characters are fine in a comment, but not in a
log line, where a newline typed into an email field would forge a line of its own."""
import logging

from flask import abort, request

NUL = "\x00"


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _multi(data) -> list[str]:
    return [text for pair in data.items(multi=True) for text in pair]


def refuse_nul_bytes():
    """A before_request check: 400 for a NUL anywhere the app reads text from a request."""
    texts = [request.path, *_multi(request.args), *_multi(request.cookies), *request.headers.values()]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        texts += _multi(request.form)
        texts += [upload.filename or "" for upload in request.files.values()]
    if any(NUL in text for text in texts):
        abort(400)
    if request.is_json and _holds_nul(request.get_json(silent=True)):
        abort(400)


_READABLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES = str.maketrans({chr(code): _READABLE.get(chr(code), f"\\x{code:02x}")
                          for code in (*range(0x20), *range(0x7f, 0xa0))}
                         | {"\u2028": "\\u2028", "\u2029": "\\u2029"})


def printable(message: str) -> str:
    """The message on one line, its control characters written as escapes."""
    return message.translate(_ESCAPES)


class PrintableLogRecord(logging.LogRecord):
    def getMessage(self) -> str:
        message = super().getMessage()
        # The development server colours its own request lines with terminal escapes; it never runs in production.
        return message if self.name == "werkzeug" else printable(message)


def keep_control_characters_out_of_logs() -> None:
    """Every log line of the process (the app's, the security log, gunicorn's), whoever typed what is in it.
    Tracebacks are formatted apart from the message and keep their lines."""
    if logging.getLogRecordFactory() is logging.LogRecord:
        logging.setLogRecordFactory(PrintableLogRecord)
