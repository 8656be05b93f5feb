"""Yearly evaluations of agreements and their follow-up actions."""
from flask import Blueprint

bp = Blueprint("evaluations", __name__)
