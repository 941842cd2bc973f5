"""Listening: what the public says about the brand, read through the networks' search APIs."""
