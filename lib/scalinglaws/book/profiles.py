"""Problem-size profiles of the notebooks.

Each notebook's ``parameters`` cell holds ``profile = None`` (plus any overrides);
the notebook then calls :func:`resolve` with its own table of sizes::

    P = resolve(profile, {
        "fast":    dict(M=500,  n_seeds=2),    # tests: seconds
        "default": dict(M=2000, n_seeds=8),    # the website
        "full":    dict(M=20000, n_seeds=32),  # paper scale, bigger machine
    }, overrides=dict(M=M))                   # optional: papermill -p M 4000

``profile = None`` means ``$SCALINGLAWS_PROFILE`` if set, else ``"default"``; this is
how CI builds the whole book in the ``fast`` profile without editing notebooks.
"""
from __future__ import annotations

import os
from types import SimpleNamespace

PROFILES = ("fast", "default", "full")
ENV_VAR = "SCALINGLAWS_PROFILE"

__all__ = ["PROFILES", "ENV_VAR", "resolve", "active_profile"]


def active_profile(profile: str | None = None) -> str:
    """The profile name to use: ``profile``, else ``$SCALINGLAWS_PROFILE``, else ``"default"``."""
    name = profile if profile is not None else os.environ.get(ENV_VAR, "default")
    if name not in PROFILES:
        src = "`profile`" if profile is not None else f"${ENV_VAR}"
        raise ValueError(f"{src} = {name!r} is not a profile; allowed: {', '.join(PROFILES)}")
    return name


def resolve(profile: str | None, table: dict, overrides: dict | None = None) -> SimpleNamespace:
    """Sizes for the active profile as a namespace (``P.name`` is the profile's name).

    ``table`` must define every profile with the same keys; ``overrides`` replaces
    values whose override is not ``None`` (keys must exist in the table).
    """
    name = active_profile(profile)
    if not isinstance(table, dict) or not all(isinstance(table.get(p), dict) for p in PROFILES if p in table):
        raise ValueError("`table` must be a dict {profile name: {parameter: value}}")
    missing = [p for p in PROFILES if p not in table]
    if missing:
        raise ValueError(f"the profile `table` lacks {missing}; it must define {', '.join(PROFILES)}")
    keys = set(table["default"])
    for p in PROFILES:
        if set(table[p]) != keys:
            raise ValueError(f"profile {p!r} of `table` has keys {sorted(table[p])}, expected {sorted(keys)}")
    if overrides is not None and not isinstance(overrides, dict):
        raise ValueError(f"`overrides` must be None or a dict, got {type(overrides).__name__}")
    values = dict(table[name])
    for k, v in (overrides or {}).items():
        if k not in keys:
            raise ValueError(f"`overrides` key {k!r} is not a profile parameter; known: {', '.join(sorted(keys))}")
        if v is not None:
            values[k] = v
    if "name" in values:
        raise ValueError("'name' is reserved for the profile's name (in `table`)")
    return SimpleNamespace(name=name, **values)
