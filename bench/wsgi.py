"""The production app plus one page for the benchmark: `gunicorn … 'bench.wsgi:app'`.

`/_bench/floor` is the floor that `bench/run.py` compares every page with: a signed-in
page of the same app that renders the base layout (menu, language form, user) with an
empty content block, so the difference to a real page is that page's own work. The route
exists only in this module; the production app (`tracker:create_app()`) has no such page.
"""
from flask import render_template_string
from flask_login import login_required

from tracker import create_app

FLOOR_TEMPLATE = '{% extends "base.html" %}{% block content %}{% endblock %}'

app = create_app()


@app.get("/_bench/floor")
@login_required
def bench_floor():
    """The base layout with nothing in it; any signed-in user."""
    return render_template_string(FLOOR_TEMPLATE)
