"""Development server: ``python -m app`` (use ``make run`` for gunicorn)."""

import os

from app.factory import create_app

create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "8050")), debug=False)
