"""Our model as DCAT-AP 3.0.1 RDF: the one mapping, read back by marketplace/harvest/dcat.py.

Terms follow DCAT-AP 3.0.1 and REFERENCE §E. Every node that the official range shapes check
(publisher, contact point, licence, access rights, frequency, theme, format, media type,
location, period) is typed in the same graph, because range.ttl tests `sh:class` against the
data graph alone.

Where the EU vocabularies have a term we use it (access rights, frequencies, file types); where
the UK model has a value they lack, it goes under our own namespace, `MARKETPLACE` below:

- `dm:securityClassification` — the entry's security classification, a literal from
  vocabularies.LISTED_SECURITY_CLASSIFICATIONS (OFFICIAL, OFFICIAL_SENSITIVE, NOT_APPLICABLE).
- `dm:serviceType`, `dm:serviceStatus` — a data service's kind of API (REST, SOAP…) and its
  stage (DISCOVERY … LIVE, DEPRECATED), literals from vocabularies.SERVICE_TYPES / SERVICE_STATUSES.
- `dm:format/<NAME>` — a file format the EU file-type table lacks.
- `dm:accessRights/COMMERCIAL` — the one access right with no EU equivalent.
- `dm:licence/DATA_SHARE_AGREEMENT` — the licence that is an agreement, not a document with a URI.

The namespace is a name of ours, not yet an address that answers: the service's own domain
is to be confirmed, and changing it then changes only `MARKETPLACE` (the reader in
harvest/dcat.py matches these terms by their last part).

Our themes are published as a concept scheme at `<base>/catalog/themes` (views.py serves it).
URIs of entries end in their slug (`<base>/datasets/<slug>`), the address of their page, so a
harvester takes the slug from the last segment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from marketplace.dcat.paging import PER_PAGE
from marketplace.models import Dataset, Distribution, HarvestedEntry, Organisation
from marketplace.vocabularies import THEMES, find_licence
from marketplace.vocabularies.formats import find_format

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
MARKETPLACE = Namespace("https://data-marketplace.gov.uk/ns/dcat#")
EU_ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3's, not in rdflib's DCAT 2 namespace

# Ours to the EU access-right table; COMMERCIAL has no EU term (RESTRICTED would lose the word
# "commercial" on the way back), so it stays ours.
EU_ACCESS_RIGHTS = {"OPEN": "PUBLIC", "INTERNAL": "NON_PUBLIC", "RESTRICTED": "RESTRICTED"}
# Dublin Core frequencies (our values) to the EU frequency table.
EU_FREQUENCIES = {
    "triennial": "TRIENNIAL",
    "biennial": "BIENNIAL",
    "annual": "ANNUAL",
    "semiannual": "ANNUAL_2",
    "threeTimesAYear": "ANNUAL_3",
    "quarterly": "QUARTERLY",
    "bimonthly": "BIMONTHLY",
    "monthly": "MONTHLY",
    "semimonthly": "MONTHLY_2",
    "biweekly": "BIWEEKLY",
    "threeTimesAMonth": "MONTHLY_3",
    "weekly": "WEEKLY",
    "semiweekly": "WEEKLY_2",
    "threeTimesAWeek": "WEEKLY_3",
    "daily": "DAILY",
    "continuous": "CONT",
    "irregular": "IRREG",
}
# Our organisation types in the ADMS publisher-type vocabulary DCAT-AP recommends; "other" has
# no fitting term and is left untyped rather than guessed.
PUBLISHER_TYPES = {
    "ministerial_department": ("NationalAuthority", "National authority"),
    "non_ministerial_department": ("NationalAuthority", "National authority"),
    "executive_agency": ("NationalAuthority", "National authority"),
    "executive_ndpb": ("NationalAuthority", "National authority"),
    "public_corporation": ("Company", "Company"),
}
CATALOGUE_TITLE = "Data Marketplace"
CATALOGUE_DESCRIPTION = (
    "The UK government's catalogue of data shared within government and openly: "
    "datasets and data services from departments and public bodies."
)
CATALOGUE_PUBLISHER = "Central Digital and Data Office"


@dataclass(frozen=True)
class Addresses:
    """Where things live on this site; every URI in the graph is made here."""

    base: str

    def catalogue(self) -> URIRef:
        return URIRef(f"{self.base}/catalog")

    def entry(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}/datasets/{slug}")

    def organisation(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}/organisations/{slug}")

    def theme_scheme(self) -> URIRef:
        return URIRef(f"{self.base}/catalog/themes")

    def theme(self, value: str) -> URIRef:
        return URIRef(f"{self.base}/catalog/themes/{value}")


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in {
        "dcat": DCAT,
        "dct": DCTERMS,
        "foaf": FOAF,
        "vcard": VCARD,
        "skos": SKOS,
        "hydra": HYDRA,
        "adms": ADMS,
        "dm": MARKETPLACE,
    }.items():
        graph.bind(prefix, namespace)
    return graph


def catalogue_graph(
    at: Addresses,
    entries: list[Dataset],
    served: Mapping[str, Iterable[Dataset]],
    modified: datetime | None,
    *,
    services: Mapping[str, Dataset] | None = None,
) -> Graph:
    """A page of the catalogue: the dcat:Catalog and each of `entries` (with the datasets each
    data service among them serves, from `served` by slug, and the data services that give their
    distributions' data, from `services` by id)."""
    graph = new_graph()
    add_catalogue(graph, at, entries, modified)
    for dataset in entries:
        add_entry(graph, at, dataset, served.get(dataset.slug, ()), services=services)
    return graph


def add_paging(graph: Graph, page_url: Callable[[int], URIRef], page: int, last: int, total: int) -> None:
    """The page as a hydra:PagedCollection with its totals and links; `page_url` makes the
    address of a page by number."""
    collection = page_url(page)
    graph.add((collection, RDF.type, HYDRA.PagedCollection))
    graph.add((collection, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    graph.add((collection, HYDRA.itemsPerPage, Literal(PER_PAGE, datatype=XSD.integer)))
    graph.add((collection, HYDRA.first, page_url(1)))
    graph.add((collection, HYDRA.last, page_url(last)))
    if page < last:
        graph.add((collection, HYDRA.next, page_url(page + 1)))
    if page > 1:
        graph.add((collection, HYDRA.previous, page_url(page - 1)))


def add_catalogue(
    graph: Graph, at: Addresses, entries: Iterable[Dataset], modified: datetime | None = None
) -> URIRef:
    """The dcat:Catalog naming `entries` as its datasets and services, with its theme scheme;
    `modified` is when its latest entry changed (the same on every page, so pages merge)."""
    catalogue = at.catalogue()
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    graph.add((catalogue, DCTERMS.title, Literal(CATALOGUE_TITLE, lang="en")))
    graph.add((catalogue, DCTERMS.description, Literal(CATALOGUE_DESCRIPTION, lang="en")))
    publisher = URIRef(f"{at.base}/#publisher")
    _agent(graph, publisher, CATALOGUE_PUBLISHER)
    graph.add((catalogue, DCTERMS.publisher, publisher))
    homepage = URIRef(f"{at.base}/")
    graph.add((homepage, RDF.type, FOAF.Document))
    graph.add((catalogue, FOAF.homepage, homepage))
    graph.add((catalogue, DCAT.themeTaxonomy, add_theme_scheme(graph, at)))
    english = EU_LANGUAGE.ENG
    graph.add((english, RDF.type, DCTERMS.LinguisticSystem))
    graph.add((catalogue, DCTERMS.language, english))
    if modified is not None:
        graph.add((catalogue, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.dateTime)))
    for dataset in entries:
        term = DCAT.service if dataset.type == "data_service" else DCAT.dataset
        graph.add((catalogue, term, at.entry(dataset.slug)))
    return catalogue


def add_theme_scheme(graph: Graph, at: Addresses) -> URIRef:
    """Our 13 themes as a skos:ConceptScheme: the scheme every dcat:theme of ours is in."""
    scheme = at.theme_scheme()
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal("Data Marketplace themes", lang="en")))
    for value in THEMES:
        _theme(graph, at, value)
    return scheme


