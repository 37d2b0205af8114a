"""The WSGI entry point: ``gunicorn 'wsgi:app'``. The only module that builds an app at import."""

from marketplace import create_app

app = create_app()
