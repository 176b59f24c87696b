"""Forms of the funding pages. The rules (amounts, dates in the year, categories, persons in
scope) live in the services, which tests reach directly; the forms carry CSRF, the input
hygiene of BaseForm and what the page shows again after a refusal."""
from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..forms import BaseForm
from .vocab import ACTIVITY_KINDS, CATEGORIES, DOCUMENT_TYPES, SOURCES


def choices(items, blank: bool = False) -> list[SelectChoice]:
    return ([SelectChoice("", "—")] if blank else []) + [SelectChoice(k, v) for k, v in items]


class EntryForm(BaseForm):
    spent_on = StringField("Ngày chi", render_kw={"placeholder": "dd/mm/yyyy", "size": 12,
                                                  "inputmode": "numeric", "autocomplete": "off"})
    source = SelectField("Nguồn kinh phí", choices=choices(SOURCES.items()), validate_choice=False)
    category = SelectField("Nội dung chi", choices=choices(CATEGORIES.items()),
                           validate_choice=False)
    quantity = StringField("Số lượng (để tính theo mức chi)", render_kw={"inputmode": "numeric",
                                                                         "size": 8})
    amount = StringField("Số tiền (đồng)", render_kw={"inputmode": "numeric",
                                                      "placeholder": "65.900.000"})
    description = StringField("Diễn giải")
    person_id = StringField("Số hồ sơ đối tượng (nếu có)", render_kw={"inputmode": "numeric",
                                                                       "size": 8})
    activity_id = SelectField("Hoạt động (nếu có)", choices=choices(()), validate_choice=False)


class ActivityForm(BaseForm):
    held_on = StringField("Ngày", render_kw={"placeholder": "dd/mm/yyyy", "size": 12,
                                             "inputmode": "numeric", "autocomplete": "off"})
    kind = SelectField("Loại hoạt động", choices=choices(ACTIVITY_KINDS.items()),
                       validate_choice=False)
    title = StringField("Nội dung / trích yếu văn bản")
    participants = StringField("Số người tham gia", render_kw={"inputmode": "numeric", "size": 8})
    document_type = SelectField("Loại văn bản", choices=choices(DOCUMENT_TYPES.items(), blank=True),
                                validate_choice=False)
    document_number = StringField("Số, ký hiệu văn bản", render_kw={"placeholder": "328/QĐ-UBND"})
    note = TextAreaField("Ghi chú", render_kw={"rows": 2})


class SectionsForm(BaseForm):
    version = HiddenField()
    situation = TextAreaField(render_kw={"rows": 6})
    difficulties = TextAreaField(render_kw={"rows": 6})
    assessment = TextAreaField(render_kw={"rows": 6})
    proposals = TextAreaField(render_kw={"rows": 6})


class NumberForm(BaseForm):
    number = StringField("Số báo cáo", render_kw={"size": 6, "inputmode": "numeric"})
