"""In 简体中文 on a 375 px phone: forget the password, read the email, reset it, sign in, save an address through
the cascading picker, and see times in Beijing time."""
import re

import pytest
from playwright.sync_api import expect

from blueprints.notifications.models import OutboxEmail
from extensions import db

pytestmark = pytest.mark.browser

NEW_PASSWORD = "桂花 乌龙 茶 2026"


def latest_email_to(app, address: str) -> str:
    with app.app_context():
        return db.session.scalars(db.select(OutboxEmail.body).where(OutboxEmail.to_address == address)
                                  .order_by(OutboxEmail.id.desc())).first()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_forget_reset_sign_in_save_an_address_and_see_beijing_time(browser, live_server, app, make_user,
                                                                    axe_violations):
    account = make_user("mei@example.com", display_name="小美", locale="zh_Hans")
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()

    page.goto(live_server + "/login")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page).to_have_url(live_server + "/password/forgot")
    assert axe_violations(page) == [] and fits_the_screen(page)
    page.get_by_label("邮箱").fill(account.email)
    page.get_by_role("button", name="发送链接").click()
    expect(page.get_by_text("如果有账号使用 mei@example.com")).to_be_visible()

    body = latest_email_to(app, account.email)
    assert "重置您 Shelfmade 账号的密码" in body or "重置" in body
    link = re.search(r"http://\S+/password/reset/\S+", body).group(0)
    page.goto(live_server + link[link.index("/password/"):])
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    assert axe_violations(page) == [] and fits_the_screen(page)
    page.get_by_role("button", name="保存新密码").click()

    expect(page.get_by_text("密码已修改")).to_be_visible()
    expect(page.get_by_label("邮箱")).to_have_value(account.email)
    page.get_by_label("密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(live_server + "/my/account")

    page.goto(live_server + "/my/addresses")
    page.get_by_label("收件人").fill("王小明")
    page.get_by_label("手机号").fill("+86 138 0013 8000")
    page.get_by_label("省份").select_option("浙江省")
    expect(page.get_by_label("城市").locator("option", has_text="杭州市")).to_have_count(1)  # htmx filled it in
    page.get_by_label("城市").select_option("杭州市")
    expect(page.get_by_label("区县").locator("option", has_text="西湖区")).to_have_count(1)
    page.get_by_label("区县").select_option("西湖区")
    page.get_by_label("详细地址").fill("文三路 90 号 3 幢 201")
    assert axe_violations(page) == [] and fits_the_screen(page)
    page.get_by_role("button", name="保存地址").click()
    expect(page.get_by_text("地址已保存。")).to_be_visible()
    expect(page.get_by_text("浙江省 杭州市 西湖区 文三路 90 号 3 幢 201")).to_be_visible()
    expect(page.get_by_text("默认", exact=True)).to_be_visible()

    page.goto(live_server + "/my/account")
    expect(page.get_by_text("(北京时间)").first).to_be_visible()
    assert axe_violations(page) == [] and fits_the_screen(page)
    context.close()
