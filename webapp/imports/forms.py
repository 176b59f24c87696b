from __future__ import annotations

from flask_wtf.file import FileField

from ..forms import BaseForm


class UploadForm(BaseForm):
    # Checked by the service, which says what the file is when it is not an xlsx.
    file = FileField("Tệp Excel đã điền (.xlsx, tối đa 20 MB)",
                     render_kw={"accept": ".xlsx,application/vnd.openxmlformats-officedocument"
                                          ".spreadsheetml.sheet"})
