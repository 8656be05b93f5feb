"""Participants' names found in free text and masked (tracker.names): whole first and last
names in any letter case and typing, nothing less."""
import pytest

from tests import factories
from tracker.models.base import utcnow
from tracker.names import ParticipantNames, load_names

NAMES = ParticipantNames([("Amina Ali Hassan", "P-AAAAAA"), ("Anne-Marie Sørensen", "P-BBBBBB"),
                          ("Bo Jensen", "P-CCCCCC"), ("Bo Jensen", "P-DDDDDD"),
                          ("Madonna", "P-EEEEEE")])


@pytest.mark.parametrize("text, found", [
    ("Amina Hassan er startet.", "Amina Hassan"),
    ("amina hassan", "amina hassan"),
    ("AMINA HASSAN", "AMINA HASSAN"),
    ("Amina Ali Hassan har fri", "Amina Ali Hassan"),  # with the middle name, all of it
    ("Ring til\nAmina   Hassan.", "Amina   Hassan"),
    ("(Amina Hassan)", "Amina Hassan"),
    ("Anne-Marie Sørensen", "Anne-Marie Sørensen"),
    ("ANNE-MARIE SØRENSEN", "ANNE-MARIE SØRENSEN"),
    ("Amina Hassans timer", "Amina Hassan"),  # the genitive
    ("Amina Hassan's timer", "Amina Hassan"),
])
def test_a_full_name_is_found(text, found):
    matches = NAMES.find(text)
    assert [text[m.start:m.end] for m in matches] == [found]


def test_typed_variants_are_found_after_normalising():
    # Full-width letters (NFKC) and a zero-width space inside the first name.
    assert len(NAMES.find("Ａｍｉｎａ Ｈａｓｓａｎ")) == 1
    assert len(NAMES.find("Ami\u200bna Hassan")) == 1


@pytest.mark.parametrize("text", [
    "Amina er startet.",             # the first name alone
    "Fru Hassan er startet.",        # the last name alone
    "Aminah Hassan",                 # another first name
    "Amina Hassansen",               # another last name
    "Amina, Hassan og Bo",           # not one after the other
    "Hassan Amina",                  # the wrong order
    "Marie Sørensen",                # part of a double name
    "Madonna Madonna",               # one word is not a full name
    "",
    None,
])
def test_anything_less_than_a_full_name_is_not(text):
    assert NAMES.find(text) == []


def test_masking_puts_the_pseudonym_in_place_of_the_name():
    assert NAMES.mask("amina hassan (f. 1990) og ANNE-MARIE SØRENSEN er i gang.") == (
        "P-AAAAAA (f. 1990) og P-BBBBBB er i gang.")
    # Two participants are called Bo Jensen: neither pseudonym would be right.
    assert NAMES.mask("Bo Jensen mødte ikke op.") == "[participant] mødte ikke op."
    assert NAMES.mask("Ingen navne her.") == "Ingen navne her."
    assert NAMES.mask("Amina Hassans timer") == "P-AAAAAAs timer"


def test_names_come_from_the_database_but_not_from_anonymised_participants(db):
    known = factories.participant(name="Yusuf Demir")
    gone = factories.participant(name="Sara Holm", anonymised_at=utcnow())
    db.session.commit()
    names = load_names()
    assert names.mask("Yusuf Demir og Sara Holm") == f"{known.pseudonym} og Sara Holm"
    assert gone.pseudonym not in names.mask("Yusuf Demir og Sara Holm")


def test_names_are_looked_up_by_the_words_of_each_text(db, app):
    """In a request, each text's words are looked up as it is masked: a text with words not
    seen before still finds its names, and a participant renamed in the app is found by the
    new name only."""
    from tracker.names import mask_names, names_in

    yusuf = factories.participant(name="Yusuf Demir")
    sara = factories.participant(name="Sara Holm")
    db.session.commit()
    with app.app_context(), app.test_request_context():  # a request of its own
        assert mask_names("Yusuf Demir kom") == f"{yusuf.pseudonym} kom"
        assert mask_names("og Sara Holm kom") == f"og {sara.pseudonym} kom"
        assert not names_in("Yusuf Holm")
    yusuf.name = "Ole Demir"
    db.session.commit()
    assert yusuf.first_name_key == "ole"
    with app.app_context(), app.test_request_context():  # a request of its own
        assert mask_names("Ole Demir og Yusuf Demir") == f"{yusuf.pseudonym} og Yusuf Demir"
    # Outside a request (a document job), every call looks up its own text.
    assert mask_names("Sara Holm") == sara.pseudonym
