"""Helpers the tests share, one module per kind of thing (pytest fixtures live in conftest.py files).

Records: `factories` (the raw article factory, Kafka records, enrichment input), `entities`
(the entity tests' model, gazetteer file and hand-made mentions), `feeds` (feed documents, feeds
files, a connector polled without Kafka).
The shared stack: `stack` (isolated settings, a subprocess's environment, cleanup), `clients`
(produce to Kafka, count and read back from Kafka and Elasticsearch), `processes` (`newsflow`
subprocesses), `waiting` (the one `wait_for`).
Servers the tests start: `servers` (feeds, webhooks, SMTP: pytest-httpserver and aiosmtpd),
`kibana` (a fake Kibana API), `ssrf` (two loopback servers on one port, TLS with SNI), `dns`
(a DNS server on UDP), `proxies` (TCP cut, HTTP faults in front of Elasticsearch, Toxiproxy),
`kafka_memory` (an in-memory topic for the Kafka reader's unit tests).
Whole scenarios: `secure_stack`, `fault_matrix` (tests/chaos), `odd_feeds`, `panels` (Kibana's
queries against Elasticsearch).
"""
