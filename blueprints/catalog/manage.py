"""A verified supplier's own products: create, edit, variants, images, publish and retire."""
from flask import abort, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from blueprints.catalog import bp
from blueprints.catalog.forms import ProductForm, VariantForm
from blueprints.catalog.models import Product, ProductImage, ProductStatus, Variant
from blueprints.catalog.services import (ProductDetails, add_images, add_variant, categories, change_status,
                                         create_product, remove_image, remove_variant, require_product_editor,
                                         update_product, update_variant)
from blueprints.forms import ActionForm, handle_form, refused_back_to, run_action
from blueprints.media.images import ImageRejected, uploads_of
from blueprints.suppliers.services import require_verified_supplier
from blueprints.web import render, see_other, succeeded, upload_limit
from extensions import db, limiter


IMAGE_FIELD = {ImageRejected: "new_images"}


def _category_choices():
    locale = str(get_locale())
    return [SelectChoice(0, _("Choose a category"))] + [
        SelectChoice(c.id, (c.parent.name(locale) + " › " if c.parent else "") + c.name(locale)) for c in categories()]


def _product_form(product: Product | None = None) -> ProductForm:
    form = ProductForm(obj=product)
    form.category_id.choices = _category_choices()
    return form


def _details(form: ProductForm) -> ProductDetails:
    return ProductDetails(title=form.title.data, title_en=form.title_en.data or "",
                          description=form.description.data or "", description_en=form.description_en.data or "",
                          category_id=form.category_id.data, supply_price=form.supply_price.data,
                          suggested_price=form.suggested_price.data, min_price=form.min_price.data,
                          max_price=form.max_price.data)


def _own_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id) or abort(404)
    require_product_editor(current_user, product)
    return product


def _variant_form(product: Product, variant: Variant | None = None, formdata=None) -> VariantForm:
    prefix = f"variant-{variant.id}" if variant else "new-variant"
    if variant is None:
        form = VariantForm(formdata=formdata, prefix=prefix)
    else:
        form = VariantForm(formdata=formdata, prefix=prefix, sku=variant.sku, stock_on_hand=variant.stock_on_hand,
                           colour=variant.options.get("colour", ""), size=variant.options.get("size", ""),
                           colour_en=variant.options_en.get("colour", ""), size_en=variant.options_en.get("size", ""),
                           image_id=variant.image_id)
    # Numbered as the images card above the variants captions them.
    form.image_id.choices = [("", _("No picture of its own"))] + [
        (str(image.id), _("Picture %(n)d", n=number)) for number, image in enumerate(product.images, start=1)]
    return form


def _edit_page(product: Product, *, status: int = 200, product_form=None, new_variant_form=None,
               variant_forms=None):
    forms = {variant.id: _variant_form(product, variant) for variant in product.variants}
    forms.update(variant_forms or {})
    return render("catalog/manage/edit.html", status=status, product=product,
                  form=product_form or _product_form(product), new_variant_form=new_variant_form or _variant_form(product),
                  variant_forms=forms, action_form=ActionForm())


@bp.route("/supplier/products/new", methods=["GET", "POST"])
@login_required
@upload_limit
@limiter.limit("60 per hour", methods=["POST"], deduct_when=succeeded)
def new_product():
    require_verified_supplier(current_user)
    form = _product_form()

    def create():
        product = create_product(current_user, _details(form))
        add_images(current_user, product, uploads_of(form.new_images.data))
        return product

    def done(product: Product):
        flash(_("Product saved as a draft. Add its variants, then publish it."), "success")
        return see_other(url_for("catalog.edit_product", product_id=product.id))

    return handle_form(form, create, done=done, fields=IMAGE_FIELD,
                       page=lambda status: render("catalog/manage/new.html", status=status, form=form))


