"""Reading robot-call transcripts: kapok.needs.transcripts against a naive keyword matcher.

Throughput on one core over the labelled transcripts repeated to about 50,000 lines (10,000 with
--quick), peak memory of reading them as a stream, and the accuracy of both readers on each
labelled set, so that the table shows what clause splitting, negation, pairing items with
predicates and the emergency rules buy over matching words.

The naive matcher is what one writes first: the same vocabulary (every item, need phrase and
emergency phrase of the lexicon, and the carrier messages), no normalisation, no negation, no
structure: a carrier word → not reached; any need word → that need; any emergency word →
emergency; reached with no need word → ok.

``python -m bench.extraction [--only=SET] [--failures]`` prints the accuracy of both readers on
each set (and with --failures every transcript ours reads wrong).
"""

import gc
import json
import re
import sys
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Result, compare, peak_memory
from kapok.needs.kinds import NEED_ORDER
from kapok.needs.lexicon import ALARM, CARRIER, ITEM, LEXICON, NEED, trie_pattern
from kapok.needs.transcripts import read_transcript as ours

PROJECT = Path(__file__).resolve().parent.parent
TRANSCRIPTS = PROJECT / "tests" / "transcripts"
# labelled: tuned on (hand-written and generated rows); holdout: hand-written, kept apart;
# sample: the 30 labelled examples.
SETS = {name: TRANSCRIPTS / f"{name}.jsonl" for name in ("labelled", "holdout", "sample")}
FIELDS = ("reached", "ok", "needs", "urgency")


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as rows:
        return [json.loads(line) for line in rows if line.strip()]


def available_sets() -> dict[str, list[dict]]:
    """Each labelled set, and the labelled set's hand-written and generated rows apart."""
    sets = {name: load(path) for name, path in SETS.items()}
    for source in ("hand", "generated"):
        sets[f"labelled/{source}"] = [row for row in sets["labelled"] if row["source"] == source]
    return sets


# -- the naive matcher --------------------------------------------------------------------------

_NAIVE_WORDS = {
    word: (cue.kind, cue.role == ALARM)
    for word, cue in LEXICON.items()
    if cue.role in (ITEM, NEED, ALARM) and cue.kind not in (None, "generic")
}
_NAIVE = re.compile(trie_pattern(_NAIVE_WORDS))


def naive(text: str) -> dict:
    """Any carrier word → not reached; any need word → that need; any emergency word → emergency."""
    if not text.strip() or CARRIER.search(text.lower()):
        return {"reached": False, "ok": False, "needs": [], "urgency": "normal"}
    kinds, emergency = set(), False
    for match in _NAIVE.finditer(text):
        kind, alarm = _NAIVE_WORDS[match.group()]
        for each in kind if isinstance(kind, tuple) else (kind,):
            kinds.add(each)
        emergency = emergency or alarm
    needs = sorted(kinds, key=NEED_ORDER.__getitem__)
    return {
        "reached": True,
        "ok": not needs,
        "needs": [str(kind) for kind in needs],
        "urgency": "emergency" if emergency else "normal",
    }


def ours_dict(text: str) -> dict:
    return ours(text).as_dict()


# -- scoring ------------------------------------------------------------------------------------


@dataclass
class Score:
    rows: int
    exact: float
    fields: dict[str, float]
    need_precision: float
    need_recall: float
    emergency_recall: float
    emergency_precision: float
    emergencies: int
    wrong: list[tuple[dict, dict]]

    def line(self) -> str:
        fields = " ".join(f"{name} {value:.1%}" for name, value in self.fields.items())
        return (
            f"exact {self.exact:.1%} ({self.rows} rows); {fields}; "
            f"needs P {self.need_precision:.1%} R {self.need_recall:.1%}; "
            f"emergency recall {self.emergency_recall:.1%} of "
            f"{self.emergencies}, precision {self.emergency_precision:.1%}"
        )

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "exact": self.exact,
            "fields": self.fields,
            "need_precision": self.need_precision,
            "need_recall": self.need_recall,
            "emergency_recall": self.emergency_recall,
            "emergency_precision": self.emergency_precision,
            "emergencies": self.emergencies,
        }


