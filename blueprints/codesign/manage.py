"""A verified supplier's prototypes: details, pictures, polls, stages, asks, updates and analytics."""
import csv
import io

from flask import abort, flash, make_response, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields import SelectChoice

from blueprints.bilingual import localized
from blueprints.catalog.services import categories
from blueprints.codesign import bp
from blueprints.codesign.forms import AskForm, DeclineForm, PollForm, PrototypeForm, UpdateForm
from blueprints.codesign.models import Ask, AskStatus, Comment, Poll, Prototype, Stage
from blueprints.codesign.services.analytics import analytics
from blueprints.codesign.services.comments import comments_for
from blueprints.codesign.services.launch import launch
from blueprints.codesign.services.prototypes import (PrototypeDetails, accept, add_images, change_image,
                                                     close_for_review,
                                                     create_prototype, decline, open_prototype,
                                                     require_prototype_editor, supplier_prototypes, update_prototype)
from blueprints.codesign.services.support import (add_poll, close_poll, edit_poll, poll_vote_counts, remove_poll,
                                                  variant_plan)
from blueprints.codesign.services.updates import answer_ask, asks_for, make_ask, merge_asks, post_update
from blueprints.forms import handle_form, refused_back_to, run_action
from blueprints.media.images import ImageRejected, uploads_of
from blueprints.suppliers.services import require_verified_supplier
from blueprints.web import render, see_other, succeeded, upload_limit
from extensions import db, limiter

IMAGE_FIELD = {ImageRejected: "new_images"}


def _category_choices():
    locale = str(get_locale())
    return [SelectChoice(0, _("Choose a category"))] + [
        SelectChoice(c.id, (c.parent.name(locale) + " › " if c.parent else "") + c.name(locale)) for c in categories()]


def _form(prototype=None) -> PrototypeForm:
    form = PrototypeForm(obj=prototype)
    if prototype is not None and request.method == "GET":
        form.deadline.data = prototype.deadline.replace(tzinfo=None)
    form.category_id.choices = _category_choices()
    return form


def _details(form: PrototypeForm) -> PrototypeDetails:
    return PrototypeDetails(title=form.title.data, description=form.description.data or "",
                            specs=form.specs.data or "", category_id=form.category_id.data,
                            title_en=form.title_en.data or "", description_en=form.description_en.data or "",
                            specs_en=form.specs_en.data or "",
                            target_price=form.target_price.data, early_bird_price=form.early_bird_price.data,
                            moq=form.moq.data, deadline=form.deadline_utc(),
                            support_goals=form.support_goals.data or "")


def _own(prototype_id: int) -> Prototype:
    prototype = db.session.get(Prototype, prototype_id) or abort(404)
    require_prototype_editor(current_user, prototype)
    return prototype


@bp.get("/supplier/prototypes")
@login_required
def my_prototypes():
    supplier = require_verified_supplier(current_user)
    return render("codesign/manage/list.html", prototypes=supplier_prototypes(supplier))


@bp.route("/supplier/prototypes/new", methods=["GET", "POST"])
@login_required
@upload_limit
@limiter.limit("30 per hour", methods=["POST"], deduct_when=succeeded)
def new_prototype():
    require_verified_supplier(current_user)
    form = _form()

    def create():
        prototype = create_prototype(current_user, _details(form))
        add_images(current_user, prototype, uploads_of(form.new_images.data))
        return prototype

    def done(prototype: Prototype):
        flash(_("Prototype saved as a draft. Add a poll if you like, then open it for feedback."), "success")
        return see_other(url_for("codesign.edit_prototype", prototype_id=prototype.id))

    return handle_form(form, create, done=done, fields=IMAGE_FIELD,
                       page=lambda status: render("codesign/manage/new.html", status=status, form=form))


