"""Contractor reports: portal, review queue, due reports."""
from flask import Blueprint

bp = Blueprint("reporting", __name__)
