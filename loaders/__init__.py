"""Per-request DataLoaders: one per relation, each batch read through its own short session, and
scoped to the caller so another customer's rows read as missing."""

from loaders.registry import Loaders

__all__ = ["Loaders"]
