"""The co-design board and a prototype's page, where people support, vote, pledge and comment."""
from flask import abort, flash, g, get_template_attribute, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from blueprints.cache import fragment_key, prefetch_fragments, version_of
from blueprints.shared_pages import renders_personal_part, shared_page, sharing_page
from blueprints.catalog.models import Category
from blueprints.catalog.services import categories
from blueprints.codesign import bp
from blueprints.codesign.forms import CommentForm, PledgeForm, ReportForm, SupportForm
from blueprints.codesign.models import Comment, Poll, PollOption, Prototype, Stage
from blueprints.codesign.services.comments import (add_comment, can_edit, comments_for, delete_comment, edit_comment,
                                                   editable_among, liked_by, report, sees_hidden_comments, toggle_like)
from blueprints.codesign.services.pledges import cancel_pledge, pledge
from blueprints.codesign.services.prototypes import (SORTS, board as board_rows, is_member_of_supplier,
                                                     prototype_for_page)
from blueprints.codesign.services.support import set_would_buy_at, support_prototype, tally, vote, withdraw_support
from blueprints.codesign.services.timeline import timeline
from blueprints.codesign.services.updates import asks_for, updates_for
from blueprints.codesign.text import comment_html
from blueprints.columns import utcnow
from blueprints.errors import DomainError
from blueprints.forms import handle_form, run_action
from blueprints.recommendations.services import also_chosen_with
from blueprints.reviews.services import review_counts
from blueprints.web import is_htmx, render, see_other, wants_fragment
from extensions import db, limiter


STAGE_NAMES = {Stage.DRAFT: _l("Draft"), Stage.OPEN: _l("Open for feedback"), Stage.REVIEW: _l("In review"),
               Stage.ACCEPTED: _l("Accepted"), Stage.DECLINED: _l("Declined"), Stage.LAUNCHED: _l("Launched")}
ALSO_HEADING = _l("People who supported this also supported")


@bp.app_template_global()
def stage_name(stage: str) -> str:
    return STAGE_NAMES[Stage(stage)]


@bp.app_template_filter("comment_html")
def _comment_html(body: str):
    return comment_html(body)


@bp.app_template_global()
def comment_fragment_keys(comment) -> tuple[str | None, str | None]:
    """The keys of a comment's shared head and body (templates/codesign/_comment.html), worked out once a
    request: the thread's prefetch asks for them, then each comment as it is rendered."""
    known = g.setdefault("comment_fragment_keys", {})
    # Under the thread's version: a comment edited in this request is keyed afresh once the edit is committed.
    asked = (comment.id, version_of("prototype", comment.prototype_id), comment.author.display_name)
    if asked not in known:
        known[asked] = (
            fragment_key("prototype", comment.prototype_id, "comment-head", comment.id, comment.author.display_name),
            fragment_key("prototype", comment.prototype_id, "comment-body", comment.id))
    return known[asked]


@bp.app_template_global()
def comment_actions(**facts) -> Markup:
    """templates/codesign/_comment_actions.html's macro, for a comment on the page and for its personal part
    alike. A global rather than a `{% from %}` in each comment: that import cost a page of 20 comments about 1 ms
    in Jinja's module look-ups (profiled)."""
    return get_template_attribute("codesign/_comment_actions.html", "comment_actions")(**facts)


@bp.app_template_global()
def thread_links(slug: str, order: str) -> tuple[str, str]:
    """The addresses every comment's reply and report forms post to, (without htmx, with htmx), worked out
    once a request rather than twice for each comment."""
    known = g.setdefault("thread_links", {})
    if (slug, order) not in known:
        known[slug, order] = (url_for("codesign.take_part", slug=slug, comments=order),
                              url_for("codesign.post_comment", slug=slug))
    return known[slug, order]


@bp.app_template_global("can_edit_comment")
def _can_edit_comment(comment) -> bool:
    return can_edit(current_user, comment)


