"""The floor that `bench/run.py` compares every page with: `/_bench/floor`, a signed-in page
of the same app that renders the base layout (menu, language form, user) with an empty
content block, so the difference to a real page is that page's own work. Only the
benchmark's apps have it (`bench/wsgi.py`, `bench/pages.py`); `tracker:create_app()` has
no such page."""
from flask import Flask, render_template_string
from flask_login import login_required

FLOOR_TEMPLATE = '{% extends "base.html" %}{% block content %}{% endblock %}'


def add_floor(app: Flask) -> Flask:
    """The app with `/_bench/floor` added."""

    @app.get("/_bench/floor")
    @login_required
    def bench_floor():
        """The base layout with nothing in it; any signed-in user."""
        return render_template_string(FLOOR_TEMPLATE)

    return app
