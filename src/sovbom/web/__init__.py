"""The fleet dashboard (``sovbom serve``): a read-only web interface over the fleet database.

:mod:`.queries` reads the database a page at a time, :mod:`.views` says what each page and JSON
endpoint shows, :mod:`.app` is the ASGI application (Starlette, Jinja2 templates shared with the
HTML reports) and :mod:`.server` runs it (uvicorn). Starlette and uvicorn are the ``web`` extra.
"""
