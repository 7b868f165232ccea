# newsflow services (connector, pipeline, notifier, init) for docker-compose.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
# newsflow/ links the parts' folders and the defaults (configs, seeds, kibana) in: all of them
# are there before `pip install .` puts one package, newsflow, into site-packages.
COPY configs ./configs
COPY seeds ./seeds
COPY kibana ./kibana
COPY newsflow ./newsflow
COPY connectors ./connectors
COPY pipeline ./pipeline
COPY alerts ./alerts
RUN pip install .

RUN useradd --system --uid 10001 newsflow && mkdir -p /app/.newsflow && chown newsflow /app/.newsflow
USER newsflow
ENV NEWSFLOW_CONFIG=/app/configs/newsflow.yaml NEWSFLOW_LOG_FORMAT=json
ENTRYPOINT ["newsflow"]
CMD ["--help"]
