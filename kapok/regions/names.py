"""How people spell region names, and the shorter spellings that mean the same region.

松洲街 = 松洲街道 = 松洲街道办事处; 螺涌 = 螺涌社区 = 螺涌社区居委会;
三联村 = 三联村委会; 白云 = 白云区.
A name's variants are the spellings reached by taking administrative suffixes off its end. Each
variant remembers the kind of suffix taken off first, so that 东山区 (a district) does not find
东山街道 (a street) through their shared 东山.
"""

import re
import unicodedata
from functools import lru_cache

CITY, DISTRICT, STREET, COMMUNITY = "city", "district", "street", "community"

# Suffix → the kind of region it names.
SUFFIXES = {
    "居民委员会": COMMUNITY,
    "村民委员会": COMMUNITY,
    "委员会": COMMUNITY,
    "居委会": COMMUNITY,
    "村委会": COMMUNITY,
    "委会": COMMUNITY,
    "居委": COMMUNITY,
    "村委": COMMUNITY,
    "社区": COMMUNITY,
    "村": COMMUNITY,
    "办事处": STREET,
    "人民政府": STREET,
    "政府": STREET,
    "街道": STREET,
    "街": STREET,
    "镇": STREET,
    "乡": STREET,
    "区": DISTRICT,
    "县": DISTRICT,
    "市": CITY,
}

_SPACES = re.compile(r"\s+")
# Suffixes grouped by their last character, so each step tries only the few that can match.
_BY_LAST_CHARACTER: dict[str, list[tuple[str, str]]] = {}
for _suffix, _kind in SUFFIXES.items():
    _BY_LAST_CHARACTER.setdefault(_suffix[-1], []).append((_suffix, _kind))


def clean(name: str) -> str:
    """Full-width letters and digits to half-width, brackets unified, spaces removed."""
    text = unicodedata.normalize("NFKC", name)
    return _SPACES.sub("", text).replace("(", "（").replace(")", "）")


@lru_cache(maxsize=8192)
def variants(name: str) -> tuple[tuple[str, str | None], ...]:
    """The cleaned name (kind None) and every shorter spelling with the kind of the first suffix
    taken off, longest first."""
    start = clean(name)
    seen: set[tuple[str, str | None]] = {(start, None)}
    pending = [(start, None)]
    while pending:
        text, kind = pending.pop()
        for suffix, suffix_kind in _BY_LAST_CHARACTER.get(text[-1:], ()):
            if text.endswith(suffix) and len(text) > len(suffix):
                shorter = (text[: -len(suffix)], kind or suffix_kind)
                if shorter not in seen:
                    seen.add(shorter)
                    pending.append(shorter)
    return tuple(sorted(seen, key=lambda item: (-len(item[0]), item[0], item[1] or "")))


def compatible(query_kind: str | None, entry_kind: str | None) -> bool:
    """Two spellings agree unless both took off suffixes of different kinds."""
    return query_kind is None or entry_kind is None or query_kind == entry_kind
