"""No CPR-shaped number gets in, however it is typed: not through a form, a search or a
file name, and a search never lands in a server log (issue #23, point 8)."""
import io
import logging
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage
from wtforms import EmailField, HiddenField, PasswordField, StringField, TextAreaField

from tests import factories
from tests.test_validation import ISSUE_VARIANTS
from tracker.forms import Form
from tracker.models import Organisation, Participant

REFUSED = "Det ligner et CPR-nummer. CPR-numre må ikke gemmes i systemet"
SEARCH_REFUSED = "Søgningen ligner et CPR-nummer og blev ikke udført"


def _sent_to_the_database(db, action):
    """The response of `action()` and every statement with its parameters, as text."""
    sent = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        sent.append(f"{statement} {parameters}")

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        return action(), " ".join(sent)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


@pytest.mark.parametrize("variant", ISSUE_VARIANTS)
def test_a_participant_named_with_any_variant_is_refused(db, client, staff, variant):
    # The issue's case: a number like this reached a pathway PDF as the participant's name.
    body = client.post("/participants/new", data={
        "ref": "D-0001", "name": f"Amina {variant}", "intake_date": "2026-01-05",
    }).get_data(as_text=True)
    assert REFUSED in body
    assert db.session.scalar(select(func.count(Participant.id))) == 0


def test_a_field_without_its_own_check_is_checked_too(db, client, staff):
    # The organisation's e-mail field names no CPR check of its own.
    body = client.post("/organisations/new", data={
        "name": "Kærhøj Byg A/S", "kind": "contractor", "cvr": factories.valid_cvr(7),
        "email": "010190\u20131234@firma.dk",
    }).get_data(as_text=True)
    assert REFUSED in body
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_every_text_field_of_every_form_is_checked(app):
    class Sample(Form):
        text = StringField()
        area = TextAreaField()
        mail = EmailField()
        secret = PasswordField()
        hidden = HiddenField()

    data = {name: "01.01.90-1234" for name in ("text", "area", "mail", "secret", "hidden")}
    with app.test_request_context(method="POST", data=data):
        form = Sample(meta={"csrf": False})
        assert not form.validate()
        # A password is never stored as typed, and a hidden field is not typed by anyone.
        assert sorted(form.errors) == ["area", "mail", "text"]


def test_a_search_for_a_cpr_number_is_refused_and_never_run(db, client, staff):
    factories.participant(name="Amina Hassan")
    db.session.commit()
    response, sent = _sent_to_the_database(
        db, lambda: client.get("/participants/?q=010190%E2%80%931234"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert SEARCH_REFUSED in body
    assert "Amina Hassan" not in body  # no rows: nothing was searched
    assert "1234" not in body  # not repeated in the search field or the links
    assert "1234" not in sent


def test_a_typed_filter_that_is_a_cpr_number_is_refused(db, client, staff):
    factories.project(contractors=[factories.organisation("contractor")], case_number="BB-1")
    db.session.commit()
    response, sent = _sent_to_the_database(
        db, lambda: client.get("/projects/?contractor=01+01+90+1234"))
    body = response.get_data(as_text=True)
    assert SEARCH_REFUSED in body
    assert "BB-1" not in body
    assert "1234" not in body and "1234" not in sent


def test_the_export_of_a_refused_search_is_empty(db, client, staff):
    factories.participant(name="Amina Hassan")
    db.session.commit()
    body = client.get("/participants/?q=0101901234&export=csv").get_data(as_text=True)
    assert "Amina Hassan" not in body and "1234" not in body


def test_an_uploaded_file_named_with_a_cpr_number_is_kept_under_a_plain_name(app, db):
    from tracker.uploads import store_upload

    upload = FileStorage(io.BytesIO(b"%PDF-1.4\n% loenseddel\n"),
                         filename="lønseddel 010190-1234.pdf")
    stored = store_upload(upload, allowed=("pdf",))
    assert stored.filename == "fil.pdf"


def test_an_uploaded_file_keeps_an_ordinary_name(app, db):
    from tracker.uploads import store_upload

    upload = FileStorage(io.BytesIO(b"%PDF-1.4\n% aftale\n"), filename="aftale 2026.pdf")
    assert store_upload(upload, allowed=("pdf",)).filename == "aftale_2026.pdf"


# --- logs ------------------------------------------------------------------------------------

def test_gunicorns_access_log_leaves_out_query_strings_and_referrers():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    settings = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    config = Config()
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)
    logger = Logger(config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/participants/?q=0101901234",
               "PATH_INFO": "/participants/", "QUERY_STRING": "q=0101901234",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7",
               "HTTP_REFERER": "https://tracker.example/projects/?q=010190-1234",
               "HTTP_USER_AGENT": "Firefox"}
    response = type("Response", (), {"status": "200 OK", "sent": 512, "headers": []})()
    line = config.access_log_format % logger.atoms_wrapper_class(
        logger.atoms(response, [], environ, timedelta(milliseconds=40)))
    assert '"GET /participants/ HTTP/1.1" 200 512' in line
    assert "1234" not in line and "q=" not in line


def test_the_development_servers_request_log_leaves_out_query_strings(app, caplog):
    from werkzeug.serving import WSGIRequestHandler

    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.client_address = ("127.0.0.1", 50000)
    handler.command, handler.request_version = "GET", "HTTP/1.1"
    handler.path = "/participants/?q=010190-1234&sort=name"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(200, 512)
    assert caplog.records, "the request line was logged"
    message = caplog.records[-1].getMessage()
    assert '"GET /participants/ HTTP/1.1" 200 512' in message
    assert "1234" not in message
