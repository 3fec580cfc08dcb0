"""The collection's pages (issue 12 §5): web/collection/pages.py."""
