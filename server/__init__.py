"""Tandem: the server side of the desk (settings, database, actions, routes)."""
