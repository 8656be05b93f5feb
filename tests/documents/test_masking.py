"""The clause status report goes to the builder and the contractors: free text stored with a
participant's name in it is printed with the pseudonym instead (the issue's case: an
approved report comment under 'Open discrepancies')."""
from sqlalchemy import select

from tests.documents.conftest import AS_OF, pdf_text
from tracker.documents import service
from tracker.documents.kinds import clause_status
from tracker.documents.requests import DocumentRequest
from tracker.models import ContractorReport

COMMENT = ("Ada Testesen (født 1990) er enlig mor til tre og har svært ved at nå frem kl. 7. "
           "bo prøvesen er stoppet.")


def _name_the_participants(db, world):
    report = db.session.scalar(select(ContractorReport).where(
        ContractorReport.clause_id == world.k2.id))
    report.comment = COMMENT
    party = world.agreement.parties[0]
    party.contributions = ["Praktik til Cai Eksempelsen", "Stiller krav om klausuler"]
    party.benefits = ["DEA DEMOSEN i job"]
    db.session.commit()
    return party


def test_the_content_names_no_participant(db, world):
    party = _name_the_participants(db, world)
    context = clause_status.clause_status(world.project, AS_OF).context
    # K2: registered 6 weeks, reported 3 → a discrepancy, shown with the latest comment.
    assert [c.ref for c in context["discrepancies"]] == ["K2"]
    assert context["comments"][world.k2.id][1] == (
        f"{world.ada.pseudonym} (født 1990) er enlig mor til tre og har svært ved at nå frem "
        f"kl. 7. {world.bo.pseudonym} er stoppet.")
    assert context["texts"]["parties"][party.id] == {
        "role": "Bygherre",
        "contributions": [f"Praktik til {world.cai.pseudonym}", "Stiller krav om klausuler"],
        "benefits": [f"{world.dea.pseudonym} i job"]}
    assert context["texts"]["titles"][world.agreement.id] == "Partnerskabsaftale for Testparken"
    # The stored texts themselves are left as they are, for the secretariat.
    db.session.refresh(party)
    assert party.benefits == ["DEA DEMOSEN i job"]


def test_the_issued_pdf_names_no_participant(db, world):
    _name_the_participants(db, world)
    document = service.issue(DocumentRequest("clause-status", as_of=AS_OF,
                                             project=world.project), None)
    db.session.commit()
    text = pdf_text(document.content)
    assert world.ada.pseudonym in text and world.dea.pseudonym in text
    for name in ("Ada Testesen", "bo prøvesen", "Cai Eksempelsen", "DEA DEMOSEN"):
        assert name not in text
