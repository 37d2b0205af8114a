"""Reading other catalogues (CKAN's Action API, DCAT pages, a `ckanapi dump` file) into records
that the harvesting service (services/harvesting.py) brings in through the usual services."""