def add_entry(
    graph: Graph,
    at: Addresses,
    dataset: Dataset,
    served: Iterable[Dataset] = (),
    *,
    services: Mapping[str, Dataset] | None = None,
) -> URIRef:
    """One entry as a dcat:Dataset or dcat:DataService; `served` are the datasets a data service
    serves that the viewer may see, `services` (by id) the data services giving its distributions'
    data that the viewer may see (each is added too, so its type is in the graph)."""
    node = at.entry(dataset.slug)
    is_service = dataset.type == "data_service"
    graph.add((node, RDF.type, DCAT.DataService if is_service else DCAT.Dataset))
    graph.add((node, DCTERMS.title, Literal(dataset.title, lang="en")))
    # DCAT-AP requires a description of a dataset; the summary stands in for a draft's missing one.
    description = dataset.description or dataset.summary or dataset.title
    graph.add((node, DCTERMS.description, Literal(description, lang="en")))
    if dataset.identifier:
        graph.add((node, DCTERMS.identifier, Literal(dataset.identifier)))
    if dataset.harvested is not None:
        _harvested_from(graph, node, dataset.harvested)
    # No dcat:landingPage: the entry's URI is its page's address already, and naming it again
    # would type the dataset itself as a foaf:Document.
    _dates(graph, node, dataset)
    for keyword in dataset.keywords:
        graph.add((node, DCAT.keyword, Literal(keyword.keyword, lang="en")))
    for theme in dataset.themes:
        graph.add((node, DCAT.theme, _theme(graph, at, theme.theme)))
    graph.add((node, DCTERMS.publisher, _organisation(graph, at, dataset.organisation)))
    for name in dataset.creators:
        creator = BNode()
        graph.add((creator, RDF.type, FOAF.Agent))
        graph.add((creator, FOAF.name, Literal(name)))
        graph.add((node, DCTERMS.creator, creator))
    if dataset.contact_name or dataset.contact_email:
        graph.add((node, DCAT.contactPoint, _contact(graph, dataset)))
    if dataset.licence:
        graph.add((node, DCTERMS.license, _licence(graph, dataset.licence)))
    if dataset.access_rights:
        graph.add((node, DCTERMS.accessRights, _access_rights(graph, dataset.access_rights)))
    if dataset.security_classification:
        graph.add((node, MARKETPLACE.securityClassification, Literal(dataset.security_classification)))
    # A data service's data changes on a schedule too; DCAT-AP does not forbid saying so.
    if dataset.update_frequency in EU_FREQUENCIES:
        frequency = EU_FREQUENCY[EU_FREQUENCIES[dataset.update_frequency]]
        graph.add((frequency, RDF.type, DCTERMS.Frequency))
        graph.add((node, DCTERMS.accrualPeriodicity, frequency))
    if is_service:
        _service(graph, at, node, dataset, served)
    else:
        _dataset_only(graph, at, node, dataset, services or {})
    return node


