"""Small builders for test records; each adds to the session and flushes."""
import itertools
from datetime import date
from decimal import Decimal

from tracker.auth.passwords import hash_password
from tracker.extensions import db
from tracker.models import (
    Agreement,
    Clause,
    ContractorReport,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    Project,
    ProjectContractor,
    User,
)
from tracker.validation import CVR_WEIGHTS

_counter = itertools.count(1)
_PASSWORD_HASH = None


def valid_cvr(seed: int) -> str:
    """A CVR number that passes the modulus-11 check, unique per seed."""
    for n in itertools.count(10_000_000 + seed * 100):
        digits = f"{n:08d}"
        if sum(int(d) * w for d, w in zip(digits, CVR_WEIGHTS)) % 11 == 0:
            return digits
    raise AssertionError  # pragma: no cover


def _n() -> int:
    return next(_counter)


def organisation(kind="contractor", name=None, **kw) -> Organisation:
    n = _n()
    kw.setdefault("cvr", valid_cvr(n))
    if kind == "municipality":
        # Above every real kommunekode (101–860), which tests give their municipalities.
        kw.setdefault("municipality_code", str(861 + n % 139))
    org = Organisation(kind=kind, name=name or f"{kind} {n}", **kw)
    db.session.add(org)
    db.session.flush()
    return org


def user(role="staff", org=None, email=None, **kw) -> User:
    global _PASSWORD_HASH
    from tests.conftest import PASSWORD

    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    n = _n()
    u = User(email=email or f"{role}{n}@example.dk", name=kw.pop("name", f"{role.title()} {n}"),
             role=role,
             organisation=org, password_hash=_PASSWORD_HASH, **kw)
    db.session.add(u)
    db.session.flush()
    return u


def housing_area(municipality=None, **kw) -> HousingArea:
    area = HousingArea(name=kw.pop("name", f"Område {_n()}"),
                       municipality=municipality or organisation("municipality"), **kw)
    db.session.add(area)
    db.session.flush()
    return area


def project(builder=None, area=None, contractors=(), **kw) -> Project:
    n = _n()
    p = Project(
        case_number=kw.pop("case_number", f"2026-{n:03d}"), name=kw.pop("name", f"Renovering {n}"),
        housing_area=area or housing_area(), builder=builder or organisation("builder"),
        start_date=kw.pop("start_date", date(2026, 1, 1)), end_date=kw.pop("end_date", date(2026, 12, 31)),
        **kw,
    )
    for contractor in contractors:
        p.contractors.append(ProjectContractor(contractor=contractor, role="main"))
    db.session.add(p)
    db.session.flush()
    return p


def agreement(project, **kw) -> Agreement:
    n = _n()
    a = Agreement(ref=kw.pop("ref", f"A-{n}"), project=project, title=kw.pop("title", f"Aftale {n}"),
                  status=kw.pop("status", "active"), **kw)
    db.session.add(a)
    db.session.flush()
    return a


def clause(agreement, kind="any", unit="persons", target="1", **kw) -> Clause:
    c = Clause(ref=kw.pop("ref", f"K-{_n()}"), agreement=agreement, kind=kind, unit=unit,
               target=Decimal(target), frequency=kw.pop("frequency", "quarterly"), **kw)
    db.session.add(c)
    db.session.flush()
    return c


def participant(municipality=None, **kw) -> Participant:
    n = _n()
    p = Participant(ref=kw.pop("ref", f"D-{n}"), name=kw.pop("name", f"Deltager {n}"),
                    municipality=municipality, intake_date=kw.pop("intake_date", date(2026, 1, 1)),
                    consent_date=kw.pop("consent_date", date(2026, 1, 1)), **kw)
    db.session.add(p)
    db.session.flush()
    return p


def placement(participant, employer, kind="internship", project=None, **kw) -> Placement:
    pl = Placement(ref=kw.pop("ref", f"F-{_n()}"), participant=participant, employer=employer,
                   kind=kind, project=project, start_date=kw.pop("start_date", date(2026, 2, 1)),
                   hours_per_week=Decimal(str(kw.pop("hours_per_week", 37))), **kw)
    db.session.add(pl)
    db.session.flush()
    return pl


def report(clause, contractor, **kw) -> ContractorReport:
    r = ContractorReport(ref=kw.pop("ref", f"R-{_n()}"), clause=clause, contractor=contractor,
                         period_start=kw.pop("period_start", date(2026, 1, 1)),
                         period_end=kw.pop("period_end", date(2026, 3, 31)),
                         status=kw.pop("status", "submitted"), **kw)
    db.session.add(r)
    db.session.flush()
    return r


def two_estates() -> dict:
    """Aarhus (Gellerup, Brabrand Boligforening) and Odense (Vollsmose, fsb) with three
    projects: 2026-001 "Gellerup etape 1" has Kærhøj and Hansen Tag, 2026-002 "Gellerup
    etape 2" has Hansen & Søn, 2026-003 "Vollsmose tage" has Lindekrog. For tests that add
    more records than a drop-down holds; the names are what they type."""
    aarhus = organisation("municipality", name="Aarhus Kommune")
    odense = organisation("municipality", name="Odense Kommune")
    gellerup = housing_area(aarhus, name="Gellerup")
    vollsmose = housing_area(odense, name="Vollsmose")
    brabrand = organisation("builder", name="Brabrand Boligforening")
    fsb = organisation("builder", name="fsb")
    kaerhoej = organisation("contractor", name="Kærhøj Byg A/S")
    hansen_tag = organisation("contractor", name="Hansen Tag ApS")
    hansen_soen = organisation("contractor", name="Hansen & Søn Murer A/S")
    lindekrog = organisation("contractor", name="Lindekrog Malerfirma ApS")
    p1 = project(case_number="2026-001", name="Gellerup etape 1", area=gellerup,
                 builder=brabrand, contractors=[kaerhoej, hansen_tag])
    p2 = project(case_number="2026-002", name="Gellerup etape 2", area=gellerup,
                 builder=brabrand, contractors=[hansen_soen])
    p3 = project(case_number="2026-003", name="Vollsmose tage", area=vollsmose,
                 builder=fsb, contractors=[lindekrog])
    return dict(locals())
