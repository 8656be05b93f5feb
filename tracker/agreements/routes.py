"""Partnership agreements, their parties and clauses."""
from flask import Blueprint

bp = Blueprint("agreements", __name__)
