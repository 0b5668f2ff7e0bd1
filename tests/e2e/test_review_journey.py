"""In 简体中文: a buyer receives an order, reviews it with a photo, sees it on the product's catalog and shop pages,
the supplier answers officially, and a report folds it behind the moderator's reason."""
import re

import pytest
from playwright.sync_api import expect

from tests.reviews.conftest import delivered, png  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def chinese_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True,
                                  extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    context.set_default_timeout(10_000)
    return context.new_page()


def sign_in(page, base, account):
    page.goto(base + "/login")
    page.get_by_label("邮箱").fill(account.email)
    page.get_by_label("密码").fill(account.password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/my/account$"))


def test_review_with_a_photo_answer_report_and_fold_in_chinese(browser, live_server, axe_violations, delivered,  # noqa: F811
                                                               make_user, admin, tmp_path):
    photo = tmp_path / "flask.png"
    photo.write_bytes(png().getvalue())
    product_path, shop_path = f"/p/{delivered.product.slug}", f"/shops/{delivered.shop_slug}/p/{delivered.product.slug}"

    # The buyer's order was delivered: the order page asks for a review.
    buyer = chinese_page(browser)
    sign_in(buyer, live_server, delivered.buyer)
    buyer.goto(live_server + f"/orders/{delivered.order_number}")
    buyer.get_by_role("link", name="评价已签收的商品").click()
    expect(buyer.get_by_role("heading", level=1)).to_contain_text("评价订单")
    assert axe_violations(buyer) == []
    buyer.get_by_label("5 星").check()
    buyer.get_by_label("你的评价").fill("保温效果很好，一整天都是热的。")
    buyer.get_by_label("照片（可选）").set_input_files(str(photo))
    buyer.get_by_role("button", name="发布评价").click()
    expect(buyer.get_by_text("谢谢：你的评价已显示在商品页面上。")).to_be_visible()

    # It shows on the catalog's product page and on the shop's, verified, with the photo.
    for path in (product_path, shop_path):
        buyer.goto(live_server + path)
        review = buyer.locator(".review").first
        expect(review).to_contain_text("保温效果很好")
        expect(review).to_contain_text("已验证购买")
        expect(review.locator(".review__photos img")).to_have_count(1)
        expect(buyer.get_by_text("评价如何验证")).to_be_visible()
    assert axe_violations(buyer) == []

    # The supplier answers, once, officially.
    supplier = chinese_page(browser)
    sign_in(supplier, live_server, delivered.supplier.member)
    supplier.goto(live_server + "/supplier/reviews")
    assert axe_violations(supplier) == []
    supplier.get_by_label("你的官方回复").fill("谢谢支持！")
    supplier.get_by_role("button", name="发布官方回复").click()
    expect(supplier.get_by_text("你的回复已发布在评价旁。")).to_be_visible()
    supplier.goto(live_server + product_path)
    expect(supplier.locator(".review__answer")).to_contain_text("谢谢支持！")
    expect(supplier.locator(".review__answer")).to_contain_text("官方回复")

    # Someone reports it; a moderator folds it with a reason, which readers and its author see.
    reader = chinese_page(browser)
    sign_in(reader, live_server, make_user("reader@example.com", display_name="读者"))
    reader.goto(live_server + product_path)
    reader.get_by_text("举报", exact=True).click()
    reader.get_by_label("这条评价有什么问题？").fill("含有广告")
    reader.get_by_role("button", name="提交举报").click()
    expect(reader.get_by_text("谢谢。管理员会查看这条评价。")).to_be_visible()

    moderator = chinese_page(browser)
    sign_in(moderator, live_server, admin)
    moderator.goto(live_server + "/admin/reviews")
    expect(moderator.get_by_text("含有广告")).to_be_visible()
    assert axe_violations(moderator) == []
    moderator.get_by_label("折叠时显示的理由").fill("测试折叠")
    moderator.get_by_role("button", name="折叠").click()
    expect(moderator.get_by_text("评价已折叠并注明你的理由。")).to_be_visible()

    reader.goto(live_server + shop_path)
    expect(reader.get_by_text("已被管理员隐藏：测试折叠")).to_be_visible()
    expect(reader.get_by_text("保温效果很好")).to_have_count(0)
    buyer.goto(live_server + product_path)
    expect(buyer.get_by_text("已被管理员隐藏：测试折叠")).to_be_visible()
    expect(buyer.get_by_text("保温效果很好，一整天都是热的。")).to_be_visible()  # the author still sees their words
    assert axe_violations(buyer) == []
