"""The one region look-up: find a region by code or by name, the way people write them.

    find_region("440111005003")            # by code (6, 9 or 12 digits)
    find_region("松洲街")                    # = 松洲街道
    find_region("螺涌", within=street)       # = 螺涌社区 = 螺涌社区居委会
    find_region("松洲街道螺涌社区")           # qualified by its parent, written together
    find_region("白云区/松洲/螺涌")           # or with separators

A name that matches several regions raises AmbiguousRegion, which lists them qualified by their
parents; a name that matches none raises RegionNotFound. Nothing is guessed.

The look-up works on an in-memory index of every region (a few thousand rows for a city), built
on first use and rebuilt when regions change in this process (signals, `regions load`) or, for
changes made by another process, within INDEX_TTL seconds.
"""

import re
import threading
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from kapok.regions.models import CODE_LENGTH, Region
from kapok.regions.names import clean, compatible, variants

INDEX_TTL = 60.0
SEPARATORS = re.compile(r"[/／>›·,，、\s\-]+")
DIGITS = re.compile(r"[0-9]+")


class RegionLookupError(LookupError):
    pass


class RegionNotFound(RegionLookupError):
    def __init__(self, text: str, within: Region | None = None):
        self.text = text
        if within is None:
            message = _("No region called “%(name)s”.") % {"name": text}
        else:
            message = _("No region called “%(name)s” in %(within)s.") % {
                "name": text,
                "within": within.full_name,
            }
        super().__init__(message)


class AmbiguousRegion(RegionLookupError):
    def __init__(self, text: str, candidates: list[Region]):
        self.text = text
        self.candidates = candidates
        names = "、".join(region.full_name for region in candidates[:6])
        super().__init__(
            _("“%(name)s” could be any of: %(names)s. Add its street or district.")
            % {"name": text, "names": names}
        )


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    name: str
    level: int
    parent_code: str | None
    full_name: str

    @property
    def prefix(self) -> str:
        return self.code[: Region.PREFIX_LENGTH[self.level]]

    def region(self) -> Region:
        region = Region(
            code=self.code,
            name=self.name,
            level=self.level,
            parent_id=self.parent_code,
            full_name=self.full_name,
        )
        region._state.adding = False
        region._state.db = "default"
        return region


class RegionIndex:
    def __init__(self, entries: list[_Entry]):
        self.by_code = {entry.code: entry for entry in entries}
        self.by_name: dict[str, list[_Entry]] = defaultdict(list)
        self.by_variant: dict[str, list[tuple[_Entry, str | None]]] = defaultdict(list)
        for entry in entries:
            self.by_name[clean(entry.name)].append(entry)
            for text, kind in variants(entry.name):
                self.by_variant[text].append((entry, kind))

    @classmethod
    def build(cls) -> "RegionIndex":
        rows = Region.objects.values_list("code", "name", "level", "parent_id", "full_name")
        return cls([_Entry(*row) for row in rows.iterator(chunk_size=5000)])

    def find(self, text: str, *, within: Region | None = None, level: int | None = None) -> Region:
        text = text.strip()
        # Full-width digits and separators, as Chinese input methods type them: ４４０１１１.
        normal = unicodedata.normalize("NFKC", text).strip()
        if not normal:
            raise RegionNotFound(text, within)
        within_prefix = within.prefix if within is not None else ""
        matches = self._resolve(normal, within_prefix, level)
        if not matches:
            raise RegionNotFound(text, within)
        if len(matches) > 1:
            matches.sort(key=lambda entry: entry.code)
            raise AmbiguousRegion(text, [entry.region() for entry in matches])
        return matches[0].region()

    def _resolve(self, text: str, within_prefix: str, level: int | None) -> list[_Entry]:
        if DIGITS.fullmatch(text):
            entry = self.by_code.get(_pad_code(text))
            if entry and entry.code.startswith(within_prefix) and level in (None, entry.level):
                return [entry]
            return []
        parts = [part for part in SEPARATORS.split(text) if part]
        if len(parts) > 1:
            return self._resolve_path(parts, within_prefix, level)
        matches = self._by_name(text, within_prefix, level)
        if matches:
            return matches
        return self._resolve_joined(text, within_prefix, level)

    def _resolve_path(self, parts: list[str], within_prefix: str, level: int | None):
        scopes = [within_prefix]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            found: dict[str, _Entry] = {}
            for prefix in scopes:
                for entry in self._resolve(part, prefix, level if last else None):
                    found[entry.code] = entry
            if not found:
                return []
            scopes = [entry.prefix for entry in found.values()]
        return list(found.values())

    def _resolve_joined(self, text: str, within_prefix: str, level: int | None):
        """松洲街道螺涌社区: a parent's name written straight before the child's."""
        found: dict[str, _Entry] = {}
        for cut in range(2, len(text) - 1):
            head, tail = text[:cut], text[cut:]
            for parent in self._by_name(head, within_prefix, None):
                if level is not None and parent.level >= level:
                    continue
                for entry in self._resolve(tail, parent.prefix, level):
                    if entry.level > parent.level:
                        found[entry.code] = entry
        return list(found.values())

    def _by_name(self, name: str, within_prefix: str, level: int | None) -> list[_Entry]:
        def keep(entries):
            return [
                entry
                for entry in entries
                if entry.code.startswith(within_prefix)
                and (level is None or entry.level == level)
                and entry.prefix != within_prefix
            ]

        # An exact spelling wins over a shorter one, and a longer shorter one over a shorter:
        # 三元里村 finds 三元里村委会, not 三元里社区居委会.
        exact = keep(self.by_name.get(clean(name), ()))
        if exact:
            return exact
        for text, kind in variants(name):
            found = {
                entry.code: entry
                for entry, entry_kind in self.by_variant.get(text, ())
                if compatible(kind, entry_kind)
            }
            found = keep(found.values())
            if found:
                return found
        return []


def _pad_code(digits: str) -> str:
    if len(digits) in (2, 4, 6, 9):
        return digits.ljust(CODE_LENGTH, "0")
    return digits


_lock = threading.Lock()
_index: RegionIndex | None = None
_built_at = 0.0
_stamp: tuple | None = None


def _current_stamp() -> tuple:
    result = Region.objects.aggregate(count=Count("code"), changed=Max("updated_at"))
    return (result["count"], result["changed"])


def get_index() -> RegionIndex:
    global _index, _built_at, _stamp
    with _lock:
        now = time.monotonic()
        if _index is not None and now - _built_at < INDEX_TTL:
            return _index
        stamp = _current_stamp()
        if _index is None or stamp != _stamp:
            _index = RegionIndex.build()
            _stamp = stamp
        _built_at = now
        return _index


def invalidate_index() -> None:
    global _index
    with _lock:
        _index = None


def find_region(text: str, *, within: Region | None = None, level: int | None = None) -> Region:
    return get_index().find(text, within=within, level=level)


@receiver(post_save, sender=Region)
@receiver(post_delete, sender=Region)
def _region_changed(**kwargs) -> None:
    invalidate_index()
