"""A small world for contractor reports: two contractors on one project, a third project of
contractor B alone, users of every role; today is fixed at 15 May 2026."""
import email
import email.policy
import io
import socket
from datetime import date
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from openpyxl import Workbook

from tests import factories
from tracker.reporting import service
from tracker.reporting.commands import send_reminders

TODAY = date(2026, 5, 15)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["Uge", "Timer"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Pages compute due reports and open periods as of 15 May 2026."""
    monkeypatch.setattr(service, "today", lambda: TODAY)
    return TODAY


@pytest.fixture()
def world(db):
    """Project P (2026) with contractors A and B; project Q with B only.

    Clauses on P: hours_a (hours, quarterly, A responsible), shared (persons, monthly,
    no responsible contractor: A and B both report). On Q: hours_b (hours, quarterly, B).
    """
    a = factories.organisation("contractor", name="Aarhus Byg A/S",
                               email="indberetning@aarhusbyg.dk")
    b = factories.organisation("contractor", name="Bispehaven Entreprise ApS")
    builder = factories.organisation("builder", name="Brabrand Boligforening")
    municipality = factories.organisation("municipality", name="Aarhus Kommune")
    area = factories.housing_area(municipality, name="Gellerup")
    p = factories.project(builder=builder, area=area, contractors=[a, b], case_number="2026-P",
                          name="Gellerup etape 1")
    q = factories.project(builder=builder, area=area, contractors=[b], case_number="2026-Q",
                          name="Bispehaven tag")
    agreement_p = factories.agreement(p)
    agreement_q = factories.agreement(q)
    hours_a = factories.clause(agreement_p, kind="any", unit="hours", target="1000",
                               responsible_contractor=a, frequency="quarterly", ref="K-P1")
    shared = factories.clause(agreement_p, kind="any", unit="persons", target="5",
                              frequency="monthly", ref="K-P2")
    hours_b = factories.clause(agreement_q, kind="any", unit="hours", target="500",
                               responsible_contractor=b, frequency="quarterly", ref="K-Q1")
    users = {
        "admin": factories.user("admin"),
        "staff": factories.user("staff"),
        "contractor_a": factories.user("contractor", org=a),
        "contractor_b": factories.user("contractor", org=b),
        "builder": factories.user("builder", org=builder),
        "municipality": factories.user("municipality", org=municipality),
    }
    db.session.commit()
    return SimpleNamespace(a=a, b=b, builder=builder, municipality=municipality, p=p, q=q,
                           agreement_p=agreement_p, hours_a=hours_a, shared=shared,
                           hours_b=hours_b, users=users)


@pytest.fixture()
def cli_app(app):
    """The app with `send-reminders` registered, as the lead registers it in tracker/cli.py."""
    if "send-reminders" not in app.cli.commands:
        app.cli.add_command(send_reminders)
    return app


class Collector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def smtp(app):
    """A real SMTP server on 127.0.0.1 that keeps what it receives, and the app set to
    send through it."""
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(TRACKER_SMTP_HOST="127.0.0.1", TRACKER_SMTP_PORT=port,
                          TRACKER_MAIL_FROM="sekretariat@example.dk",
                          TRACKER_PUBLIC_URL="https://tracker.example.dk/")
    try:
        yield collector
    finally:
        controller.stop()
