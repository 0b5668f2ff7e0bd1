"""Two variants with the same options are refused; publishing with every variant at stock 0 says so."""
import pytest

from blueprints.accounts.models import User
from blueprints.catalog.models import Product
from blueprints.catalog.services import add_variant
from blueprints.errors import InvalidFields
from extensions import db
from tests.conftest import sign_in


def test_two_variants_with_the_same_options_are_refused(ctx, make_supplier, make_product):
    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier, active=False).id)  # its variant is {"colour": "Sage"}
    member = db.session.get(User, supplier.member.id)
    with pytest.raises(InvalidFields, match="already has these options"):
        add_variant(member, product, sku="SKU-X", options={"colour": " sage "}, stock_on_hand=1)
    add_variant(member, product, sku="SKU-Y", options={"colour": "Sage", "size": "L"}, stock_on_hand=1)


def test_publishing_with_no_stock_at_all_warns(client, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier, stock=0, active=False)
    sign_in(client, supplier.member)
    page = f"/supplier/products/{product.id}/edit"
    response = client.submit(f"/supplier/products/{product.id}/status", {"status": "active"}, page=page,
                             follow_redirects=True)
    assert "Every variant has 0 in stock" in response.get_data(as_text=True)
