"""The WSGI entry point for production servers: ``gunicorn -c python:pledge.gunicorn_config pledge.wsgi:app``.

Each server process builds its own app (and so its own database engine) when it imports this
module: do not preload it in a parent process that then forks (docs/deploy.md).
"""

from pledge import create_app

app = create_app()
