from ..forms import BaseForm as FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .passwords import MAX_LENGTH

class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập",
                           validators=[DataRequired("Vui lòng nhập tên đăng nhập.")])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu.")])


def new_password_field(label: str = "Mật khẩu mới") -> PasswordField:
    """Required here; the rest of the policy (length from settings, common passwords, not the
    username or the previous one) is `passwords.problem`, which needs the account."""
    return PasswordField(label, validators=[
        DataRequired("Vui lòng nhập mật khẩu mới."),
        Length(max=MAX_LENGTH, message=f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự."),
    ])


def confirm_field(label: str = "Nhập lại mật khẩu mới") -> PasswordField:
    return PasswordField(label, validators=[
        DataRequired("Vui lòng nhập lại mật khẩu mới."),
        EqualTo("new_password", "Hai lần nhập mật khẩu không khớp."),
    ])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại", validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại.")])
    new_password = new_password_field()
    confirm = confirm_field()


class CodeForm(FlaskForm):
    code = StringField("Mã xác thực (6 chữ số)", validators=[
        DataRequired("Vui lòng nhập mã 6 chữ số trên ứng dụng xác thực."),
        Length(max=20, message="Mã xác thực gồm 6 chữ số."),
    ])
