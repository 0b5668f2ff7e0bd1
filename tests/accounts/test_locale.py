"""Templates' translations are found once per request's language, and follow force_locale in and out."""
from flask import render_template_string
from flask_babel import force_locale


def test_a_template_follows_the_language_forced_inside_a_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        like = "{{ _('Like') }} {{ ngettext('%(num)d like', '%(num)d likes', 2) }}"
        assert render_template_string(like) == "赞 2 个赞"
        with force_locale("en"):  # an email in its recipient's language, say
            assert render_template_string(like) == "Like 2 likes"
        assert render_template_string(like) == "赞 2 个赞"


def test_each_request_finds_its_own_language(app):
    for header, expected in (("en", "Like"), ("zh-CN", "赞"), ("en", "Like")):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            assert render_template_string("{{ _('Like') }}") == expected
