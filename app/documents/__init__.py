"""Printable customer documents (invoice and receipt PDFs), rendered synchronously from plain dataclasses."""
