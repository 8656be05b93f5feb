"""Paging a list whose sorted column has equal values: every row on exactly one page."""
from tests import factories
from tracker.lists import PER_PAGE


def test_same_names_page_through_once_each(db, client, login):
    staff = factories.user("staff")
    refs = [f"D-{n:03d}" for n in range(PER_PAGE + 5)]
    # Created out of order, all with one name: only the id can order them.
    for ref in reversed(refs):
        factories.participant(ref=ref, name="Ens Navn")
    db.session.commit()
    login(staff)
    seen = []
    for page in (1, 2):
        body = client.get(f"/participants/?page={page}").get_data(as_text=True)
        seen += [ref for ref in refs if f">{ref}<" in body]
    assert sorted(seen) == refs  # each once, none missing
    first = client.get("/participants/?page=1").get_data(as_text=True)
    # Ordered by id within the same name: the first created (the last ref) comes first.
    assert f">{refs[-1]}<" in first and f">{refs[0]}<" not in first


def test_list_query_orders_by_id_last(app):
    from sqlalchemy import select

    from tracker.lists import ListSpec
    from tracker.models import Participant

    query = ListSpec.stable(select(Participant).order_by(Participant.name.desc()), {"sort": "-name"})
    sql = str(query).replace("\n", " ")
    assert sql.endswith("ORDER BY participants.name DESC, participants.id DESC")
