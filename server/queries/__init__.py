"""Reads: what the board, the pages and the API show, apart from the writes in actions/."""
