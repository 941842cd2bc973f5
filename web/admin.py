"""Admin pages (users, roles, invitations)."""

routes: list = []
