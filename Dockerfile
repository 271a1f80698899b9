# Kling Playground: one app replica. `compose.yaml` runs two of them behind nginx with
# PostgreSQL; alone: docker build -t kling-playground . && docker run -p 8501:8501 \
#   -v playground-data:/data kling-playground        (Demo mode, SQLite in the volume)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MODELHUNTER_DATA_DIR=/data

# The app runs as an unprivileged user; its code stays root-owned (read-only to it).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first (pinned in requirements.txt), so code changes reuse this layer.
# Every package has a manylinux wheel (PyAV bundles FFmpeg, psycopg[binary] libpq).
COPY requirements.txt ./
RUN pip install -r requirements.txt

# Only the app: the entry script, its packages, the sample pictures and Streamlit's config
# (upload limit, headless, no tracebacks). Never secrets: .streamlit/secrets.toml is
# excluded by .dockerignore and mounted at run time instead.
COPY app.py ./
COPY .streamlit/config.toml .streamlit/config.toml
COPY app_pages/ app_pages/
COPY components/ components/
COPY playground/ playground/
COPY modelhunter/ modelhunter/
COPY fake_modelhunter/ fake_modelhunter/
COPY assets/ assets/

# Runs, ledgers (SQLite unless MODELHUNTER_DATABASE_URL is set), videos, images, posters,
# exports. Replicas must share it. An empty named volume takes this folder's owner and mode.
RUN mkdir -p /data && chown app:app /data && chmod 0700 /data
VOLUME ["/data"]

USER app
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

CMD ["python", "-m", "streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0", "--server.headless", "true"]
