"""Issued PDF documents: rendering, archive, download within scope, public verification."""
