"""Persistence of accounts (SQLAlchemy): SQLite by default, PostgreSQL for the platform."""
