"""The data model. Importing this package registers every table on ``Base.metadata``."""

from pledge.models.affiliation import IssuanceCount, SpentToken, TokenIssuance, VerificationCode
from pledge.models.base import Base, UnsetColumn, UTCDateTime, present, utcnow
from pledge.models.campaign import (
    DEFAULT_CEREMONY_DAYS,
    DEFAULT_REVEAL_WINDOW,
    MAX_CEREMONY_DAYS,
    MIN_CEREMONY_DAYS,
    PUBLIC_STATES,
    SIGNING_STATES,
    Campaign,
    CampaignLab,
    CampaignState,
    Condition,
    ThresholdRule,
    smallest_majority,
)
from pledge.models.ceremony import (
    CeremonyAnswer,
    CeremonyArchive,
    CeremonyComplaint,
    CeremonyDeal,
    TranscriptSignature,
    Trustee,
)
from pledge.models.lab import Lab, LabChange, LabDomain
from pledge.models.log import (
    DestroyConfirmation,
    Entry,
    HeadCosignature,
    LogLeaf,
    PendingEvent,
    RevealRound,
    RoundPartials,
    TreeHead,
)
from pledge.models.outcome import CampaignUpdate, ConditionJudgement, Statement
from pledge.models.ratelimit import RateLimitWindow
from pledge.models.report import CampaignReport, ReportReason
from pledge.models.user import Role, User, UserRole

__all__ = [
    "IssuanceCount", "SpentToken", "TokenIssuance", "VerificationCode",
    "Base", "UnsetColumn", "UTCDateTime", "present", "utcnow",
    "DEFAULT_CEREMONY_DAYS", "DEFAULT_REVEAL_WINDOW", "MAX_CEREMONY_DAYS", "MIN_CEREMONY_DAYS",
    "PUBLIC_STATES", "SIGNING_STATES", "Campaign", "CampaignLab", "CampaignState", "Condition",
    "ThresholdRule", "smallest_majority",
    "CeremonyAnswer", "CeremonyArchive", "CeremonyComplaint", "CeremonyDeal", "TranscriptSignature", "Trustee",
    "Lab", "LabChange", "LabDomain",
    "CampaignUpdate", "ConditionJudgement", "Statement",
    "DestroyConfirmation", "Entry", "HeadCosignature", "LogLeaf", "PendingEvent", "RevealRound", "RoundPartials", "TreeHead",
    "RateLimitWindow",
    "CampaignReport", "ReportReason",
    "Role", "User", "UserRole",
]
