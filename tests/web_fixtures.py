"""Fixtures for web tests (users, clients, a live server); filled in by the web work."""
