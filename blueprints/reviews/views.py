"""Writing, editing, answering, reporting and moderating reviews. The reviews themselves are shown on the product
pages (catalog.views composes them)."""
from types import SimpleNamespace

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from blueprints.bilingual import localized
from blueprints.codesign.services import supplier_prototypes
from blueprints.forms import handle_form, refused_back_to, run_action
from blueprints.media.images import ImageRejected
from blueprints.reviews import bp
from blueprints.shared_pages import renders_personal_part
from blueprints.reviews.forms import (AnswerForm, EditReviewForm, ModerateReviewForm,
                                      ReportReviewForm, ReviewForm)
from blueprints.reviews.models import Review
from blueprints.reviews.services import (EDIT_WINDOW, answer_review, can_edit, edit_review, helpful_votes_of, lines_to_review,
                                         mark_helpful,
                                         moderate_review, open_review_reports, report_review, review_to_ask,
                                         reviews_to_answer, write_review)
from blueprints.catalog.models import Product
from blueprints.codesign.models import Prototype, Stage
from blueprints.suppliers.services import require_admin, require_verified_supplier
from blueprints.web import render, safe_next_url, see_other, succeeded, upload_limit
from extensions import db, limiter


def _review(review_id: int) -> Review:
    return db.session.get(Review, review_id) or abort(404)


def _back(default: str) -> str:
    return safe_next_url(request.form.get("back")) or default


def _order_page(number: str, *, status=200, forms=None):
    lines = lines_to_review(current_user, number)
    if not lines:
        abort(404)
    forms = forms or {}
    return render("reviews/write.html", status=status, number=number, lines=lines,
                  forms={line.id: forms.get(line.id) or ReviewForm(formdata=None, prefix=f"line-{line.id}")
                         for line, review in lines if review is None})


@bp.get("/orders/<number>/review")
@login_required
def write(number: str):
    return _order_page(number)


@bp.post("/orders/<number>/review/<int:line_id>")
@login_required
@upload_limit
@limiter.limit("30 per hour", deduct_when=succeeded)
def submit(number: str, line_id: int):
    form = ReviewForm(prefix=f"line-{line_id}")

    def done(review):
        flash(_("Thank you: your review is on the product's page."), "success")
        return see_other(url_for("reviews.write", number=number) + f"#line-{line_id}")

    return handle_form(form, lambda: write_review(current_user, line_id, form.stars.data, form.body.data,
                                                  request.files.getlist(form.photos.name)),
                       done=done, fields={ImageRejected: "photos"},
                       page=lambda status: _order_page(number, status=status, forms={line_id: form}))


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@login_required
def edit(review_id: int):
    review = _review(review_id)
    if review.author_id != current_user.id:
        abort(404)
    form = EditReviewForm(obj=review)

    def done(_result):
        flash(_("Your review was updated."), "success")
        return see_other(url_for("reviews.edit", review_id=review.id))

    return handle_form(form, lambda: edit_review(current_user, review, form.stars.data, form.body.data), done=done,
                       page=lambda status: render("reviews/edit.html", status=status, review=review, form=form,
                                                  editable=can_edit(current_user, review), edit_window=EDIT_WINDOW))


@bp.post("/reviews/<int:review_id>/helpful")
@login_required
@limiter.limit("120 per hour")
def helpful(review_id: int):
    review = _review(review_id)
    back = _back("/")
    return run_action(lambda: mark_helpful(current_user, review), done=lambda _r: see_other(back),
                      refused=refused_back_to(back))


@bp.post("/reviews/<int:review_id>/report")
@login_required
@limiter.limit("20 per hour", deduct_when=succeeded)
def report(review_id: int):
    review = _review(review_id)
    form = ReportReviewForm()
    back = _back("/")

    def done(_report):
        flash(_("Thank you. A moderator will look at this review."), "success")
        return see_other(back)

    def page(_status):
        flash(" ".join(form.reason.errors + form.form_errors) or _("Tell the moderators what is wrong."), "error")
        return see_other(back)

    return handle_form(form, lambda: report_review(current_user, review, form.reason.data), done=done, page=page)


