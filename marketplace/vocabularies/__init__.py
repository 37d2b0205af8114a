"""Controlled vocabularies of the UK metadata model.

Sources: the UK Cross-Government Metadata Exchange Model (co-cddo/ukgov-metadata-exchange-model)
and the Data Marketplace DCAT-UK application profile (co-cddo/data-catalogue-metadata).
Values are what the API takes and returns; labels are what people read.
"""

from marketplace.vocabularies.licences import LICENCES, Licence, find_licence
from marketplace.vocabularies.media_types import MEDIA_TYPES

__all__ = [
    "ACCESS_RIGHTS",
    "ACCESS_RIGHTS_EXPLAINED",
    "DATASET_STATUSES",
    "ENTRY_TYPES",
    "LICENCES",
    "LISTED_SECURITY_CLASSIFICATIONS",
    "MEDIA_TYPES",
    "ORGANISATION_TYPES",
    "QUALITY_DIMENSIONS",
    "REFUSED_SECURITY_CLASSIFICATIONS",
    "SERVICE_KINDS",
    "SERVICE_STATUSES",
    "SERVICE_TYPES",
    "THEMES",
    "UPDATE_FREQUENCIES",
    "Licence",
    "find_licence",
]

# The 13 Data Marketplace themes: value -> label.
THEMES: dict[str, str] = {
    "agriculture-fisheries-and-forestry": "Agriculture, fisheries and forestry",
    "business-economics-and-finance": "Business, economics and finance",
    "crime-and-justice": "Crime and justice",
    "culture-leisure-and-sport": "Culture, leisure and sport",
    "education": "Education",
    "energy": "Energy",
    "environment-and-nature": "Environment and nature",
    "geography": "Geography",
    "government-and-public-sector": "Government and public sector",
    "health-and-care": "Health and care",
    "population-and-society": "Population and society",
    "science-and-technology": "Science and technology",
    "transport-and-infrastructure": "Transport and infrastructure",
}

# Dublin Core collection frequencies (http://purl.org/cld/freq/), with the nominal period in days
# that freshness will be judged against (None: no fixed period).
UPDATE_FREQUENCIES: dict[str, tuple[str, float | None]] = {
    "triennial": ("Every three years", 3 * 365.25),
    "biennial": ("Every two years", 2 * 365.25),
    "annual": ("Annually", 365.25),
    "semiannual": ("Twice a year", 365.25 / 2),
    "threeTimesAYear": ("Three times a year", 365.25 / 3),
    "quarterly": ("Quarterly", 365.25 / 4),
    "bimonthly": ("Every two months", 365.25 / 6),
    "monthly": ("Monthly", 365.25 / 12),
    "semimonthly": ("Twice a month", 365.25 / 24),
    "biweekly": ("Every two weeks", 14),
    "threeTimesAMonth": ("Three times a month", 365.25 / 36),
    "weekly": ("Weekly", 7),
    "semiweekly": ("Twice a week", 3.5),
    "threeTimesAWeek": ("Three times a week", 7 / 3),
    "daily": ("Daily", 1),
    "continuous": ("Continuously updated", None),
    "irregular": ("Irregularly", None),
}

ACCESS_RIGHTS: dict[str, str] = {
    "OPEN": "Open",
    "INTERNAL": "Internal to government",
    "COMMERCIAL": "Commercial",
    "RESTRICTED": "Restricted",
}

# What each access right means for someone who wants the data, in plain words (entry pages).
ACCESS_RIGHTS_EXPLAINED: dict[str, str] = {
    "OPEN": "This is open data: anyone can use it under its licence.",
    "INTERNAL": "This data is shared within government. Civil servants can ask the publisher for it.",
    "COMMERCIAL": (
        "This data is available under a commercial agreement with the publisher, which may charge for it."
    ),
    "RESTRICTED": (
        "This data is restricted: the publisher shares it only with people or organisations it "
        "agrees to, for a stated purpose."
    ),
}

# What the Data Marketplace may list; SECRET and TOP_SECRET are refused by name.
LISTED_SECURITY_CLASSIFICATIONS: dict[str, str] = {
    "OFFICIAL": "Official",
    "OFFICIAL_SENSITIVE": "Official-Sensitive",
    "NOT_APPLICABLE": "Not applicable",
}
REFUSED_SECURITY_CLASSIFICATIONS = frozenset({"SECRET", "TOP_SECRET"})

ENTRY_TYPES: dict[str, str] = {"dataset": "Dataset", "data_service": "Data service"}
DATASET_STATUSES: dict[str, str] = {"draft": "Draft", "published": "Published", "withdrawn": "Withdrawn"}

SERVICE_TYPES: dict[str, str] = {
    "REST": "REST",
    "SOAP": "SOAP",
    "EVENT": "Event",
    "GRAPHQL": "GraphQL",
    "RPC": "RPC",
}
# What a data service is for (DCAT-UK's `serviceType`), beside its API style above (`apiType`).
SERVICE_KINDS: dict[str, str] = {
    "BULK": "Bulk",
    "TRANSACTIONAL": "Transactional",
    "INFORMATION": "Information",
}
SERVICE_STATUSES: dict[str, str] = {
    "DISCOVERY": "Discovery",
    "ALPHA": "Alpha",
    "BETA": "Beta",
    "PRIVATE_BETA": "Private beta",
    "PUBLIC_BETA": "Public beta",
    "LIVE": "Live",
    "DEPRECATED": "Deprecated",
    "WITHDRAWN": "Withdrawn",
}

ORGANISATION_TYPES: dict[str, str] = {
    "ministerial_department": "Ministerial department",
    "non_ministerial_department": "Non-ministerial department",
    "executive_agency": "Executive agency",
    "executive_ndpb": "Executive non-departmental public body",
    "public_corporation": "Public corporation",
    "other": "Other",
}

# Government Data Quality Framework dimensions.
QUALITY_DIMENSIONS: dict[str, str] = {
    "completeness": "Completeness",
    "uniqueness": "Uniqueness",
    "consistency": "Consistency",
    "timeliness": "Timeliness",
    "validity": "Validity",
    "accuracy": "Accuracy",
}