def _harvested_from(graph: Graph, node: URIRef, harvested: HarvestedEntry) -> None:
    """Where a harvested entry came from: its identifier there as an adms:Identifier, and a
    dct:provenance statement naming the catalogue. (Not dct:source: DCAT-AP ranges it over
    dcat:Dataset, which would put the source's record in this catalogue as a second dataset,
    one that any harvester of ours would bring in twice.)"""
    identifier = BNode()
    graph.add((identifier, RDF.type, ADMS.Identifier))
    graph.add((identifier, SKOS.notation, Literal(harvested.source_identifier)))
    graph.add((node, ADMS.identifier, identifier))
    source = harvested.source
    where = "a CKAN export file" if source.type == "ckan-dump" else source.url
    provenance = BNode()
    graph.add((provenance, RDF.type, DCTERMS.ProvenanceStatement))
    graph.add((provenance, RDFS.label, Literal(f"Harvested from {where}", lang="en")))
    graph.add((node, DCTERMS.provenance, provenance))


def _dataset_only(
    graph: Graph, at: Addresses, node: URIRef, dataset: Dataset, services: Mapping[str, Dataset]
) -> None:
    if dataset.version:
        graph.add((node, DCAT_VERSION, Literal(dataset.version)))
    if dataset.spatial_coverage:
        location = BNode()
        graph.add((location, RDF.type, DCTERMS.Location))
        graph.add((location, SKOS.prefLabel, Literal(dataset.spatial_coverage, lang="en")))
        graph.add((node, DCTERMS.spatial, location))
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, Literal(dataset.temporal_start, datatype=XSD.date)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, Literal(dataset.temporal_end, datatype=XSD.date)))
        graph.add((node, DCTERMS.temporal, period))
    for distribution in dataset.distributions:
        described = _distribution(graph, node, dataset, distribution)
        graph.add((node, DCAT.distribution, described))
        # dcat:accessService: the data services that give this distribution's data.
        for service_id in distribution.access_services or []:
            if service_id in services:
                graph.add((described, DCAT.accessService, add_entry(graph, at, services[service_id])))


def _service(graph: Graph, at: Addresses, node: URIRef, dataset: Dataset, served: Iterable[Dataset]) -> None:
    if dataset.endpoint_url:
        graph.add((node, DCAT.endpointURL, URIRef(dataset.endpoint_url)))
    if dataset.endpoint_description:
        graph.add((node, DCAT.endpointDescription, URIRef(dataset.endpoint_description)))
    if dataset.service_type:
        graph.add((node, MARKETPLACE.serviceType, Literal(dataset.service_type)))
    if dataset.service_status:
        graph.add((node, MARKETPLACE.serviceStatus, Literal(dataset.service_status)))
    for served_dataset in served:
        graph.add((node, DCAT.servesDataset, add_entry(graph, at, served_dataset)))


