"""Unit tests: the rules of canonical_url, each pinned (article ids hash its output)."""

import pytest

from newsflow.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # kept as they are: path case, the remaining query's order, case and blank values
        ("https://n.example/a?b=2&a=1", "https://n.example/a?b=2&a=1"),
        ("https://n.example/article.php?story=1", "https://n.example/article.php?story=1"),
        ("https://n.example/a?uid=7&source=feed", "https://n.example/a?uid=7&source=feed"),
        ("https://n.example/a?flag", "https://n.example/a?flag="),
        # dropped: default ports, the host's trailing dot, a password, the fragment
        ("http://N.Example:80/A/B/", "http://n.example/A/B/"),
        ("https://n.example:8443/a", "https://n.example:8443/a"),
        ("https://n.example./a", "https://n.example/a"),
        ("https://user:secret@n.example/a", "https://user@n.example/a"),
        ("https://n.example", "https://n.example/"),
        # tracking parameters, by prefix and by name, in any case
        ("https://n.example/a?_hsenc=1&hsa_acc=2&mc_cid=3&page=2", "https://n.example/a?page=2"),
        (
            "https://n.example/a?ncid=1&rss=1&spm=2&WT.mc_id=3&ocid=4&id=9",
            "https://n.example/a?id=9",
        ),
    ],
)
def test_canonical_url_rules(url, canonical):
    assert canonical_url(url) == canonical
