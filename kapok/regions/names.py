"""How people spell region names, and the shorter spellings that mean the same region.

松洲街 = 松洲街道 = 松洲街道办事处; 螺涌 = 螺涌社区 = 螺涌社区居委会; 三联村 = 三联村委会; 白云 = 白云区.
A name's variants are every spelling reached by taking administrative suffixes off its end.
"""

import re
import unicodedata

SUFFIXES = (
    "居民委员会",
    "村民委员会",
    "委员会",
    "居委会",
    "村委会",
    "委会",
    "居委",
    "村委",
    "办事处",
    "人民政府",
    "政府",
    "社区",
    "街道",
    "街",
    "镇",
    "乡",
    "村",
    "区",
    "市",
    "县",
)

_SPACES = re.compile(r"\s+")


def clean(name: str) -> str:
    """Full-width letters and digits to half-width, brackets unified, spaces removed."""
    text = unicodedata.normalize("NFKC", name)
    return _SPACES.sub("", text).replace("(", "（").replace(")", "）")


def variants(name: str) -> list[str]:
    """The cleaned name and every shorter spelling of it, longest first."""
    seen = {clean(name)}
    pending = list(seen)
    while pending:
        text = pending.pop()
        for suffix in SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                shorter = text[: -len(suffix)]
                if shorter not in seen:
                    seen.add(shorter)
                    pending.append(shorter)
    return sorted(seen, key=lambda text: (-len(text), text))
