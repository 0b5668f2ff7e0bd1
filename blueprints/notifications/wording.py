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
    "tracking_corrected": lambda subject: _("The tracking number of your order %(subject)s was corrected.",
                                            subject=subject),
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
    "new_pledge": lambda subject: _("Someone pledged to your prototype %(subject)s.", subject=subject),
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
