"""Benchmark: a few hundred odd feeds through the real connector and pipeline, every item counted.

Serves the feeds of `tests/support/odd_feeds/generator.py` (broken encodings, BOMs, empty items,
script-only content, huge numeric references, deep nesting, CDATA games, missing titles,
duplicate GUIDs, relative links, broken dates; RSS 0.90-2.0 and Atom) from a local HTTP server,
runs one connector pass into the real Kafka and `newsflow pipeline run --until-idle` into the
real Elasticsearch (enrichment off), then prints what became of them: feeds read and refused
(with the reason), entries, records, documents indexed, dead letters by stage and reason,
duplicates, and whether every item is accounted for. Exits 1 when one is not.

    .venv/bin/python bench/bench_odd_feeds.py [--feeds 300] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsflow.admin import initialise
from newsflow.settings import load_settings
from tests.support.odd_feeds.generator import odd_feeds
from tests.support.odd_feeds.ledger import account, connector_settings
from tests.support.stack import cleanup, isolated_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    base = load_settings().with_overrides(enrichment={"enabled": False})
    settings = connector_settings(isolated_settings(base, f"bench-{uuid.uuid4().hex[:8]}"))
    initialise(settings)
    feeds = odd_feeds(args.feeds, args.seed)
    try:
        with tempfile.TemporaryDirectory(prefix="odd-feeds-") as workdir:
            ledger = account(settings, feeds, Path(workdir))
    finally:
        cleanup(settings)
    print(f"odd feeds: {args.feeds} (seed {args.seed})")
    for line in ledger.lines():
        print(line)
    for dropped, survivor in ledger.duplicate_pairs[:5]:
        print(f"  duplicate {dropped} -> duplicate_of {survivor}")
    if ledger.unaccounted:
        print(f"UNACCOUNTED records (id, revision): {ledger.unaccounted[:20]}")
    return 0 if ledger.balanced() else 1


if __name__ == "__main__":
    sys.exit(main())
