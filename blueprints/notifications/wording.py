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
    "shop_listing": lambda subject: _("A shop you bought from has something new: %(subject)s", subject=subject),
    "recommended": lambda subject: _("Picked for you: %(subject)s", subject=subject),
    "goal_reached": lambda subject: _("%(subject)s reached its goal: it will be made. Thank you for pledging.",
                                      subject=subject),
    "pledges_void": lambda subject: _("%(subject)s closed below its minimum order: your pledge is void and you owe "
                                      "nothing.", subject=subject),
    "declined": lambda subject: _("%(subject)s, which you took part in, will not be made. The supplier says why.",
                                  subject=subject),
    "official_answer": lambda subject: _("The supplier answered your comment on %(subject)s.", subject=subject),
    "ask_considering": lambda subject: _("The supplier is considering your request on %(subject)s.",
                                         subject=subject),
    "ask_planned": lambda subject: _("Your request on %(subject)s is planned.", subject=subject),
    "ask_done": lambda subject: _("Your request on %(subject)s is done: it changed because of you.",
                                  subject=subject),
    "ask_declined": lambda subject: _("The supplier will not do your request on %(subject)s, and says why.",
                                      subject=subject),
    "credited": lambda subject: _("An update on %(subject)s credits you: it changed because of you.",
                                  subject=subject),
    "new_comment": lambda subject: _("Someone commented on your prototype %(subject)s.", subject=subject),
    "new_report": lambda subject: _("Someone reported something on your prototype %(subject)s.", subject=subject),
    "new_order": lambda subject: _("New order %(subject)s to fulfil.", subject=subject),
    "supplier_approve": lambda subject: _("%(subject)s is verified: you can publish products and prototypes now.",
                                          subject=subject),
    "supplier_reject": lambda subject: _("The application for %(subject)s was not approved. The reason is on your "
                                         "supplier page.", subject=subject),
    "supplier_suspend": lambda subject: _("%(subject)s is suspended. The reason is on your supplier page.",
                                          subject=subject),
    "supplier_reinstate": lambda subject: _("%(subject)s is reinstated.", subject=subject),
    "pledge_order_ready": lambda subject: _("%(subject)s is on sale: your pledge is an order ready to confirm at the "
                                            "early-bird price. Choose your option and confirm within 7 days.",
                                            subject=subject),
    "pledge_order_reminder": lambda subject: _("Your early-bird order for %(subject)s closes within a day: "
                                               "confirm it now.", subject=subject),
    "digest": lambda subject: ngettext("Your daily digest: %(num)d more update went over your daily limit.",
                                       "Your daily digest: %(num)d more updates went over your daily limit.",
                                       int(subject)),
}


def describe(event: str, subject: str) -> str:
    words = EVENTS.get(event)
    return words(subject) if words else subject
