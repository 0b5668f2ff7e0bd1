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
    "return_requested": lambda subject: _("A buyer asks to return items from order %(subject)s.", subject=subject),
    "return_accepted": lambda subject: _("Your return for order %(subject)s is accepted: send it back.",
                                         subject=subject),
    "return_refused": lambda subject: _("Your return for order %(subject)s was refused; you can ask the platform.",
                                        subject=subject),
    "return_escalated": lambda subject: _("A refused return for order %(subject)s waits for your decision.",
                                          subject=subject),
    "return_decided": lambda subject: _("The platform decided on the return for order %(subject)s.",
                                        subject=subject),
    "return_sent_back": lambda subject: _("A return for order %(subject)s is on its way back to you.",
                                          subject=subject),
    "return_refunded": lambda subject: _("Your refund for order %(subject)s is issued.", subject=subject),
    "transfer_confirmed": lambda subject: _("Your bank transfer for order %(subject)s arrived; it is being prepared.",
                                            subject=subject),
    "ready_to_ship": lambda subject: _("The transfer for order %(subject)s arrived: it is ready to ship.",
                                       subject=subject),
    "refund_paid": lambda subject: _("The refund for order %(subject)s was paid to your account.", subject=subject),
    "payout_sent": lambda subject: _("A payout of %(subject)s is on its way to your bank.", subject=subject),
    "team_formed": lambda subject: _("Your team for %(subject)s is complete: your order goes to the supplier now.",
                                     subject=subject),
    "team_failed": lambda subject: _("Your team for %(subject)s did not fill in time, so your order is cancelled and "
                                     "you pay nothing. You can still buy it alone at the normal price.",
                                     subject=subject),
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
