"""The flask commands of DESIGN §6 (`flask --app tracker COMMAND --help`)."""
import os
import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from tracker.api.auth import DEFAULT_TOKEN_DAYS, TOKEN_DAYS, issue_token
from tracker.auth.passwords import hash_password, password_problem
from tracker.extensions import db
from tracker.models import Organisation, User
from tracker.models.codes import ORG_ROLES, ROLES
from tracker.validation import email_problem


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _read_password() -> str:
    """The password from standard input when piped, else a hidden prompt asked twice."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(list(ROLES)), help="The user's role.")
@click.option("--org", "cvr", help="CVR of the user's organisation (contractor, builder, municipality).")
@click.option("--name", help="Display name (defaults to the e-mail).")
def create_user(email, role, cvr, name):
    """Create a user; the password is read from standard input or prompted."""
    email = email.strip().lower()
    problem = email_problem(email)
    if problem:
        _fail(f"'{email}' is not an e-mail address one can sign in with: {problem}")
    if db.session.scalar(select(User).where(User.email == email)):
        _fail(f"A user with e-mail {email} already exists.")
    organisation = None
    if role in ORG_ROLES:
        if not cvr:
            _fail(f"A {role} user must belong to an organisation: give --org CVR.")
        organisation = db.session.scalar(select(Organisation).where(Organisation.cvr == cvr))
        if organisation is None:
            _fail(f"No organisation has CVR {cvr}.")
        if organisation.kind != ORG_ROLES[role]:
            _fail(f"{organisation.name} is a {organisation.kind}, not a {ORG_ROLES[role]}.")
    elif cvr:
        _fail(f"A {role} user belongs to the secretariat; leave out --org.")
    password = _read_password()
    problem = password_problem(password, name=name or "", email=email)
    if problem:
        _fail(problem)
    db.session.add(User(email=email, name=name or email, role=role, organisation=organisation,
                        password_hash=hash_password(password)))
    db.session.commit()
    click.echo(f"Created {role} user {email}.")


def new_token(user: User, days: int = DEFAULT_TOKEN_DAYS, name: str = "") -> str:
    """Make an API token for the user; only its SHA-256 is stored."""
    return issue_token(user, days=days, name=name)


@click.command("create-token")
@click.argument("email")
@click.option("--days", type=click.Choice([str(d) for d in TOKEN_DAYS]),
              default=str(DEFAULT_TOKEN_DAYS), show_default=True,
              help="Days until the token expires.")
@click.option("--name", default="", help="What the token is for, shown on the user's page.")
def create_token(email, days, name):
    """Print a new API token for the user (shown once; keep it secret)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _fail(f"No user has e-mail {email}.")
    if not user.active:
        _fail(f"The user {email} is deactivated.")
    if len(name) > 100:
        _fail("The name may have at most 100 characters.")
    token = new_token(user, days=int(days), name=name.strip())
    db.session.commit()
    click.echo(token)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="Only load the demo data when the database holds no organisations yet.")
def seed_demo(if_empty):
    """Load the Danish demo data set and one user per role; running it again adds nothing."""
    from tracker import demo

    if if_empty and db.session.scalar(select(Organisation.id).limit(1)) is not None:
        logins = demo.existing_logins()
        if not logins:
            click.echo("The database already holds data; demo data not loaded.")
            return
        click.echo("Demo data already loaded.")
    else:
        logins = demo.seed()
        db.session.commit()
        click.echo("Demo data loaded.")
    # The port `make run` serves on (Makefile: PORT, 5000 unless set).
    port = os.environ.get("PORT") or "5000"
    click.echo(f"Sign in at http://127.0.0.1:{port} with (role, e-mail, password):")
    for role, email, password in logins:
        click.echo(f"  {role:<13} {email:<34} {password}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst):
    """Run the jobs of the queue (PDFs, imports) until stopped; needs TRACKER_REDIS_URL.
    Any number of workers may run, on any machine that reaches the database and Redis."""
    from flask import current_app
    from rq import Worker

    from tracker import jobs

    if not jobs.configured():
        _fail("No queue is configured: set TRACKER_REDIS_URL (e.g. redis://127.0.0.1:6379/0). "
              "Without it, jobs run in the request and no worker is needed.")
    jobs.worker_app(current_app._get_current_object())
    try:
        Worker([jobs.queue()], connection=jobs.connection(),
               job_monitoring_interval=jobs.HEARTBEAT).work(burst=burst)
    finally:
        # A process that goes on after its worker stopped (a test run) must not run later
        # jobs as a work horse would, under a memory limit on itself.
        jobs.worker_app(None)


def register(app) -> None:
    from tracker.documents.commands import document
    from tracker.imports.commands import export_workbook, import_workbook
    from tracker.reporting.commands import send_reminders
    from tracker.retention.commands import retention

    for command in (create_user, create_token, seed_demo, send_reminders, document,
                    import_workbook, export_workbook, worker, retention):
        app.cli.add_command(command)
