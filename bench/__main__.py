"""`make bench` (python -m bench [--postgres [URL]] [--quick]): run every benchmark once.

Prints a table and writes the same results as JSON to var/bench/results.json (SQLite) or
var/bench/results-postgresql.json (PostgreSQL), unless --output says otherwise.
"""

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.database import DEFAULT_POSTGRES_URL, throwaway_database

PROJECT = Path(__file__).resolve().parent.parent
SECTIONS = (
    "regions",
    "scoping",
    "export",
    "writes",
    "imports",
    "dedupe",
    "extract",
    "needs",
)


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES_URL,
        metavar="URL",
        help="run on PostgreSQL: a URL of the server's maintenance database "
        f"(default {DEFAULT_POSTGRES_URL}); a database kapok_bench is created and dropped",
    )
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer repeats")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated data")
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (may be repeated); default: all",
    )
    parser.add_argument("--output", type=Path, help="where to write the JSON results")
    return parser.parse_args(argv)


def _size(count: float | None) -> str:
    if count is None:
        return "–"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return ""  # not reached


def _rate(rate: float | None) -> str:
    if rate is None:
        return "–"
    if rate >= 100:
        return f"{rate:,.0f}"
    return f"{rate:,.2f}"


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "–"
    if ratio <= 1:
        return f"{ratio:.3f} ({1 / ratio:.1f}× faster)"
    return f"{ratio:.2f} ({ratio:.2f}× slower)"


def render(report: dict, results) -> str:
    headers = (
        "benchmark",
        "per second of",
        "ours /s",
        "alt /s",
        "time ours/alt",
        "peak ours",
        "peak alt",
    )
    rows = [
        (
            result.name,
            result.unit,
            _rate(result.ours_rate),
            _rate(result.alternative_rate),
            _ratio(result.time_ratio),
            _size(result.peak_ours),
            _size(result.peak_alternative),
        )
        for result in results
    ]
    widths = [max(len(row[index]) for row in (headers, *rows)) for index in range(len(headers))]
    aligns = ["<", "<", ">", ">", ">", ">", ">"]

    def line(row):
        return "  ".join(
            f"{cell:{align}{width}}" for cell, align, width in zip(row, aligns, widths, strict=True)
        )

    out = [
        f"Kapok benchmarks on {report['database']['vendor']} {report['database']['version']}, "
        f"{report['data']['log_entries']:,} audit entries, {report['data']['units']:,} units, "
        f"median of {report['repeat']} runs (exports: 3)",
        "",
        line(headers),
        line(["-" * width for width in widths]),
        *map(line, rows),
        "",
        "time ours/alt: our median time over the alternative's for the same work "
        "(below 1: ours is faster). Peak: tracemalloc, in a separate run.",
        "",
    ]
    for result in results:
        out.append(f"- {result.name}: {result.description}")
        if result.alternative_label:
            out.append(f"    alternative: {result.alternative_label}")
        out.extend(f"    note: {note}" for note in result.notes)
    out += [
        "",
        f"process peak RSS (ru_maxrss): {_size(report['max_rss_bytes'])}; "
        f"set-up {report['setup_seconds_total']:.1f} s, total {report['total_seconds']:.1f} s",
    ]
    return "\n".join(out)


def _progress(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = _arguments(argv)
    started = time.perf_counter()
    started_at = datetime.now().astimezone().isoformat(timespec="seconds")
    rng = random.Random(args.seed)  # noqa: S311 - reproducible test data, not secrets
    repeat = 3 if args.quick else 5
    with throwaway_database(args.postgres) as target:
        import django

        django.setup()
        from django.db import connection

        from bench import audit, dedupe, extraction, imports, needs, regions, scoping
        from bench.database import build_world
        from bench.measure import max_rss

        world = build_world(log_entries=20_000 if args.quick else 100_000, rng=rng)
        results = []
        _progress(f"set-up: {sum(world.setup_seconds.values()):.1f} s", started)
        sections = {
            "regions": lambda: regions.run(rng, repeat=repeat),
            "scoping": lambda: scoping.run(world, repeat=repeat),
            "export": lambda: audit.run_exports(
                world, repeat=3, sizes=(1_000, 2_000) if args.quick else (4_000, 8_000)
            ),
            "writes": lambda: audit.run_writes(
                world, repeat=repeat, count=200 if args.quick else 500
            ),
            "imports": lambda: imports.run(
                rng,
                rows=10_000 if args.quick else 100_000,
                xlsx_rows=5_000 if args.quick else 30_000,
                repeat=3,
            ),
            "dedupe": lambda: dedupe.run(rng=random.Random(args.seed), quick=args.quick),  # noqa: S311
            "extract": lambda: extraction.run(repeat=repeat, quick=args.quick),
            "needs": lambda: needs.run(rng, quick=args.quick),
        }
        for title, section in sections.items():
            if args.only and title not in args.only:
                continue
            section_started = time.perf_counter()
            for result in section():
                result.max_rss_after = max_rss()
                results.append(result)
            _progress(f"{title}: {time.perf_counter() - section_started:.1f} s", started)
        if connection.vendor == "sqlite":
            import sqlite3

            version = sqlite3.sqlite_version
        else:
            number = connection.pg_version
            version = f"{number // 10000}.{number % 10000}"
        report = {
            "started_at": started_at,
            "database": {"vendor": target.vendor, "version": version},
            "python": platform.python_version(),
            "django": django.get_version(),
            "machine": {
                "platform": platform.platform(),
                "processor": platform.machine(),
                "cpus": os.cpu_count(),
            },
            "quick": args.quick,
            "seed": args.seed,
            "repeat": repeat,
            "data": {"log_entries": world.log_entries, "units": world.units},
            "setup_seconds": world.setup_seconds,
            "setup_seconds_total": sum(world.setup_seconds.values()),
            "results": [result.as_dict() for result in results],
            "max_rss_bytes": max_rss(),
            "total_seconds": time.perf_counter() - started,
        }
    output = args.output or PROJECT / "var" / "bench" / (
        "results.json" if target.vendor == "sqlite" else f"results-{target.vendor}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(render(report, results))
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