def _edit_page(prototype, *, status=200, form=None, poll_form=None, decline_form=None, update_form=None,
               ask_forms=None, poll_forms=None):
    asks = asks_for(prototype, public=False)
    forms = {ask.id: _ask_form(ask) for ask in asks}
    forms.update(ask_forms or {})
    votes = poll_vote_counts(prototype)
    poll_forms = {poll.id: _poll_form(poll) for poll in prototype.polls if not votes.get(poll.id)} | (poll_forms or {})
    stage = prototype.effective_stage
    return render("codesign/manage/edit.html", status=status, prototype=prototype, form=form or _form(prototype),
                  poll_form=poll_form or PollForm(formdata=None), decline_form=decline_form or DeclineForm(formdata=None),
                  update_form=update_form or UpdateForm(formdata=None), asks=asks, ask_forms=forms,
                  comments=comments_for(prototype, current_user), poll_forms=poll_forms, poll_votes=votes,
                  plan=variant_plan(prototype) if stage in (Stage.REVIEW, Stage.ACCEPTED) else None)


@bp.app_template_global()
def variant_option_name(option: str) -> str:
    return {"colour": _("Colour"), "size": _("Size")}.get(option, option)


def ask_status_labels() -> dict:
    return {AskStatus.CONSIDERING: _("Considering"), AskStatus.PLANNED: _("Planned"), AskStatus.DONE: _("Done"),
            AskStatus.DECLINED: _("Declined")}


def _ask_form(ask: Ask, *, sent: bool = False) -> AskForm:
    """The form for one ask: as the supplier sent it, or as the ask stands."""
    form = (AskForm(prefix=f"ask-{ask.id}") if sent
            else AskForm(formdata=None, prefix=f"ask-{ask.id}", status=ask.status.value, answer=ask.answer))
    form.status.choices = [SelectChoice(status.value, label) for status, label in ask_status_labels().items()]
    return form


def _back_to_edit(prototype_id: int, message: str, part: str = ""):
    """After a supplier's change: its message, and back to the prototype's edit page (at `part`)."""
    def done(_result):
        flash(message, "success")
        return see_other(url_for("codesign.edit_prototype", prototype_id=prototype_id) + part)
    return done


@bp.route("/supplier/prototypes/<int:prototype_id>/edit", methods=["GET", "POST"])
@login_required
@upload_limit
def edit_prototype(prototype_id: int):
    prototype = _own(prototype_id)
    if request.method == "GET":
        return _edit_page(prototype)
    form = _form(prototype)

    def save():
        update_prototype(current_user, prototype, _details(form))
        add_images(current_user, prototype, uploads_of(form.new_images.data))

    return handle_form(form, save, done=_back_to_edit(prototype_id, _("Changes saved.")), fields=IMAGE_FIELD,
                       page=lambda status: _edit_page(_own(prototype_id), status=status, form=form))


@bp.post("/supplier/prototypes/<int:prototype_id>/images/<int:image_id>")
@login_required
def change_prototype_image(prototype_id: int, image_id: int):
    prototype = _own(prototype_id)
    action = request.form.get("action", "")
    if action not in ("remove", "earlier", "later"):
        abort(400)
    message = _("Picture removed.") if action == "remove" else _("Pictures reordered.")
    return run_action(lambda: change_image(current_user, prototype, image_id, action),
                      done=_back_to_edit(prototype_id, message, "#pictures"),
                      refused=refused_back_to(url_for("codesign.edit_prototype", prototype_id=prototype_id)))


@bp.post("/supplier/prototypes/<int:prototype_id>/polls")
@login_required
def new_poll(prototype_id: int):
    prototype = _own(prototype_id)
    form = PollForm()
    return handle_form(form, lambda: add_poll(current_user, prototype, form.question.data,
                                              form.options.data.splitlines(), form.variant_option.data,
                                              **_poll_english(form)),
                       done=_back_to_edit(prototype_id, _("Poll added."), "#polls"),
                       page=lambda status: _edit_page(_own(prototype_id), status=status, poll_form=form))


