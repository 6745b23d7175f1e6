# The worker and starter image of domain-scanner.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

COPY pyproject.toml README.md ./
COPY scanner ./scanner
COPY activities ./activities
COPY workflows ./workflows
COPY devstack ./devstack
COPY cli ./cli
COPY worker.py starter.py temporal_client.py alembic.ini ./
COPY migrations ./migrations
RUN pip install .

RUN useradd --system --uid 10001 scanner
USER scanner

CMD ["python", "worker.py"]
