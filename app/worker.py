"""The Celery app of a Redis deployment, for ``celery -A app.worker:celery worker`` (the
Procfile's ``worker:`` line): it builds the same Dash app as the web processes, so the
background callbacks it runs are the ones the pages registered, on the same settings
and dataset."""

from app.wsgi import app as dash_app

celery = dash_app._background_manager.handle  # CeleryManager keeps its Celery app as ``handle``