def _dates(graph: Graph, node: URIRef, dataset: Dataset | Distribution) -> None:
    if dataset.issued:
        graph.add((node, DCTERMS.issued, Literal(dataset.issued, datatype=XSD.date)))
    if dataset.modified:
        graph.add((node, DCTERMS.modified, Literal(dataset.modified, datatype=XSD.date)))


def _distribution(graph: Graph, entry: URIRef, dataset: Dataset, distribution: Distribution) -> URIRef:
    node = URIRef(f"{entry}#distribution-{distribution.id}")
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(distribution.title, lang="en")))
    if distribution.description:
        graph.add((node, DCTERMS.description, Literal(distribution.description, lang="en")))
    # DCAT-AP requires an access URL; for a direct download it is the download URL itself.
    access_url = distribution.access_url or distribution.download_url
    if access_url:
        graph.add((node, DCAT.accessURL, URIRef(access_url)))
    if distribution.download_url:
        graph.add((node, DCAT.downloadURL, URIRef(distribution.download_url)))
    found = find_format(distribution.format, distribution.media_type)
    if found is not None:
        file_type = EU_FILE_TYPE[found.eu_code]
        graph.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
        graph.add((node, DCTERMS["format"], file_type))
    elif distribution.format:
        # A format outside the EU table still needs a typed node (range.ttl); ours ends in its name.
        extent = MARKETPLACE[f"format/{quote(distribution.format, safe='')}"]
        graph.add((extent, RDF.type, DCTERMS.MediaTypeOrExtent))
        graph.add((extent, RDFS.label, Literal(distribution.format)))
        graph.add((node, DCTERMS["format"], extent))
    if distribution.media_type:
        media_type = URIRef(IANA_MEDIA_TYPES + distribution.media_type)
        graph.add((media_type, RDF.type, DCTERMS.MediaType))
        graph.add((node, DCAT.mediaType, media_type))
    if distribution.byte_size is not None:
        graph.add((node, DCAT.byteSize, Literal(distribution.byte_size, datatype=XSD.nonNegativeInteger)))
    licence = distribution.licence or dataset.licence
    if licence:
        graph.add((node, DCTERMS.license, _licence(graph, licence)))
    _dates(graph, node, distribution)
    return node


def _agent(graph: Graph, node: URIRef, name: str) -> URIRef:
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, RDF.type, FOAF.Organization))
    graph.add((node, FOAF.name, Literal(name, lang="en")))
    return node


def _organisation(graph: Graph, at: Addresses, organisation: Organisation) -> URIRef:
    node = _agent(graph, at.organisation(organisation.slug), organisation.title)
    if organisation.abbreviation:
        graph.add((node, SKOS.altLabel, Literal(organisation.abbreviation, lang="en")))
    if organisation.organisation_type in PUBLISHER_TYPES:
        code, label = PUBLISHER_TYPES[organisation.organisation_type]
        kind = PUBLISHER_TYPE[code]
        graph.add((kind, RDF.type, SKOS.Concept))
        graph.add((kind, SKOS.prefLabel, Literal(label, lang="en")))
        graph.add((node, DCTERMS.type, kind))
    return node


def _contact(graph: Graph, dataset: Dataset) -> BNode:
    contact = BNode()
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(dataset.contact_name or dataset.organisation.title)))
    if dataset.contact_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
    return contact


def _theme(graph: Graph, at: Addresses, value: str) -> URIRef:
    concept = at.theme(value)
    graph.add((concept, RDF.type, SKOS.Concept))
    graph.add((concept, SKOS.prefLabel, Literal(THEMES.get(value, value), lang="en")))
    graph.add((concept, SKOS.inScheme, at.theme_scheme()))
    return concept


def _licence(graph: Graph, value: str) -> URIRef:
    found = find_licence(value)
    if found is None or not found.uri.startswith(("http://", "https://")):
        node = MARKETPLACE[f"licence/{found.id if found else value}"]
    else:
        node = URIRef(found.uri)
    graph.add((node, RDF.type, DCTERMS.LicenseDocument))
    if found is not None:
        graph.add((node, RDFS.label, Literal(found.title, lang="en")))
    return node


def _access_rights(graph: Graph, value: str) -> URIRef:
    node = (
        EU_ACCESS_RIGHT[EU_ACCESS_RIGHTS[value]]
        if value in EU_ACCESS_RIGHTS
        else MARKETPLACE[f"accessRights/{value}"]
    )
    graph.add((node, RDF.type, DCTERMS.RightsStatement))
    return node