def _own_poll(poll_id: int) -> Poll:
    poll = db.session.get(Poll, poll_id) or abort(404)
    _own(poll.prototype_id)
    return poll


@bp.post("/supplier/polls/<int:poll_id>")
@login_required
def change_poll(poll_id: int):
    """Reword a poll until its first vote, remove it, or close it after."""
    poll = _own_poll(poll_id)
    prototype_id = poll.prototype_id
    back = url_for("codesign.edit_prototype", prototype_id=prototype_id) + "#polls"
    action = request.form.get("action")
    if action in ("close", "remove"):
        service, message = ((close_poll, _("Poll closed: its result stands.")) if action == "close"
                            else (remove_poll, _("Poll removed.")))
        return run_action(lambda: service(current_user, poll), done=_back_to_edit(prototype_id, message, "#polls"),
                          refused=refused_back_to(back))
    form = PollForm(prefix=f"poll-{poll_id}")
    return handle_form(form, lambda: edit_poll(current_user, poll, form.question.data, form.options.data.splitlines(),
                                               form.variant_option.data, **_poll_english(form)),
                       done=_back_to_edit(prototype_id, _("Poll saved."), "#polls"),
                       page=lambda status: _edit_page(_own(prototype_id), status=status, poll_forms={poll_id: form}))


def _poll_english(form: PollForm) -> dict:
    return {"question_en": form.question_en.data or "", "options_en": (form.options_en.data or "").splitlines()}


def _poll_form(poll: Poll) -> PollForm:
    english = [option.label_en for option in poll.options]
    return PollForm(formdata=None, prefix=f"poll-{poll.id}", question=poll.question, question_en=poll.question_en,
                    options="\n".join(option.label for option in poll.options),
                    options_en="\n".join(english) if any(english) else "", variant_option=poll.variant_option or "")


def _stage_moves() -> dict:
    """The stage buttons that need nothing but a press: the service, and what to tell the supplier."""
    return {"open": (open_prototype, _("Open for feedback: it is on the co-design board.")),
            "review": (close_for_review, _("Closed for review. Decide whether to make it.")),
            "accept": (accept, _("Accepted. Launch it into the catalog when you are ready."))}


@bp.post("/supplier/prototypes/<int:prototype_id>/stage")
@login_required
def change_stage(prototype_id: int):
    prototype = _own(prototype_id)
    action = request.form.get("action")
    back = url_for("codesign.edit_prototype", prototype_id=prototype_id)
    if action == "decline":
        form = DeclineForm()
        declined = _("Declined. Your reason is shown on the prototype's page.")
        return handle_form(form, lambda: decline(current_user, prototype, form.reason.data or "",
                                                   confirmed=form.confirm.data),
                           done=_back_to_edit(prototype_id, declined),
                           page=lambda status: _edit_page(_own(prototype_id), status=status, decline_form=form))
    if action == "launch":
        def launched(product):
            flash(_("Launched: a draft product was made from the prototype. Check its prices and stock, then publish."),
                  "success")
            return see_other(url_for("catalog.edit_product", product_id=product.id))

        return run_action(lambda: launch(current_user, prototype), done=launched, refused=refused_back_to(back))
    if action not in (moves := _stage_moves()):
        abort(400)
    move, message = moves[action]
    return run_action(lambda: move(current_user, prototype), done=_back_to_edit(prototype_id, message),
                      refused=refused_back_to(back))


@bp.post("/supplier/prototypes/<int:prototype_id>/updates")
@login_required
def new_update(prototype_id: int):
    prototype = _own(prototype_id)
    form = UpdateForm()
    return handle_form(form, lambda: post_update(current_user, prototype, form.body.data,
                                                 ask_ids=request.form.getlist("ask_id", type=int),
                                                 comment_ids=request.form.getlist("comment_id", type=int),
                                                 poll_ids=request.form.getlist("poll_id", type=int)),
                       done=_back_to_edit(prototype_id, _("Update posted on the prototype's timeline."), "#updates"),
                       page=lambda status: _edit_page(_own(prototype_id), status=status, update_form=form))


