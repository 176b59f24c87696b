from flask import Blueprint
bp = Blueprint("drugfree", __name__, url_prefix="/drugfree")
