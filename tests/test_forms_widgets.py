"""The fast select widget writes exactly what WTForms' own would."""
from __future__ import annotations

from wtforms import Form, SelectField
from wtforms.widgets import Select

from webapp.forms import LongSelect


class _Pick(Form):
    fast = SelectField("Xã", widget=LongSelect())
    plain = SelectField("Xã")


def test_a_long_select_renders_as_the_plain_one_escaping_and_selection_included():
    choices = [("", "— Chọn xã —"), ("99101", "Xã Tân Hòa — Huyện <Tân> Lập"),
               ('9"9', "Xã \"Mới\" & cũ"), ("99103", "")]
    form = _Pick(data={"fast": "99101", "plain": "99101"})
    form.fast.choices = form.plain.choices = choices
    fast = form.fast().replace('name="fast"', "").replace('id="fast"', "")
    plain = form.plain().replace('name="plain"', "").replace('id="plain"', "")
    assert fast == plain
    assert "<option selected value=\"99101\">" in fast and "&lt;Tân&gt;" in fast
    assert isinstance(LongSelect(), Select)