def score(read: Callable[[str], dict], rows: Iterable[dict]) -> Score:
    """Exact match of the whole object, each field, needs (micro precision/recall), emergencies."""
    rows = list(rows)
    right = dict.fromkeys(FIELDS, 0)
    exact = true_needs = found_needs = matched_needs = 0
    emergencies = caught = called = 0
    wrong = []
    for row in rows:
        got = read(row["text"])
        same = {
            "reached": got["reached"] == row["reached"],
            "ok": got["ok"] == row["ok"],
            "needs": set(got["needs"]) == set(row["needs"]),
            "urgency": got["urgency"] == row["urgency"],
        }
        for name, hit in same.items():
            right[name] += hit
        if all(same.values()):
            exact += 1
        else:
            wrong.append((row, got))
        true_needs += len(row["needs"])
        found_needs += len(got["needs"])
        matched_needs += len(set(row["needs"]) & set(got["needs"]))
        emergencies += row["urgency"] == "emergency"
        called += got["urgency"] == "emergency"
        caught += row["urgency"] == "emergency" and got["urgency"] == "emergency"
    total = len(rows) or 1
    return Score(
        rows=len(rows),
        exact=exact / total,
        fields={name: count / total for name, count in right.items()},
        need_precision=matched_needs / found_needs if found_needs else 1.0,
        need_recall=matched_needs / true_needs if true_needs else 1.0,
        emergency_recall=caught / emergencies if emergencies else 1.0,
        emergency_precision=caught / called if called else 1.0,
        emergencies=emergencies,
        wrong=wrong,
    )


# -- the benchmark ------------------------------------------------------------------------------


def _lines(texts: list[str], total: int) -> Iterator[str]:
    for index in range(total):
        yield texts[index % len(texts)]


def _stream(read: Callable[[str], dict], texts: list[str], total: int) -> Callable[[], int]:
    """Read ``total`` transcripts one at a time and serialise each, as the command does."""

    def run() -> int:
        written = 0
        for line in _lines(texts, total):
            written += len(json.dumps(read(line), ensure_ascii=False))
        return written

    return run


def _retained(fn: Callable[[], object]) -> int:
    """The bytes still allocated after ``fn`` ran and garbage was collected."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        gc.collect()
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def run(*, repeat: int, quick: bool) -> list[Result]:
    sets = available_sets()
    texts = [row["text"] for name in SETS for row in sets[name]]
    total = 10_000 if quick else 50_000
    ours_time, naive_time = compare(
        _stream(ours_dict, texts, total), _stream(naive, texts, total), repeat=repeat
    )
    scores = {name: (score(ours_dict, rows), score(naive, rows)) for name, rows in sets.items()}
    result = Result(
        name="read transcripts",
        description=(
            f"kapok.needs.transcripts.read_transcript over {len(texts)} labelled transcripts "
            f"repeated to {total:,}, one at a time, each serialised to JSON, one core"
        ),
        unit="transcripts",
        operations=total,
        ours=ours_time,
        alternative=naive_time,
        alternative_label="naive keyword matcher (same vocabulary, no negation or structure)",
        peak_ours=peak_memory(_stream(ours_dict, texts, 5 * len(texts))),
        peak_alternative=peak_memory(_stream(naive, texts, 5 * len(texts))),
    )
    # A stream in constant memory: what stays allocated after a run does not grow with its
    # length. (The peak does, a little, until the interpreter's free lists are full: they are
    # emptied by the collection before tracing starts and count as allocated while they refill.)
    once, ten = (_retained(_stream(ours_dict, texts, passes * len(texts))) for passes in (1, 10))
    result.notes.append(
        f"memory kept after reading {len(texts):,} lines: {once / 1024:.1f} KiB; after "
        f"{10 * len(texts):,} lines: {ten / 1024:.1f} KiB (interpreter caches; no growth per line)"
    )
    for name, (mine, theirs) in scores.items():
        result.notes.append(f"{name} ours:  {mine.line()}")
        result.notes.append(f"{name} naive: {theirs.line()}")
    result.extra = {
        name: {"ours": mine.as_dict(), "naive": theirs.as_dict()}
        for name, (mine, theirs) in scores.items()
    }
    return [result]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    only = [arg.split("=", 1)[1] for arg in argv if arg.startswith("--only=")]
    for name, rows in available_sets().items():
        if only and name not in only:
            continue
        mine, theirs = score(ours_dict, rows), score(naive, rows)
        print(f"{name} ours:  {mine.line()}")
        print(f"{name} naive: {theirs.line()}")
        if "--failures" in argv:
            for row, got in mine.wrong:
                expected = {field: row[field] for field in FIELDS}
                print(f"    {row['text']}\n      want {expected}\n      got  {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
