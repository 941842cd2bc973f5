"""The pages: Jinja2 templates, static files, page routes and htmx fragments."""
