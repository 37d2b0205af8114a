"""The catalogue as DCAT-AP 3 (Turtle, JSON-LD and RDF/XML), built with rdflib."""

from flask import Blueprint

bp = Blueprint("dcat", __name__)
