"""Browser tests: a real Chromium against a real desk."""