@bp.app_template_filter("meter_step")
def meter_step(part: int, whole: int) -> int:
    """A bar's width in steps of 10%: anything above nothing shows at least one step."""
    if not whole or part <= 0:
        return 0
    return min(100, -(-part * 10 // whole) * 10)


def _per_user() -> str:
    return f"user:{current_user.id if current_user.is_authenticated else request.remote_addr}"


@bp.get("/codesign")
def board():
    sort = request.args.get("sort", "trending")
    if sort not in SORTS:
        sort = "trending"
    category = None
    if slug := request.args.get("category"):
        category = db.session.scalar(select(Category).where(Category.slug == slug)) or abort(404)
    now = utcnow()
    return render("codesign/board.html", rows=board_rows(sort=sort, category=category, now=now), sort=sort,
                  category=category, categories=categories(), now=now)


def _prototype_or_404(slug: str):
    return prototype_for_page(slug, current_user) or abort(404)


def render_prototype(prototype, *, block=None, status=200, support_form=None, pledge_form=None,
                     comment_form=None, reply_forms=None, edit_forms=None, problem=None, done=None):
    order = request.args.get("comments", "newest")
    only = block if wants_fragment() else None  # htmx swaps one block: load only what it shows

    def shown(*blocks: str) -> bool:
        return only is None or only in blocks

    # A shared copy leaves the viewer's own counts, votes and suggestions to personal parts (below).
    personal = not sharing_page()
    comments = comments_for(prototype, current_user, order) if shown("comments") else []
    # The thread's shared fragments in one round trip to Redis rather than two per comment.
    prefetch_fragments(key for comment, replies in comments for each in (comment, *replies)
                       for key in comment_fragment_keys(each))
    return render(
        "codesign/prototype.html", block=block, status=status, prototype=prototype,
        tally=tally(prototype, current_user) if personal and shown("participation", "polls") else None,
        comments=comments,
        comment_order=order, liked=liked_by(current_user, prototype) if shown("comments") else set(),
        asks=asks_for(prototype) if shown() else [], updates=updates_for(prototype) if shown() else [],
        is_supplier=is_member_of_supplier(current_user, prototype.supplier_id) if shown("comments") else False,
        support_form=support_form or SupportForm(formdata=None), pledge_form=pledge_form or PledgeForm(formdata=None),
        comment_form=comment_form or CommentForm(formdata=None), reply_forms=reply_forms or {},
        edit_forms=edit_forms or {}, report_form=ReportForm(formdata=None), now=utcnow(), problem=problem, done=done,
        also=also_chosen_with(prototype, current_user) if personal and shown() else [], also_heading=ALSO_HEADING,
        # A launched prototype's history links to what its buyers say of the product it became.
        product_reviews=review_counts([prototype.product_id]) if prototype.product_id and shown() else {})


@bp.get("/my/codesign")
@login_required
def my_codesign():
    return render("codesign/my_codesign.html", backed=timeline(current_user))


def _copy_is_theirs_too(slug: str) -> bool:
    """The members' copy is rendered as a visitor sees the page, without hidden comments; whoever sees some gets a
    page of their own (a moderator's tools on the page are a personal part)."""
    return not sees_hidden_comments(current_user, slug)


@bp.get("/codesign/<slug>")
@shared_page(reads=("comments",), shows=("codesign",), for_signed_in=_copy_is_theirs_too)
def prototype(slug: str):
    prototype = _prototype_or_404(slug)
    _hold_for_parts(prototype)
    return render_prototype(prototype, block="comments")


# The prototype page's personal parts (blueprints/shared_pages.py): what the viewer supports, pledged, voted and
# liked, what they may do with each comment, and what they have not yet taken part in.

def _shown_prototype(prototype_id: int) -> Prototype:
    """The prototype a page's personal parts show, loaded once for all of them."""
    known = g.setdefault("prototype_for_parts", {})
    if prototype_id not in known:
        known[prototype_id] = db.session.get(Prototype, prototype_id,
                                             options=[joinedload(Prototype.polls).joinedload(Poll.options)])
    return known[prototype_id]


def _hold_for_parts(prototype: Prototype) -> None:
    """The page's own prototype, for its parts: the session would let it go once the page is rendered (its identity
    map holds objects weakly) and load it again for them."""
    g.setdefault("prototype_for_parts", {})[prototype.id] = prototype


def _own_tally(prototype: Prototype):
    known = g.setdefault("tally_for_parts", {})
    if prototype.id not in known:
        known[prototype.id] = tally(prototype, current_user)
    return known[prototype.id]


@renders_personal_part("prototype_moderation")
def moderation_part(prototype_id: int) -> str:
    return render_block("codesign/prototype.html", "moderation", prototype=_shown_prototype(prototype_id))


@renders_personal_part("prototype_participation")
def participation_part(prototype_id: int) -> str:
    prototype = _shown_prototype(prototype_id)
    return render_block("codesign/prototype.html", "participation", prototype=prototype, tally=_own_tally(prototype),
                        support_form=SupportForm(formdata=None), pledge_form=PledgeForm(formdata=None))


@renders_personal_part("prototype_polls")
def polls_part(prototype_id: int) -> str:
    prototype = _shown_prototype(prototype_id)
    return render_block("codesign/prototype.html", "polls", prototype=prototype, tally=_own_tally(prototype))


@renders_personal_part("prototype_comment_actions", batch=True)
def comment_actions_part(parts: list[dict]) -> list[str]:
    """Every comment's buttons for the viewer: one query for their likes on the thread, one for whether they answer
    for its supplier if they act for any, and one for their comments still editable if they wrote any of these."""
    prototype = _shown_prototype(parts[0]["prototype_id"])  # one page, one prototype
    liked = liked_by(current_user, prototype)
    is_supplier = is_member_of_supplier(current_user, prototype.supplier_id)
    editable = editable_among(current_user, [part["comment_id"] for part in parts
                                             if part["author_id"] == current_user.id])
    order = request.args.get("comments", "newest")
    return [comment_actions(comment_id=part["comment_id"], author_id=part["author_id"],
                            author_name=part["author_name"], official=part["official"],
                            like_count=part["like_count"], slug=prototype.slug, comment_order=order,
                            can_reply=part["can_reply"], viewer_id=current_user.id,
                            liked=part["comment_id"] in liked, is_supplier=is_supplier,
                            editable_body=editable.get(part["comment_id"])) for part in parts]


@renders_personal_part("prototype_also_supported")
def also_supported_part(prototype_id: int) -> str:
    return render_block("codesign/prototype.html", "also", also_heading=ALSO_HEADING,
                        also=also_chosen_with(_shown_prototype(prototype_id), current_user))


# Taking part: each action answers in the part of the page it changed (htmx), or back on the page.

def _after(prototype, block: str, message: str | None = None):
    """htmx gets the changed part of the page; a plain form goes back to the page (with a message)."""
    if is_htmx():
        # The message takes the focus in the swapped part, so a keyboard or screen reader user hears what happened.
        return render_prototype(prototype, block=block, done=message)
    if message:
        flash(message, "success")
    order = request.args.get("comments")
    return see_other(url_for("codesign.prototype", slug=prototype.slug, comments=order) + f"#{block}")


def _refused(prototype, block: str):
    """A rule said no (the prototype closed, say): the message, in the part of the page that was used."""
    def refused(error: DomainError | str):
        if is_htmx():
            return render_prototype(prototype, block=block, status=422, problem=str(error))
        flash(str(error), "error")
        order = request.args.get("comments")
        return see_other(url_for("codesign.prototype", slug=prototype.slug, comments=order) + f"#{block}")
    return refused


def _form_again(prototype, block: str, form, **forms):
    """The form again in its part of the page, with what was typed and the messages beside its fields; when
    a rule refused the action as a whole (its message is above the form), the same answer as a refused button."""
    def page(status: int):
        if form.form_errors:
            return _refused(prototype, block)(" ".join(str(message) for message in form.form_errors))
        return render_prototype(prototype, block=block, status=status, **forms)
    return page


# Each action's limit is one budget however the form reaches it (its own address or the page's, below): a limit
# on the view alone would count per address, and calling the view from another one would start a second count.
@bp.post("/codesign/<slug>/support")
@login_required
@limiter.shared_limit("60 per minute", scope="codesign-support", key_func=_per_user)
def support(slug: str):
    prototype = _prototype_or_404(slug)
    form = SupportForm()
    # Explicit actions, never a toggle: the same request twice leaves the same state.
    action = request.form.get("action", "support")
    if action == "withdraw":
        return run_action(lambda: withdraw_support(current_user, prototype),
                          done=lambda _result: _after(prototype, "participation"),
                          refused=_refused(prototype, "participation"))
    change = set_would_buy_at if action == "price" else support_prototype
    return handle_form(form, lambda: change(current_user, prototype, form.would_buy_at.data),
                       done=lambda _supported: _after(prototype, "participation"),
                       page=_form_again(prototype, "participation", form, support_form=form))


@bp.post("/codesign/<slug>/pledge")
@login_required
@limiter.shared_limit("30 per minute", scope="codesign-pledge", key_func=_per_user)
def make_pledge(slug: str):
    prototype = _prototype_or_404(slug)
    if request.form.get("action") == "cancel":
        return run_action(lambda: cancel_pledge(current_user, prototype),
                          done=lambda _result: _after(prototype, "participation", _("Your pledge is cancelled.")),
                          refused=_refused(prototype, "participation"))
    form = PledgeForm()
    return handle_form(form, lambda: pledge(current_user, prototype, form.quantity.data),
                       done=lambda _pledge: _after(prototype, "participation",
                                                   _("Thank you: your pledge is recorded.")),
                       page=_form_again(prototype, "participation", form, pledge_form=form))


@bp.post("/codesign/<slug>/vote/<int:option_id>")
@login_required
@limiter.limit("60 per minute", key_func=_per_user)
def cast_vote(slug: str, option_id: int):
    prototype = _prototype_or_404(slug)
    option = db.session.get(PollOption, option_id)
    if option is None or option.poll.prototype_id != prototype.id:
        abort(404)
    return run_action(lambda: vote(current_user, option), done=lambda _result: _after(prototype, "polls"),
                      refused=_refused(prototype, "polls"))


@bp.post("/codesign/<slug>/comments")
@login_required
@limiter.shared_limit("10 per minute;100 per day", scope="codesign-comment", key_func=_per_user,
                      deduct_when=lambda r: r.status_code < 400)
def post_comment(slug: str):
    prototype = _prototype_or_404(slug)
    form = CommentForm()
    parent = None
    if form.parent_id.data:
        parent = db.session.get(Comment, int(form.parent_id.data)) if form.parent_id.data.isdigit() else None
        if parent is None or parent.prototype_id != prototype.id:
            abort(404)
    forms = {"reply_forms": {parent.id: form}} if parent is not None else {"comment_form": form}
    return handle_form(form, lambda: add_comment(current_user, prototype, form.body.data, parent),
                       done=lambda _comment: _after(prototype, "comments", _("Your comment is posted.")),
                       page=_form_again(prototype, "comments", form, **forms))


def _comment(comment_id: int) -> Comment:
    return db.session.get(Comment, comment_id) or abort(404)


def comment_slug(comment: Comment) -> str:
    return db.session.get(Prototype, comment.prototype_id).slug


@bp.post("/codesign/comments/<int:comment_id>/edit")
@login_required
def edit(comment_id: int):
    comment = _comment(comment_id)
    prototype = _prototype_or_404(comment_slug(comment))
    form = CommentForm()
    return handle_form(form, lambda: edit_comment(current_user, comment, form.body.data),
                       done=lambda _result: _after(prototype, "comments", _("Your comment is updated.")),
                       page=_form_again(prototype, "comments", form, edit_forms={comment_id: form}))


@bp.post("/codesign/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id: int):
    comment = _comment(comment_id)
    prototype = _prototype_or_404(comment_slug(comment))
    return run_action(lambda: delete_comment(current_user, comment),
                      done=lambda _result: _after(prototype, "comments", _("Your comment is deleted.")),
                      refused=_refused(prototype, "comments"))


@bp.post("/codesign/comments/<int:comment_id>/like")
@login_required
@limiter.limit("120 per minute", key_func=_per_user)
def like(comment_id: int):
    comment = _comment(comment_id)
    prototype = _prototype_or_404(comment_slug(comment))
    return run_action(lambda: toggle_like(current_user, comment), done=lambda _liked: _after(prototype, "comments"),
                      refused=_refused(prototype, "comments"))


@bp.post("/codesign/<slug>/report")
@login_required
@limiter.shared_limit("20 per hour", scope="codesign-report", key_func=_per_user)
def report_it(slug: str):
    prototype = _prototype_or_404(slug)
    comment = None
    if comment_id := request.form.get("comment_id", type=int):
        comment = _comment(comment_id)
        if comment.prototype_id != prototype.id:
            abort(404)
    form = ReportForm()
    back = url_for("codesign.prototype", slug=prototype.slug, comments=request.args.get("comments")) + "#comments"

    def done(_flag):
        flash(_("Thank you. A moderator will look at it."), "success")
        return see_other(back)

    def page(_status: int):
        # The report form sits in a fold of the page: what is wrong with it is said at the top.
        if messages := [str(message) for messages in form.errors.values() for message in messages]:
            flash(" ".join(messages), "error")
        return see_other(back)

    return handle_form(form, lambda: report(current_user, prototype, form.reason.data, comment), done=done, page=page)


# The forms that can come back with their errors post to the page they are on, so the page shown again keeps an
# address that answers GET (reload, share, the language switch); a hidden field names the form. The actions' own
# addresses stay for htmx and for pages already open.
PAGE_FORMS = {"support": support, "pledge": make_pledge, "comment": post_comment, "report": report_it}


@bp.post("/codesign/<slug>")
@login_required
def take_part(slug: str):
    form_for = request.form.get("form_for")
    if form_for == "edit":
        comment = _comment(request.form.get("comment_id", type=int) or 0)
        if comment_slug(comment) != slug:
            abort(404)
        return edit(comment.id)
    if form_for not in PAGE_FORMS:
        abort(400)
    return PAGE_FORMS[form_for](slug)
