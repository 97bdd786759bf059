"""Watch rules: what to watch, when to fire, where to deliver — and the TOML file they live in.

A rule matches any combination of (every given field must match; within a field, any value):

    aircraft      ICAO addresses ("7277cf") and/or registrations ("P-671"); ``aircraft_file``
                  names a list file (one hex or registration a line, # comments)
    operator      ICAO airline designators ("KOR"), exact
    type          ICAO type designators ("A148")
    callsign      patterns with * and ? ("KOR15*")
    route_from / route_to / airport   airport codes (ICAO or IATA) of the flight
    area          "country:RU", "fir:UHHH", "area:<imported name>", "circle:LAT,LON,KM",
                  "polygon:<GeoJSON file>" (the polygon is read when the rule is loaded)
    squawk        codes ("7700")
    military / interesting   flags from the aircraft database

and fires on the kinds in ``on``: first-seen, takeoff, landing, area-entry, area-exit,
emergency, callsign-change, squawk (a listed squawk is set), lost-contact (nothing heard for
``lost_minutes``). Deliveries: ``webhook`` (with an optional HMAC ``secret``), ``email``, and
``jsonl`` (a file of one JSON alert a line); every alert is also logged and pushed live.

The file is ``<data dir>/watch.toml``, one ``[[rule]]`` table per rule:

    [[rule]]
    name = "koryo"
    operator = ["KOR"]
    on = ["takeoff", "landing", "area-entry"]
    webhook = "http://127.0.0.1:9000/hook"

``RuleBook`` re-reads the file when it changes; a broken file is reported with its line and
the rules in force stay in force. Values are immutable once loaded; ``RuleBook`` is
thread-safe.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import re
import threading
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

from skytrace.errors import WatchRuleError
from skytrace.fileio import write_text_atomic

__all__ = [
    "RULES_FILE",
    "TRIGGERS",
    "AreaSpec",
    "RuleBook",
    "WatchRule",
    "load_rules",
    "parse_rules",
    "rules_toml",
]

RULES_FILE: Final = "watch.toml"
TRIGGERS: Final = (
    "first-seen",
    "takeoff",
    "landing",
    "area-entry",
    "area-exit",
    "emergency",
    "callsign-change",
    "squawk",
    "lost-contact",
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_HEX = re.compile(r"^(~)?[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[A-Z0-9]{2,4}$")
_SQUAWK = re.compile(r"^[0-7]{4}$")
_LIST_FIELDS: Final = (
    "aircraft", "operator", "type", "callsign", "route_from", "route_to", "airport", "area",
    "squawk", "on",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AreaSpec:
    """One area of a rule. ``kind`` country / fir / area (matched on the pipeline's area
    events by ``key``), or circle / polygon (a geometry the alert engine checks positions
    against; ``geometry`` is a shapely geometry, ``key`` what events of it are called)."""

    kind: str
    key: str  # "country:RU", "circle:43.40,132.15,50"
    geometry: Any = None

    @classmethod
    def parse(cls, text: str, base: Path | None = None) -> AreaSpec:
        kind, _, arg = text.strip().partition(":")
        kind = kind.lower()
        if kind in ("country", "fir", "area") and arg.strip():
            value = arg.strip().upper() if kind != "area" else arg.strip()
            return cls(kind, f"{kind}:{value}")
        if kind == "circle":
            return cls._circle(text, arg)
        if kind == "polygon":
            return cls._polygon(text, arg, base)
        raise WatchRuleError(
            f"area {text!r}: expected country:CC, fir:CODE, area:NAME, circle:LAT,LON,KM "
            "or polygon:FILE.geojson"
        )

    @classmethod
    def _circle(cls, text: str, arg: str) -> AreaSpec:
        import shapely

        try:
            lat, lon, radius_km = (float(x) for x in arg.split(","))
        except ValueError:
            raise WatchRuleError(f"area {text!r}: circle:LAT,LON,KM with three numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius_km <= 2000):
            raise WatchRuleError(f"area {text!r}: latitude, longitude or radius out of range")
        # a polygon in degrees: the radius in latitude degrees, stretched in longitude
        ring = []
        for k in range(64):
            a = 2 * math.pi * k / 64
            dlat = radius_km / 111.195 * math.cos(a)
            dlon = radius_km / (111.195 * max(math.cos(math.radians(lat)), 0.01)) * math.sin(a)
            ring.append((lon + dlon, lat + dlat))
        key = f"circle:{lat:g},{lon:g},{radius_km:g}"
        return cls("circle", key, shapely.Polygon(ring))

    @classmethod
    def _polygon(cls, text: str, arg: str, base: Path | None) -> AreaSpec:
        import shapely
        import shapely.geometry

        path = Path(arg.strip())
        if not path.is_absolute() and base is not None:
            path = base / path
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise WatchRuleError(f"area {text!r}: cannot read {path} ({exc})") from None
        geoms = []
        features = doc.get("features", [doc]) if isinstance(doc, dict) else []
        for feat in features:
            geom = feat.get("geometry", feat) if isinstance(feat, dict) else None
            if isinstance(geom, dict) and geom.get("type") in ("Polygon", "MultiPolygon"):
                try:
                    geoms.append(shapely.geometry.shape(geom))
                except (ValueError, TypeError, AttributeError) as exc:
                    raise WatchRuleError(f"area {text!r}: bad polygon in {path}: {exc}") from None
        if not geoms:
            raise WatchRuleError(f"area {text!r}: no Polygon or MultiPolygon in {path}")
        return cls("polygon", f"polygon:{path.name}", shapely.unary_union(geoms))


@dataclass(frozen=True, slots=True)
class WatchRule:
    """One watch rule (see the module docstring). Empty fields match anything."""

    name: str
    on: tuple[str, ...] = ("takeoff", "landing")
    aircraft: tuple[str, ...] = ()
    aircraft_file: str = ""
    operator: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    callsign: tuple[str, ...] = ()
    route_from: tuple[str, ...] = ()
    route_to: tuple[str, ...] = ()
    airport: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    squawk: tuple[str, ...] = ()
    military: bool = False
    interesting: bool = False
    lost_minutes: float = 10.0
    webhook: str = ""
    secret: str = ""
    email: str = ""
    jsonl: str = ""
    enabled: bool = True
    # derived when the rule is built (not written to the file)
    hexes: frozenset[int] = field(default=frozenset(), compare=False)
    registrations: frozenset[str] = field(default=frozenset(), compare=False)
    areas: tuple[AreaSpec, ...] = field(default=(), compare=False)

    @classmethod
    def build(cls, values: Mapping[str, Any], base: Path | None = None) -> WatchRule:
        """A checked rule from plain values (a TOML table, CLI options); raises
        WatchRuleError naming the field."""
        known = {f.name for f in fields(cls)} - {"hexes", "registrations", "areas"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise WatchRuleError(f"unknown field(s) {', '.join(unknown)}")
        kw: dict[str, Any] = {}
        for name, value in values.items():
            if name in _LIST_FIELDS:
                items = [value] if isinstance(value, str) else value
                if not isinstance(items, list | tuple) or not all(
                    isinstance(v, str) for v in items
                ):
                    raise WatchRuleError(f"{name}: a string or a list of strings")
                kw[name] = tuple(v.strip() for v in items if v.strip())
            elif name in ("military", "interesting", "enabled"):
                if not isinstance(value, bool):
                    raise WatchRuleError(f"{name}: true or false")
                kw[name] = value
            elif name == "lost_minutes":
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    raise WatchRuleError("lost_minutes: a positive number")
                kw[name] = float(value)
            else:
                if not isinstance(value, str):
                    raise WatchRuleError(f"{name}: a string")
                kw[name] = value.strip()
        rule = cls(**kw)
        return rule._checked(base)

    def _checked(self, base: Path | None) -> WatchRule:
        if not _NAME.match(self.name):
            raise WatchRuleError(
                f"name {self.name!r}: 1-64 letters, digits, '_', '.', '-' (starting with a "
                "letter or digit)"
            )
        bad = [t for t in self.on if t not in TRIGGERS]
        if bad or not self.on:
            raise WatchRuleError(
                f"on: {', '.join(bad) or 'nothing'} — choose from {', '.join(TRIGGERS)}"
            )
        hexes: set[int] = set()
        regs: set[str] = set()
        entries = list(self.aircraft)
        if self.aircraft_file:
            entries += _read_list(Path(self.aircraft_file), base)
        for item in entries:
            if _HEX.match(item):
                hexes.add(int(item.lstrip("~"), 16) | (1 << 24 if item.startswith("~") else 0))
            else:
                regs.add(item.upper().replace(" ", ""))
        for name in ("operator", "type", "route_from", "route_to", "airport"):
            for code in getattr(self, name):
                if not _CODE.match(code.upper()):
                    raise WatchRuleError(f"{name}: {code!r} is not a code (2-4 letters/digits)")
        for code in self.squawk:
            if not _SQUAWK.match(code):
                raise WatchRuleError(f"squawk: {code!r} is not a 4-digit octal code")
        if self.webhook and not re.match(r"^https?://", self.webhook):
            raise WatchRuleError(f"webhook: {self.webhook!r} is not an http(s) URL")
        if self.jsonl and not re.match(r"^[A-Za-z0-9_.-]+\.jsonl$", self.jsonl):
            raise WatchRuleError(
                f"jsonl: {self.jsonl!r} must be a plain file name ending in .jsonl (it is "
                "written in the data directory's alerts/ folder)"
            )
        if self.email and "@" not in self.email:
            raise WatchRuleError(f"email: {self.email!r} is not an address")
        return replace(
            self,
            operator=tuple(c.upper() for c in self.operator),
            type=tuple(c.upper() for c in self.type),
            callsign=tuple(c.upper() for c in self.callsign),
            route_from=tuple(c.upper() for c in self.route_from),
            route_to=tuple(c.upper() for c in self.route_to),
            airport=tuple(c.upper() for c in self.airport),
            hexes=frozenset(hexes),
            registrations=frozenset(regs),
            areas=tuple(AreaSpec.parse(a, base) for a in self.area),
        )

    def to_toml_table(self) -> dict[str, Any]:
        """The rule as it is written to the file: only fields that differ from the default."""
        out: dict[str, Any] = {"name": self.name}
        default = WatchRule(name=self.name)
        for f in fields(self):
            if f.name in ("name", "hexes", "registrations", "areas"):
                continue
            value = getattr(self, f.name)
            if value != getattr(default, f.name) or f.name == "on":
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def callsign_matches(self, callsign: str) -> bool:
        cs = callsign.strip().upper()
        return any(fnmatch.fnmatchcase(cs, p) for p in self.callsign)

    @property
    def geometry_areas(self) -> tuple[AreaSpec, ...]:
        return tuple(a for a in self.areas if a.geometry is not None)


def _read_list(path: Path, base: Path | None) -> list[str]:
    if not path.is_absolute() and base is not None:
        path = base / path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WatchRuleError(f"aircraft_file: cannot read {path} ({exc})") from None
    out = []
    for line in text.splitlines():
        item = line.split("#", 1)[0].strip()
        if item:
            out.append(item)
    return out


def parse_rules(text: str, base: Path | None = None) -> list[WatchRule]:
    """Rules from the text of a rules file; WatchRuleError with the line of what is wrong."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 0
        raise WatchRuleError(f"not valid TOML: {exc}", line) from None
    unknown = sorted(set(doc) - {"rule"})
    if unknown:
        raise WatchRuleError(f"unknown top-level key(s) {', '.join(unknown)}; use [[rule]]")
    tables = doc.get("rule", [])
    if not isinstance(tables, list):
        raise WatchRuleError("rules must be [[rule]] tables")
    starts = [i + 1 for i, ln in enumerate(text.splitlines()) if ln.strip() == "[[rule]]"]
    rules: list[WatchRule] = []
    seen: set[str] = set()
    for k, table in enumerate(tables):
        line = starts[k] if k < len(starts) else 0
        try:
            rule = WatchRule.build(table, base)
        except WatchRuleError as exc:
            name = table.get("name", f"#{k + 1}") if isinstance(table, dict) else f"#{k + 1}"
            raise WatchRuleError(f"rule {name}: {exc}", line) from None
        if rule.name in seen:
            raise WatchRuleError(f"rule {rule.name}: the name is used twice", line)
        seen.add(rule.name)
        rules.append(rule)
    return rules


