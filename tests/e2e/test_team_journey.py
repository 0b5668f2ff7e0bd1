"""Team buying on a phone in 简体中文: one shopper starts a team, a second joins through the starter's share link,
a third completes it, all three see the team formed and the supplier sees three released orders; another team
runs out of time and its starter is offered the product alone."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.test_auth_journey import new_page

pytestmark = pytest.mark.browser


def phone(browser):
    """A 375 px wide phone."""
    return new_page(browser, width=375, height=812)


def sign_in(page, base, account):
    """Sign in from a browser that chose 简体中文 (the visitor's language cookie)."""
    page.context.add_cookies([{"name": "locale", "value": "zh_Hans", "url": base}])
    page.goto(base + "/login")
    page.get_by_label("邮箱").fill(account.email)
    page.get_by_label("密码").fill(account.password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/my/account$"))


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def place(page, axe_violations, button: str):
    """Fill the team order form (a new address, cash on delivery) and send it."""
    page.get_by_label("收件人").fill("王小明")
    page.get_by_label("手机号").fill("138 0013 8000")
    page.get_by_label("省份").fill("浙江省")
    page.get_by_label("城市").fill("杭州市")
    page.get_by_label("区县").fill("西湖区")
    page.get_by_label("详细地址").fill("文三路 90 号")
    page.get_by_label("货到付款").check()
    assert axe_violations(page) == [] and fits(page)
    page.get_by_role("button", name=button).click()


@pytest.fixture
def team_price(app, make_supplier, make_product):
    from blueprints.accounts.models import User
    from blueprints.catalog.models import Product
    from blueprints.money import current_rates
    from blueprints.teams.services import save_offer
    from extensions import db

    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "不锈钢保温杯", stock=10)
    with app.app_context():
        save_offer(db.session.get(User, supplier.member.id), db.session.get(Product, product.id), None,
                   team_size=3, unit_price=5500, open_hours=24, max_teams=None, rates=current_rates())
        db.session.commit()
    return {"supplier": supplier, "product": product}


def test_three_friends_form_a_team_and_another_team_fails(browser, live_server, axe_violations, team_price,
                                                         make_user, app):
    first, second, third, fourth = (make_user(f"friend{n}@example.com", display_name=f"朋友{n}", locale="zh_Hans")
                                    for n in range(1, 5))

    # The first starts a team from the product page.
    starter = phone(browser)
    sign_in(starter, live_server, first)
    starter.goto(live_server + f"/p/{team_price['product'].slug}")
    expect(starter.get_by_role("heading", name="拼团购买")).to_be_visible()
    assert axe_violations(starter) == [] and fits(starter)
    starter.get_by_role("link", name="发起拼团").click()
    place(starter, axe_violations, "发起拼团")
    expect(starter.get_by_text("你已参团。")).to_be_visible()
    expect(starter.get_by_text("还差 2 人")).to_be_visible()
    team_url = starter.url

    # Sharing is optional; the starter chooses to get their own link and sends it.
    starter.get_by_text("分享", exact=True).click()
    starter.get_by_role("button", name="获取我的分享链接").click()
    share_url = starter.locator("#share-url").input_value()
    assert "/s/" in share_url
    assert axe_violations(starter) == [] and fits(starter)

    # The second arrives through the link and joins.
    friend = phone(browser)
    sign_in(friend, live_server, second)
    friend.goto(share_url)
    # Headless Chromium counts as a link-preview robot, which is sent on with ?via= for the card's language.
    expect(friend).to_have_url(re.compile(re.escape(team_url.split("?")[0]) + r"(\?via=\w+)?$"))
    expect(friend.get_by_text("还差 2 人")).to_be_visible()
    friend.get_by_role("link", name="参加这个团").click()
    place(friend, axe_violations, "参团")
    expect(friend.get_by_text("还差 1 人")).to_be_visible()

    # The third takes the last place: the team forms.
    last = phone(browser)
    sign_in(last, live_server, third)
    last.goto(team_url)
    last.get_by_role("link", name="参加这个团").click()
    place(last, axe_violations, "参团")
    expect(last.get_by_text("已成团：所有团员的订单现在交给供应商。")).to_be_visible()

    for page in (starter, friend, last):
        page.goto(team_url)
        expect(page.locator(".badge--team-formed")).to_have_text("已成团")
        assert axe_violations(page) == [] and fits(page)
    starter.goto(live_server + "/my/notifications")
    expect(starter.get_by_text(re.compile("拼团已成团"))).to_be_visible()

    supplier = phone(browser)
    sign_in(supplier, live_server, team_price["supplier"].member)
    supplier.goto(live_server + "/supplier/orders")
    expect(supplier.get_by_role("article")).to_have_count(3)
    assert axe_violations(supplier) == [] and fits(supplier)
    supplier.goto(live_server + "/supplier/teams")
    expect(supplier.get_by_text("已成团共售出 3 件")).to_be_visible()
    assert axe_violations(supplier) == [] and fits(supplier)
    supplier.goto(live_server + f"/supplier/products/{team_price['product'].id}/team-price")
    supplier.get_by_label("成团人数").fill("11")
    supplier.get_by_role("button", name="保存拼团价").click()
    expect(supplier.get_by_text("一个团需要 2 到 10 人。")).to_be_visible()
    assert axe_violations(supplier) == [] and fits(supplier)

    # A fourth starts another team, which nobody joins before it closes.
    alone = phone(browser)
    sign_in(alone, live_server, fourth)
    alone.goto(live_server + f"/p/{team_price['product'].slug}")
    alone.get_by_role("link", name="发起拼团").click()
    place(alone, axe_violations, "发起拼团")
    expect(alone.get_by_text("还差 2 人")).to_be_visible()
    lonely_url = alone.url
    _past_deadline(app, lonely_url.rsplit("/", 1)[1])
    result = app.test_cli_runner().invoke(args=["close-teams"])
    assert "Closed 1 team" in result.output
    alone.goto(lonely_url)
    expect(alone.locator(".badge--team-failed")).to_have_text("未成团")
    expect(alone.get_by_role("link", name=re.compile("单独购买"))).to_be_visible()
    assert axe_violations(alone) == [] and fits(alone)
    alone.goto(live_server + "/my/orders")
    expect(alone.locator(".badge--cancelled")).to_have_count(1)


def _past_deadline(app, code):
    from sqlalchemy import select

    from blueprints.teams.models import Team
    from extensions import db

    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.code == code))
        team.closes_at = team.opened_at - timedelta(seconds=1)
        db.session.commit()
