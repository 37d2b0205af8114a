"""The models, one module per aggregate; importing this package registers them all."""

from marketplace.models.access_request import AccessRequest, AccessRequestEvent
from marketplace.models.api_client import ApiClient, ApiClientAssertion, ApiClientToken
from marketplace.models.dataset import Dataset, DatasetKeyword, DatasetSlug, DatasetTheme, Distribution
from marketplace.models.feedback import Feedback
from marketplace.models.harvest import HarvestedEntry, HarvestProblem, HarvestRun, HarvestSource
from marketplace.models.idempotency import IdempotencyKey
from marketplace.models.mail import MailMessage
from marketplace.models.organisation import Organisation, OrganisationEmailDomain
from marketplace.models.outbox import OutboxEntry
from marketplace.models.prune_horizon import PruneHorizon
from marketplace.models.quality import LinkCheck, QualityRating
from marketplace.models.revision import Revision
from marketplace.models.saved_search import SavedSearch
from marketplace.models.search_log import SearchClick, SearchLog
from marketplace.models.session import SeenLogoutToken, UserSession
from marketplace.models.user import ORGANISATION_ROLES, ApiToken, Membership, RoleChange, User

__all__ = [
    "ORGANISATION_ROLES",
    "AccessRequest",
    "AccessRequestEvent",
    "ApiClient",
    "ApiClientAssertion",
    "ApiClientToken",
    "ApiToken",
    "Dataset",
    "DatasetKeyword",
    "DatasetSlug",
    "DatasetTheme",
    "Distribution",
    "Feedback",
    "HarvestProblem",
    "HarvestRun",
    "HarvestSource",
    "HarvestedEntry",
    "IdempotencyKey",
    "LinkCheck",
    "MailMessage",
    "Membership",
    "Organisation",
    "OrganisationEmailDomain",
    "OutboxEntry",
    "PruneHorizon",
    "QualityRating",
    "Revision",
    "RoleChange",
    "SavedSearch",
    "SearchClick",
    "SearchLog",
    "SeenLogoutToken",
    "User",
    "UserSession",
]
