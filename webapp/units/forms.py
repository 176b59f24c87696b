from __future__ import annotations

from wtforms import StringField
from wtforms.validators import Length, Optional

from ..forms import BaseForm
from ..vntext import nfc


def _clean(value):
    return nfc(value) or None if isinstance(value, str) else value


class HeadForm(BaseForm):
    """Who signs as THỦ TRƯỞNG ĐƠN VỊ on the unit's reports."""

    head_name = StringField("Họ và tên thủ trưởng đơn vị", filters=[_clean],
                            validators=[Optional(), Length(max=120)])
    head_title = StringField("Chức vụ (ví dụ: Trưởng Công an xã)", filters=[_clean],
                             validators=[Optional(), Length(max=120)])
