"""Alert matching benchmark: cost per full-length article with 10, 1,000 and 10,000 rules.

    .venv/bin/python bench/bench_alerts.py [--articles 200] [--repeat 5]

Rules are generated from a Zipf-distributed vocabulary (deterministic seed): single keywords,
two- and three-word phrases, OR groups, AND NOT exclusions and title: scopes, drawn from the
less frequent words as real subscriptions are (names, topics). Articles are ~900 words of
Zipf-distributed text with punctuation, accents and line breaks, ~6,000 characters.
Prints, per rule count, the median "scan" (normalise the article + Aho-Corasick pass, no rule
evaluated), the median and p95 of a full match (evaluation and explanation of every rule that
fires included) and the rules fired per article; target <= 1 ms per article at 10,000 rules.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsflow.alerts.matcher import RuleMatcher, _Article
from newsflow.alerts.rules import parse_rules

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "is",
    "was",
    "he",
    "for",
    "it",
    "with",
    "as",
    "his",
    "on",
    "be",
    "at",
    "by",
    "had",
    "are",
    "but",
    "from",
    "or",
    "have",
    "an",
    "they",
    "which",
    "one",
    "you",
    "were",
    "all",
    "we",
    "her",
    "she",
    "there",
    "would",
    "their",
    "will",
    "when",
    "who",
    "him",
    "been",
    "has",
    "more",
    "if",
    "no",
    "out",
    "so",
    "said",
    "what",
    "up",
    "its",
    "about",
    "than",
    "into",
    "them",
    "can",
    "only",
    "other",
    "new",
    "some",
    "could",
    "time",
    "these",
    "two",
    "may",
    "first",
    "then",
    "do",
    "any",
    "like",
    "my",
    "now",
    "over",
    "such",
    "our",
    "man",
    "me",
    "even",
    "most",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
]
SYLLABLES = [
    "ka",
    "ri",
    "to",
    "mel",
    "san",
    "dor",
    "vin",
    "es",
    "pa",
    "lu",
    "ber",
    "gon",
    "ti",
    "ra",
    "no",
    "ve",
    "chi",
    "mar",
    "ul",
    "zé",
    "ström",
    "an",
    "co",
    "ly",
]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words = list(FUNCTION_WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word.capitalize() if rng.random() < 0.25 else word)
    return words


def zipf_sampler(rng: random.Random, words: list[str]):
    weights = [1 / (rank + 1) for rank in range(len(words))]
    cumulative = list(__import__("itertools").accumulate(weights))

    def sample(k: int) -> list[str]:
        return rng.choices(words, cum_weights=cumulative, k=k)

    return sample


def make_rules(rng: random.Random, words: list[str], count: int) -> list[dict]:
    topical = words[2000:]  # subscriptions name people, places and topics: the rarer words
    rules = []
    for i in range(count):
        kind = rng.random()
        pick = lambda n: " ".join(rng.sample(topical[: len(topical) // (1 + (n > 1) * 2)], n))  # noqa: E731
        if kind < 0.35:
            query = pick(1)
        elif kind < 0.65:
            query = f'"{pick(rng.randint(2, 3))}"'
        elif kind < 0.85:
            query = f'{pick(1)} OR "{pick(2)}" OR {pick(1)}'
        elif kind < 0.95:
            query = f'("{pick(2)}" OR {pick(1)}) AND NOT {pick(1)}'
        else:
            query = f"title:{pick(1)} AND body:{pick(1)}"
        rules.append({"id": f"rule-{i}", "query": query})
    return rules


def make_article(rng: random.Random, sample, words_count: int = 900) -> dict:
    words = sample(words_count)
    out = []
    for i, word in enumerate(words):
        out.append(word)
        if i % 17 == 16:
            out.append(rng.choice([".", ",", ";", ".\n\n"]))
    body = " ".join(out).replace(" .", ".").replace(" ,", ",").replace(" ;", ";")
    return {
        "id": f"a{rng.random()}",
        "title": " ".join(sample(9)).capitalize(),
        "summary": " ".join(sample(35)),
        "body": body,
        "source": {"name": "bench"},
        "language": "en",
    }


def measure(matcher: RuleMatcher, articles: list[dict], repeat: int) -> tuple[float, float, float]:
    timings: list[float] = []
    fired = 0
    for _ in range(repeat):
        for article in articles:
            start = time.perf_counter()
            fired += len(matcher.match(article))
            timings.append(time.perf_counter() - start)
    timings.sort()
    median = statistics.median(timings) * 1000
    p95 = timings[int(len(timings) * 0.95)] * 1000
    return median, p95, fired / (repeat * len(articles))


def measure_scan(matcher: RuleMatcher, articles: list[dict], repeat: int) -> float:
    """Median ms to normalise an article and run the automaton, before any rule is evaluated."""
    timings: list[float] = []
    for _ in range(repeat):
        for article in articles:
            start = time.perf_counter()
            matcher._scan(_Article(article))
            timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rules", default="10,1000,10000")
    parser.add_argument(
        "--vocabulary", type=int, default=30_000,
        help="distinct words; larger = rarer rule terms = fewer alerts per article",
    )  # fmt: skip
    args = parser.parse_args()
    rng = random.Random(6)
    words = vocabulary(rng, args.vocabulary)
    sample = zipf_sampler(rng, words)
    articles = [make_article(rng, sample) for _ in range(args.articles)]
    chars = statistics.median(
        len(a["title"]) + len(a["summary"]) + len(a["body"]) for a in articles
    )
    print(
        f"{len(articles)} articles, median {chars:.0f} characters, {args.repeat} passes each, "
        f"vocabulary {args.vocabulary:,} words"
    )
    print(
        f"{'rules':>7} {'compile s':>10} {'scan ms':>8} {'median ms':>10} {'p95 ms':>8} "
        f"{'fired/article':>14}"
    )
    for count in (int(c) for c in args.rules.split(",")):
        ruleset = parse_rules({"rules": make_rules(rng, words, count)})
        start = time.perf_counter()
        matcher = RuleMatcher(ruleset)
        compile_s = time.perf_counter() - start
        scan = measure_scan(matcher, articles, args.repeat)
        median, p95, fired = measure(matcher, articles, args.repeat)
        print(
            f"{count:>7} {compile_s:>10.2f} {scan:>8.3f} {median:>10.3f} {p95:>8.3f} {fired:>14.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
