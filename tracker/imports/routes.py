"""Workbook import (staff) and export (admin) pages."""
from flask import Blueprint

bp = Blueprint("imports", __name__)
