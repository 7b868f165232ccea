"""Feed connector: polls RSS/Atom feeds and produces RawArticle records to the raw topic."""
