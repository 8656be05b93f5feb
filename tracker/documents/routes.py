"""Documents: list, issue, download within scope; the public verification page."""
from flask import Blueprint

bp = Blueprint("documents", __name__)
