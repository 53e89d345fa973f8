"""Platform API connectors: one module per API, each exposing SPEC (a ConnectorSpec).

The shared sync service (metrics.connectors.sync) runs any of them the same way.
"""

from __future__ import annotations

import importlib

from metrics.connectors.base import ConnectorSpec

MODULES = ("mastodon", "bluesky", "x", "youtube", "meta")


def specs() -> dict[str, ConnectorSpec]:
    """Every connector, by kind."""
    found: dict[str, ConnectorSpec] = {}
    for name in MODULES:
        spec: ConnectorSpec = importlib.import_module(f"metrics.connectors.{name}").SPEC
        found[spec.key] = spec
    return found


def get(kind: str) -> ConnectorSpec:
    try:
        return specs()[kind]
    except KeyError:
        raise KeyError(f"Unknown connector kind {kind!r}; known: {', '.join(MODULES)}.") from None
