"""create-user and create-token."""
import hashlib

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.models import ApiToken, User

GOOD = "en lang og god adgangskode\n"


def test_create_staff_user_reads_password_from_stdin(db, runner):
    result = runner.invoke(args=["create-user", "Ny@Example.dk", "--role", "staff"], input=GOOD)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ny@example.dk"))
    assert user.role == "staff" and user.organisation_id is None


def test_contractor_user_needs_its_firm(db, runner):
    firm = factories.organisation("contractor", cvr="29189420")
    db.session.commit()
    assert runner.invoke(args=["create-user", "a@x.dk", "--role", "contractor"],
                         input=GOOD).exit_code != 0
    wrong_kind = factories.organisation("builder")
    db.session.commit()
    result = runner.invoke(args=["create-user", "b@x.dk", "--role", "contractor",
                                 "--org", wrong_kind.cvr], input=GOOD)
    assert result.exit_code != 0 and "not a contractor" in result.output
    result = runner.invoke(args=["create-user", "c@x.dk", "--role", "contractor",
                                 "--org", "29189420"], input=GOOD)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "c@x.dk")).organisation_id == firm.id


def test_refuses_unknown_role_short_password_and_duplicates(db, runner):
    assert runner.invoke(args=["create-user", "a@x.dk", "--role", "root"], input=GOOD).exit_code == 2
    result = runner.invoke(args=["create-user", "a@x.dk", "--role", "staff"], input="kort\n")
    assert result.exit_code == 1 and "12" in result.output
    assert runner.invoke(args=["create-user", "a@x.dk", "--role", "staff"], input=GOOD).exit_code == 0
    result = runner.invoke(args=["create-user", "a@x.dk", "--role", "staff"], input=GOOD)
    assert result.exit_code == 1 and "already exists" in result.output


def test_create_token_stores_only_the_hash(db, runner):
    user = factories.user("staff")
    db.session.commit()
    result = runner.invoke(args=["create-token", user.email])
    assert result.exit_code == 0
    token = result.output.strip()
    assert len(token) >= 40
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.user_id == user.id
    assert runner.invoke(args=["create-token", "nobody@x.dk"]).exit_code == 1


# An address the sign-in form refuses (a reserved name such as .test or localhost, no dot
# in the domain, two @) must be refused by create-user as well: the user could never sign in.
REFUSED_ADDRESSES = ["staff@bar.test", "staff@localhost", "staff@bar", "staff@@bar.dk",
                     "staff bar@bar.dk"]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_create_user_refuses_what_the_sign_in_form_refuses(db, runner, client, address):
    result = runner.invoke(args=["create-user", address, "--role", "staff"], input=GOOD)
    assert result.exit_code == 1
    assert f"'{address}' is not an e-mail address one can sign in with" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    page = client.post("/login", data={"email": address, "password": GOOD.strip()})
    assert page.status_code == 200
    assert "Ugyldig e-mailadresse." in page.get_data(as_text=True)


def test_a_user_created_on_the_command_line_signs_in(db, runner, client):
    result = runner.invoke(args=["create-user", "Staff@Bar.dk", "--role", "staff"], input=GOOD)
    assert result.exit_code == 0, result.output
    response = client.post("/login", data={"email": "staff@bar.dk", "password": GOOD.strip()})
    assert response.status_code == 302