# The supplier

@bp.get("/supplier/reviews")
@login_required
def supplier_reviews():
    supplier = require_verified_supplier(current_user)
    return _supplier_page(supplier)


def _supplier_page(supplier, *, status=200, forms=None):
    prototypes = [prototype for prototype in supplier_prototypes(supplier)
                  if prototype.stage not in (Stage.DECLINED, Stage.LAUNCHED)]
    reviews = reviews_to_answer(supplier.id)
    forms = {review.id: (forms or {}).get(review.id) or AnswerForm(formdata=None, prefix=f"review-{review.id}")
             for review in reviews}
    return render("reviews/supplier.html", status=status, reviews=reviews, forms=forms, prototypes=prototypes)


@bp.post("/supplier/reviews/<int:review_id>/answer")
@login_required
def answer(review_id: int):
    supplier = require_verified_supplier(current_user)
    review = _review(review_id)
    form = AnswerForm(prefix=f"review-{review_id}")

    def done(_result):
        flash(_("Your answer is published beside the review."), "success")
        return see_other(url_for("reviews.supplier_reviews") + f"#review-{review_id}")

    return handle_form(form, lambda: answer_review(current_user, review, form.answer.data), done=done,
                       page=lambda status: _supplier_page(supplier, status=status, forms={review_id: form}))


@bp.post("/supplier/reviews/<int:review_id>/ask")
@login_required
def make_ask(review_id: int):
    require_verified_supplier(current_user)
    review = _review(review_id)
    prototype = db.session.get(Prototype, request.form.get("prototype_id", type=int) or 0) or abort(404)

    def done(_result):
        flash(_("The review is now an ask on %(title)s.", title=localized(prototype, "title")), "success")
        return see_other(url_for("codesign.prototype", slug=prototype.slug))

    return run_action(lambda: review_to_ask(current_user, review, prototype), done=done,
                      refused=refused_back_to(url_for("reviews.supplier_reviews")))


# Moderation

def _moderation_page(status=200, forms=None):
    reports = open_review_reports()
    forms = {report.review_id: (forms or {}).get(report.review_id)
             or ModerateReviewForm(formdata=None, prefix=f"review-{report.review_id}") for report in reports}
    return render("reviews/moderation.html", status=status, reports=reports, forms=forms)


@bp.get("/admin/reviews")
@login_required
def moderation():
    require_admin(current_user)
    return _moderation_page()


@bp.post("/admin/reviews/<int:review_id>/moderate")
@login_required
def moderate(review_id: int):
    require_admin(current_user)
    review = _review(review_id)
    form = ModerateReviewForm(prefix=f"review-{review_id}")
    hide = request.form.get("hide") == "1"

    def done(_result):
        flash(_("The review is folded with your reason.") if hide else _("The review is shown again."), "success")
        return see_other(url_for("reviews.moderation"))

    return handle_form(form, lambda: moderate_review(current_user, review, hide=hide, reason=form.reason.data),
                       done=done, page=lambda status: _moderation_page(status=status, forms={review_id: form}))


# A product page's reviews are shared; what each viewer has of their own in them is rendered for them
# (blueprints/shared_pages.py): their own review's link, their helpful votes, the text of their folded review.

@renders_personal_part("review_actions", batch=True)
def review_actions(reviews: list[dict]) -> list[str]:
    voted = helpful_votes_of(current_user, [review["review_id"] for review in reviews])
    return [render_block("reviews/_section.html", "review_actions", reviews={"voted": voted},
                         review=SimpleNamespace(id=review["review_id"], author_id=review["author_id"],
                                                helpful_count=review["helpful_count"]))
            for review in reviews]


@renders_personal_part("folded_review")
def folded_review(review_id: int) -> str:
    review = db.session.get(Review, review_id)
    return render_block("reviews/_section.html", "review", review=review, product=db.session.get(Product, review.product_id),
                        reviews={"voted": set()})
