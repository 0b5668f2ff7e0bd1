"""What a notification says, in the reader's language. Plain text: HTML pages escape it, emails use it as is."""
from flask_babel import gettext as _
from flask_babel import ngettext

EVENTS = {
    "launched": lambda subject: _("%(subject)s, which you supported or pledged to, is now for sale.", subject=subject),
    "keyword_product": lambda subject: _("A new product matches your keywords: %(subject)s", subject=subject),
    "keyword_prototype": lambda subject: _("A new prototype matching your keywords wants feedback: %(subject)s",
                                           subject=subject),
    "reply": lambda subject: _("Someone replied to your comment on %(subject)s.", subject=subject),
    "shipped": lambda subject: _("Part of your order %(subject)s has shipped.", subject=subject),
    "delivered": lambda subject: _("Part of your order %(subject)s was delivered.", subject=subject),
    "review_request": lambda subject: _("Your order %(subject)s was delivered: how was it? Review what you bought.",
                                        subject=subject),
    "shop_listing": lambda subject: _("A shop you bought from has something new: %(subject)s", subject=subject),
    "recommended": lambda subject: _("Picked for you: %(subject)s", subject=subject),
    "digest": lambda subject: ngettext("Your daily digest: %(num)d more update went over your daily limit.",
                                       "Your daily digest: %(num)d more updates went over your daily limit.",
                                       int(subject)),
}


def describe(event: str, subject: str) -> str:
    words = EVENTS.get(event)
    return words(subject) if words else subject
