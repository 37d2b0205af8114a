"""The catalogue's domain rules: who may do what, how an entry's metadata quality is scored and
its freshness judged, and the questions and states of a data share request.

They sit below schemas, queries, search and services, which all use them, so every import runs
downward: a module here imports only models, vocabularies and other rules, never a service.
"""