@bp.route("/supplier/products/<int:product_id>", methods=["GET", "POST"])
@login_required
@upload_limit
def edit_product(product_id: int):
    product = _own_product(product_id)
    if request.method == "GET":
        return _edit_page(product)
    form = _product_form(product)

    def update():
        update_product(current_user, product, _details(form))
        add_images(current_user, product, uploads_of(form.new_images.data))

    def done(_result):
        flash(_("Changes saved."), "success")
        return see_other(url_for("catalog.edit_product", product_id=product_id))

    return handle_form(form, update, done=done, fields=IMAGE_FIELD,
                       page=lambda status: _edit_page(_own_product(product_id), status=422, product_form=form))


def _options(form: VariantForm) -> dict:
    return {"colour": form.colour.data or "", "size": form.size.data or ""}


def _options_en(form: VariantForm) -> dict:
    return {"colour": form.colour_en.data or "", "size": form.size_en.data or ""}


@bp.post("/supplier/products/<int:product_id>/variants")
@login_required
def new_variant(product_id: int):
    product = _own_product(product_id)
    form = _variant_form(product, formdata=request.form)

    def done(_variant):
        flash(_("Variant added."), "success")
        return see_other(url_for("catalog.edit_product", product_id=product_id) + "#variants")

    return handle_form(form, lambda: add_variant(current_user, product, sku=form.sku.data, options=_options(form),
                                                 options_en=_options_en(form), stock_on_hand=form.stock_on_hand.data,
                                                 image_id=form.image_id.data),
                       done=done, page=lambda status: _edit_page(_own_product(product_id), status=422,
                                                                 new_variant_form=form))


@bp.post("/supplier/variants/<int:variant_id>")
@login_required
def edit_variant(variant_id: int):
    variant = db.session.get(Variant, variant_id) or abort(404)
    require_product_editor(current_user, variant.product)
    product_id = variant.product_id
    form = _variant_form(variant.product, variant, formdata=request.form)

    def done(_result):
        flash(_("Variant %(sku)s saved.", sku=variant.sku), "success")
        return see_other(url_for("catalog.edit_product", product_id=product_id) + "#variants")

    return handle_form(form, lambda: update_variant(current_user, variant, sku=form.sku.data,
                                                    options=_options(form), options_en=_options_en(form),
                                                    stock_on_hand=form.stock_on_hand.data,
                                                    image_id=form.image_id.data),
                       done=done, page=lambda status: _edit_page(_own_product(product_id), status=422,
                                                                 variant_forms={variant_id: form}))


@bp.post("/supplier/variants/<int:variant_id>/delete")
@login_required
def delete_variant(variant_id: int):
    variant = db.session.get(Variant, variant_id) or abort(404)
    back = url_for("catalog.edit_product", product_id=variant.product_id) + "#variants"

    def done(_result):
        flash(_("Variant removed."), "success")
        return see_other(back)

    return run_action(lambda: remove_variant(current_user, variant), done=done,
                      refused=refused_back_to(back))


@bp.post("/supplier/images/<int:image_id>/delete")
@login_required
def delete_image(image_id: int):
    image = db.session.get(ProductImage, image_id) or abort(404)
    product_id = image.product_id
    remove_image(current_user, image)
    db.session.commit()
    flash(_("Image removed."), "success")
    return see_other(url_for("catalog.edit_product", product_id=product_id) + "#images")


@bp.post("/supplier/products/<int:product_id>/status")
@login_required
def set_status(product_id: int):
    product = _own_product(product_id)
    try:
        status = ProductStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    back = url_for("catalog.edit_product", product_id=product_id)

    def done(_result):
        messages = {ProductStatus.ACTIVE: _("Published: the product is in the catalog."),
                    ProductStatus.RETIRED: _("Retired: the product is hidden from the catalog and shops.")}
        flash(messages[status], "success")
        if status == ProductStatus.ACTIVE and not any(variant.stock_on_hand for variant in product.variants):
            flash(_("Every variant has 0 in stock: nobody can buy it until you add stock."), "error")
        return see_other(back)

    return run_action(lambda: change_status(current_user, product, status), done=done,
                      refused=refused_back_to(back))
