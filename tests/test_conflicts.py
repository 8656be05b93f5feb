"""A conflict is shown, never resolved silently (issue #22, point 1): two tabs edit one
participant; the second save is refused with what the first changed, the form then holds
both people's changes, and saving again keeps them all."""
from html.parser import HTMLParser

from tests import factories


class _Form(HTMLParser):
    """The values a browser would post from the page's main form (the one with `version`)."""

    def __init__(self):
        super().__init__()
        self.forms, self._current, self._select, self._text = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = {}
            self.forms.append(self._current)
        elif self._current is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._current[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._current[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._text = a.get("name")
            self._current[self._text] = ""

    def handle_data(self, data):
        if self._text:
            self._current[self._text] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._text = None
        elif tag == "form":
            self._current = None


def _open(client, url) -> dict:
    parser = _Form()
    parser.feed(client.get(url).get_data(as_text=True))
    return next(f for f in parser.forms if "version" in f)


def test_a_colleagues_change_survives_a_conflict(db, client, staff):
    person = factories.participant(name="Amina Hassan", email="amina@example.dk", phone="",
                                    months_unemployed=6)
    db.session.commit()
    url = f"/participants/{person.id}/edit"
    tab_a, tab_b = _open(client, url), _open(client, url)

    # B sets the phone number and saves.
    tab_b["phone"] = "22 33 44 55"
    assert client.post(url, data=tab_b).status_code == 302
    # A changes e-mail and months and saves: refused, with what B changed shown.
    tab_a.update(email="amina.hassan@example.dk", months_unemployed="9")
    refused = client.post(url, data=tab_a)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Det har den anden ændret" in page
    conflict = page[page.index('class="conflict"'):page.index("</section>")]
    assert "22 33 44 55" in conflict and "Telefon" in conflict
    db.session.refresh(person)
    assert (person.phone, person.email, person.months_unemployed) == (
        "22 33 44 55", "amina@example.dk", 6)

    # The form now holds B's phone and A's e-mail and months; A saves it again.
    parser = _Form()
    parser.feed(page)
    again = next(f for f in parser.forms if "version" in f)
    assert (again["phone"], again["email"], again["months_unemployed"]) == (
        "22 33 44 55", "amina.hassan@example.dk", "9")
    assert client.post(url, data=again).status_code == 302
    db.session.refresh(person)
    assert (person.phone, person.email, person.months_unemployed) == (
        "22 33 44 55", "amina.hassan@example.dk", 9)


def test_both_changed_the_same_field_keeps_yours_and_shows_theirs(db, client, staff):
    person = factories.participant(name="Amina Hassan", phone="11 11 11 11")
    db.session.commit()
    url = f"/participants/{person.id}/edit"
    tab_a, tab_b = _open(client, url), _open(client, url)
    tab_b["phone"] = "22 22 22 22"
    assert client.post(url, data=tab_b).status_code == 302
    tab_a["phone"] = "33 33 33 33"

    page = client.post(url, data=tab_a).get_data(as_text=True)

    row = page[page.index('class="conflict"'):page.index("</section>")]
    assert "11 11 11 11" in row and "22 22 22 22" in row and "33 33 33 33" in row
    parser = _Form()
    parser.feed(page)
    assert next(f for f in parser.forms if "version" in f)["phone"] == "33 33 33 33"
    db.session.refresh(person)
    assert person.phone == "22 22 22 22"
