"""All models, importable from one place (Alembic and the app load them here)."""
from tracker.models.agreements import Agreement, AgreementParty, Clause, ClauseReporter
from tracker.models.audit import AuditEvent, AuditEventParticipant, MaintenanceMode
from tracker.models.base import Base
from tracker.models.documents import (
    Document,
    DocumentJob,
    DocumentNumberCounter,
    DocumentParticipant,
)
from tracker.models.evaluations import Evaluation, EvaluationAction
from tracker.models.files import StoredFile
from tracker.models.imports import ImportJob
from tracker.models.organisations import HousingArea, Organisation
from tracker.models.participants import (
    FollowUp,
    Participant,
    PendingFollowUp,
    Placement,
    ProgressAssessment,
)
from tracker.models.projects import Project, ProjectContractor
from tracker.models.reference import BenefitGroup, PlacementRule
from tracker.models.reporting import (
    ContractorReport,
    ReportEvidence,
    ReportObligation,
    SentReminder,
)
from tracker.models.retention import RetentionSetting
from tracker.models.users import ApiToken, SignInThrottle, User, UserSession

__all__ = [
    "Agreement", "AgreementParty", "ApiToken", "AuditEvent", "AuditEventParticipant", "Base",
    "BenefitGroup", "Clause", "ClauseReporter", "ContractorReport", "Document", "DocumentJob",
    "DocumentNumberCounter", "DocumentParticipant", "Evaluation", "EvaluationAction", "FollowUp",
    "HousingArea", "ImportJob", "MaintenanceMode", "Organisation", "Participant", "PendingFollowUp",
    "Placement", "PlacementRule", "ProgressAssessment", "Project", "ProjectContractor",
    "ReportEvidence", "ReportObligation", "RetentionSetting", "SentReminder", "SignInThrottle",
    "StoredFile", "User", "UserSession",
]
