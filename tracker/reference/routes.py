"""Reference data administration (admin only): benefit groups and placement rules."""
from flask import Blueprint

bp = Blueprint("reference", __name__)
