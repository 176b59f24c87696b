from ..forms import BaseForm as FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..auth.forms import confirm_field, new_password_field
from ..auth.models import ROLE_LABELS


class UserForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[
        DataRequired("Vui lòng nhập tên đăng nhập."),
        Length(min=2, max=50, message="Tên đăng nhập phải có từ 2 đến 50 ký tự."),
        Regexp(r"^[a-z0-9._-]+$",
               message="Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số và . _ -"),
    ], filters=[lambda s: s.strip().lower() if s else s])
    full_name = StringField("Họ và tên", validators=[
        DataRequired("Vui lòng nhập họ và tên."),
        Length(max=120, message="Họ và tên dài tối đa 120 ký tự."),
    ], filters=[lambda s: s.strip() if s else s])
    role = SelectField("Vai trò", choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    unit_code = SelectField("Đơn vị", choices=[],
                            validators=[DataRequired("Vui lòng chọn đơn vị.")])
    active = BooleanField("Đang hoạt động", default=True)
    # Notifications are also e-mailed here when an SMTP server is configured (optional).
    email = StringField("Thư điện tử (nhận thông báo, không bắt buộc)", validators=[
        Optional(), Length(max=200, message="Tối đa 200 ký tự."),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Địa chỉ thư điện tử không hợp lệ."),
    ], filters=[lambda s: s.strip() or None if s else None])


class NewUserForm(UserForm):
    new_password = new_password_field("Mật khẩu ban đầu")
    confirm = confirm_field("Nhập lại mật khẩu")


class ResetPasswordForm(FlaskForm):
    new_password = new_password_field("Mật khẩu tạm thời")
    confirm = confirm_field("Nhập lại mật khẩu tạm thời")


