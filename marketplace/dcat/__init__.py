"""The catalogue as DCAT-AP 3 (Turtle, JSON-LD and RDF/XML), built with rdflib.

graph.py maps our model to RDF, paging.py chooses what a page holds, views.py serves it.
"""

from marketplace.dcat.views import bp

__all__ = ["bp"]