@bp.post("/codesign/comments/<int:comment_id>/ask")
@login_required
def turn_into_ask(comment_id: int):
    comment = db.session.get(Comment, comment_id) or abort(404)
    asks = url_for("codesign.prototype", slug=db.session.get(Prototype, comment.prototype_id).slug) + "#asks"

    def done(_ask):
        flash(_("Added to the asks. Give it a status and an answer from your prototype page."), "success")
        return see_other(asks)

    return run_action(lambda: make_ask(current_user, comment), done=done, refused=refused_back_to(asks))


@bp.post("/supplier/asks/<int:ask_id>")
@login_required
def update_ask(ask_id: int):
    ask = db.session.get(Ask, ask_id) or abort(404)
    prototype = _own(ask.prototype_id)
    form = _ask_form(ask, sent=True)
    return handle_form(form, lambda: answer_ask(current_user, ask, AskStatus(form.status.data), form.answer.data),
                       done=_back_to_edit(prototype.id, _("Ask updated."), "#asks"),
                       page=lambda status: _edit_page(_own(prototype.id), status=status, ask_forms={ask_id: form}))


@bp.post("/supplier/asks/<int:ask_id>/merge")
@login_required
def merge_ask(ask_id: int):
    duplicate = db.session.get(Ask, ask_id) or abort(404)
    prototype = _own(duplicate.prototype_id)
    keep = db.session.get(Ask, request.form.get("into", type=int) or 0)
    back = url_for("codesign.edit_prototype", prototype_id=prototype.id) + "#asks"
    if keep is None:
        abort(404)
    return run_action(lambda: merge_asks(current_user, duplicate, keep),
                      done=_back_to_edit(prototype.id, _("Asks merged: the people behind both are credited."), "#asks"),
                      refused=refused_back_to(back))


@bp.get("/supplier/prototypes/<slug>")
@login_required
def prototype_analytics(slug: str):
    prototype = _by_slug(slug)
    return render("codesign/manage/analytics.html", prototype=prototype, data=analytics(prototype))


def _by_slug(slug: str) -> Prototype:
    prototype = db.session.scalar(select(Prototype).where(Prototype.slug == slug)) or abort(404)
    require_prototype_editor(current_user, prototype)
    return prototype


class _SafeWriter:
    """A CSV writer that keeps spreadsheet formulas people typed into comments from running on the supplier's computer."""

    def __init__(self, buffer):
        self._writer = csv.writer(buffer)

    def writerow(self, row):
        self._writer.writerow(["'" + cell if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r")
                               else cell for cell in row])


@bp.get("/supplier/prototypes/<slug>/feedback.csv")
@login_required
def export_csv(slug: str):
    prototype = _by_slug(slug)
    data = analytics(prototype)
    buffer = io.StringIO()
    writer = _SafeWriter(buffer)
    writer.writerow(["section", "label", "value"])
    for day, total in data.support_by_day:
        writer.writerow(["supporters_by_day", day.isoformat(), total])
    for low, high, count in data.price_buckets:
        writer.writerow(["would_buy_at_yuan", f"{low / 100:.2f}-{high / 100:.2f}", count])
    for poll, results in data.polls:
        for option, votes in results:
            writer.writerow([f"poll: {localized(poll, 'question')}", localized(option, "label"), votes])
    writer.writerow(["pledged_units", "moq", f"{data.pledged}/{prototype.moq}"])
    for comment, likes in data.top_comments:
        writer.writerow(["top_comment_likes", comment.body[:200], likes])
    # A byte-order mark, or Excel reads the UTF-8 as a local code page and garbles the Chinese.
    response = make_response("\ufeff" + buffer.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{prototype.slug}-feedback.csv"'
    return response