def rules_toml(rules: Iterable[WatchRule]) -> str:
    import tomli_w

    head = "# skytrace watch rules (see docs/alerts.md); managed by `skytrace watch`\n\n"
    return head + tomli_w.dumps({"rule": [r.to_toml_table() for r in rules]})


def load_rules(data_dir: Path) -> list[WatchRule]:
    """The rules in ``<data_dir>/watch.toml`` (none when there is no file)."""
    path = data_dir / RULES_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise WatchRuleError(f"{path}: cannot read ({exc})") from None
    try:
        return parse_rules(text, data_dir)
    except WatchRuleError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise WatchRuleError(f"{where}: {exc}", exc.line) from None


class RuleBook:
    """The rules in force, re-read from ``<data_dir>/watch.toml`` when the file changes.

    ``reload()`` (the engine calls it once per batch) compares the file's (mtime, size) with
    what was read, one ``stat``, and reads the file only when they changed; a file that no
    longer parses leaves the rules in force unchanged and sets ``error`` (with the line),
    which clears when a good file is read again.
    """

    def __init__(self, data_dir: Path | None, rules: Sequence[WatchRule] = ()) -> None:
        self.data_dir = data_dir
        self.error: str = ""
        self._rules: tuple[WatchRule, ...] = tuple(rules)
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self.version = 0
        if data_dir is not None:
            self.reload()

    @property
    def path(self) -> Path | None:
        return None if self.data_dir is None else self.data_dir / RULES_FILE

    def _file_stamp(self) -> tuple[int, int] | None:
        path = self.path
        try:
            st = os.stat(path) if path is not None else None
        except OSError:
            return None
        return None if st is None else (st.st_mtime_ns, st.st_size)

    def reload(self) -> bool:
        """Read the file if it changed; True when the rules in force changed."""
        stamp = self._file_stamp()
        with self._lock:
            if stamp == self._stamp:
                return False
            self._stamp = stamp
            if self.data_dir is None:
                return False
            try:
                rules = tuple(load_rules(self.data_dir))
            except WatchRuleError as exc:
                self.error = str(exc)
                return False
            self.error = ""
            changed = rules != self._rules
            self._rules = rules
            self.version += changed
            return changed

    def rules(self) -> tuple[WatchRule, ...]:
        return self._rules

    def save(self, rules: Sequence[WatchRule]) -> None:
        """Write ``rules`` as the file (atomically) and put them in force."""
        if self.data_dir is None:
            raise WatchRuleError("no data directory to keep watch rules in")
        write_text_atomic(self.data_dir / RULES_FILE, rules_toml(rules))
        with self._lock:
            self._rules = tuple(rules)
            self._stamp = self._file_stamp()
            self.error = ""
            self.version += 1
