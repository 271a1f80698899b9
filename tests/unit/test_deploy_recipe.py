"""The team deployment recipe (issue 16): Dockerfile, compose.yaml and deploy/.

Docker is not needed. The files are read and checked against the app: its imports (and every
page run from only the files the image copies), its settings, Streamlit's upload limit. nginx
checks deploy/nginx.conf (`nginx -t`) and runs it in front of stand-in replicas and a real
Streamlit server; those tests need the Debian package `nginx` and fail, never skip, without it.

compose.yaml is read by `read_yaml`, a strict reader of the YAML the file uses (PyYAML is
not a dependency of the app); it refuses anything else rather than guess, and agrees with
PyYAML where that is installed.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import copy
import fnmatch
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from playground.settings import Settings
from tests.waiting import until_up

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX_CONF = DEPLOY / "nginx.conf"
APP_SERVICES = ("app1", "app2")
APP_PORT = 8501
# Headers an SSO proxy is commonly trusted for: the proxy must never pass a browser's copy on.
IDENTITY_HEADERS = ("X-Forwarded-Email", "X-Forwarded-User", "X-Auth-Request-Email", "Remote-User")
ENV_NAME = re.compile(r"\bMODELHUNTER_[A-Z0-9_]*[A-Z0-9]\b")


# ------------------------------------------------------------------------------------------
# A strict reader for the YAML compose.yaml is written in


class YamlSubsetError(ValueError):
    """compose.yaml uses YAML this reader does not understand (or that is ambiguous)."""


_BOOLS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_NULLS = {"", "~", "null"}


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == 0 or line[i - 1] in " -:["):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] == " "):
            return line[:i]
    return line


class _YamlReader:
    """Block mappings and sequences, plain and quoted scalars, JSON-style flow sequences,
    comments, anchors, aliases and `<<` merge keys. Everything else raises."""

    def __init__(self, text: str) -> None:
        self.lines: list[tuple[int, str, int]] = []
        for number, raw in enumerate(text.splitlines(), 1):
            content = _strip_comment(raw).rstrip()
            if not content.strip():
                continue
            if "\t" in content[: len(content) - len(content.lstrip())]:
                raise YamlSubsetError(f"line {number}: tab in indentation")
            if content.strip() in ("---", "...") or content.startswith("%"):
                raise YamlSubsetError(f"line {number}: documents and directives unsupported")
            self.lines.append((len(content) - len(content.lstrip(" ")), content.strip(), number))
        self.anchors: dict[str, Any] = {}
        self.at = 0

    def read(self) -> Any:
        if not self.lines:
            return None
        value = self._block(self.lines[0][0])
        if self.at != len(self.lines):
            raise YamlSubsetError(f"line {self.lines[self.at][2]}: unexpected indentation")
        return value

    def _block(self, indent: int) -> Any:
        text = self.lines[self.at][1]
        if text == "-" or text.startswith("- "):
            return self._sequence(indent)
        return self._mapping(indent)

    def _nested(self, indent: int, in_mapping: bool) -> Any:
        if self.at >= len(self.lines):
            return None
        next_indent, text, _ = self.lines[self.at]
        if next_indent > indent:
            return self._block(next_indent)
        if in_mapping and next_indent == indent and (text == "-" or text.startswith("- ")):
            return self._sequence(indent)
        return None

    def _sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        while self.at < len(self.lines):
            line_indent, text, number = self.lines[self.at]
            if line_indent != indent or not (text == "-" or text.startswith("- ")):
                break
            rest = text[1:].strip()
            self.at += 1
            if not rest:
                items.append(self._nested(indent, in_mapping=False))
            elif re.match(r"^[^\s\"'\[{]+:(\s|$)", rest):
                raise YamlSubsetError(f"line {number}: mappings inside '- ' items unsupported")
            else:
                items.append(self._scalar(rest, number))
        return items

    def _mapping(self, indent: int) -> dict[str, Any]:
        explicit: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        while self.at < len(self.lines):
            line_indent, text, number = self.lines[self.at]
            if line_indent < indent:
                break
            if line_indent > indent:
                raise YamlSubsetError(f"line {number}: unexpected indentation")
            if text == "-" or text.startswith("- "):
                break
            match = re.match(r"^([A-Za-z0-9_.<-][A-Za-z0-9_.<-]*):(?:\s+(.*))?$", text)
            if not match:
                raise YamlSubsetError(f"line {number}: not a 'key: value' line: {text!r}")
            key, rest = match.group(1), (match.group(2) or "").strip()
            self.at += 1
            anchor = None
            if rest.startswith("&"):
                anchor, _, rest = rest[1:].partition(" ")
                rest = rest.strip()
            value = (
                self._nested(indent, in_mapping=True) if not rest else self._scalar(rest, number)
            )
            if anchor:
                self.anchors[anchor] = copy.deepcopy(value)
            if key == "<<":
                if not isinstance(value, dict):
                    raise YamlSubsetError(f"line {number}: '<<' needs a mapping alias")
                merged.update(value)
            elif key in explicit:
                raise YamlSubsetError(f"line {number}: duplicate key {key!r}")
            else:
                explicit[key] = value
        return {**merged, **explicit}

    def _scalar(self, text: str, number: int) -> Any:
        if text.startswith("*"):
            name = text[1:]
            if name not in self.anchors:
                raise YamlSubsetError(f"line {number}: unknown alias {name!r}")
            return copy.deepcopy(self.anchors[name])
        if text.startswith('"'):
            if len(text) < 2 or not text.endswith('"'):
                raise YamlSubsetError(f"line {number}: unterminated string")
            return json.loads(text)
        if text.startswith("'"):
            if len(text) < 2 or not text.endswith("'"):
                raise YamlSubsetError(f"line {number}: unterminated string")
            return text[1:-1].replace("''", "'")
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise YamlSubsetError(f"line {number}: flow sequences must be JSON") from exc
        if text[0] in "{|>!%@`&":
            raise YamlSubsetError(f"line {number}: unsupported YAML: {text!r}")
        if re.fullmatch(r"\d+(:[0-5]?\d)+", text):  # YAML 1.1 reads 8080:80 as base 60
            raise YamlSubsetError(f"line {number}: quote {text!r}")
        lowered = text.lower()
        if lowered in _NULLS:
            return None
        if lowered in _BOOLS:
            return _BOOLS[lowered]
        if re.fullmatch(r"[-+]?\d+", text):
            return int(text)
        if re.fullmatch(r"[-+]?\d+\.\d*", text):
            return float(text)
        return text


def read_yaml(text: str) -> Any:
    return _YamlReader(text).read()


def interpolate(value: str) -> str:
    """Compose's `${VAR:-default}` / `${VAR}` with an empty environment."""

    def one(match: re.Match[str]) -> str:
        if match.group(2) is None:
            raise AssertionError(f"{match.group(0)} has no default: compose up would need it")
        return match.group(2)

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}", one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc = read_yaml((ROOT / "compose.yaml").read_text())
    assert isinstance(doc, dict)
    return doc


def test_the_yaml_reader_is_strict_and_agrees_with_pyyaml(compose: dict[str, Any]) -> None:
    for bad in ("a: |\n  x\n", "a: {b: 1}\n", "ports:\n  - 22:22\n", "a: 1\na: 2\n", "- a: 1\n"):
        with pytest.raises(YamlSubsetError):
            read_yaml(bad)
    sample = "x: &b\n  k: 1\n  j: 2\ny:\n  <<: *b\n  j: 3\nl:\n- '1'\n- \"2\"\n- 3\n"
    merged = read_yaml(sample)
    assert merged == {"x": {"k": 1, "j": 2}, "y": {"k": 1, "j": 3}, "l": ["1", "2", 3]}
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return
    assert yaml.safe_load(sample) == merged
    assert yaml.safe_load((ROOT / "compose.yaml").read_text()) == compose


# ------------------------------------------------------------------------------------------
# compose.yaml


def _named_volume_mounts(service: dict[str, Any]) -> dict[str, str]:
    """target -> named volume of a service's short-syntax volume mounts."""
    mounts = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        if not source.startswith((".", "/", "~")):
            mounts[target] = source
    return mounts


def _bind_mounts(service: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """target -> (host path, read-only) of a service's bind mounts."""
    mounts = {}
    for entry in service.get("volumes", []):
        parts = entry.split(":")
        if parts[0].startswith((".", "/", "~")):
            mounts[parts[1]] = (parts[0], "ro" in parts[2:])
    return mounts


def test_compose_has_a_database_two_replicas_and_a_proxy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"db", *APP_SERVICES, "proxy"} <= set(services)
    declared_volumes = set(compose.get("volumes") or {})

    db = services["db"]
    assert str(db["image"]).startswith("postgres:15")
    assert "test" in db["healthcheck"] and db["healthcheck"]["test"]
    assert _named_volume_mounts(db).get("/var/lib/postgresql/data") in declared_volumes

    proxy = services["proxy"]
    assert str(proxy["image"]).startswith("nginx")
    published = {str(p).split(":")[0]: str(p).split(":")[-1] for p in proxy["ports"]}
    assert "8080" in published, "the proxy publishes port 8080"
    assert _bind_mounts(proxy)["/etc/nginx/nginx.conf"] == ("./deploy/nginx.conf", True)
    listen = _nginx_directives(_nginx_server(parse_nginx(NGINX_CONF.read_text())), "listen")
    assert [published["8080"]] in [d.args[:1] for d in listen], "8080 maps to nginx's listen"
    assert set(APP_SERVICES) <= set(proxy["depends_on"])


def test_the_replicas_share_one_database_and_one_media_volume(compose: dict[str, Any]) -> None:
    services = compose["services"]
    apps = [services[name] for name in APP_SERVICES]
    first = apps[0]
    for app in apps:
        assert app == first, "the replicas differ: same image, environment and volumes"
        assert "ports" not in app, "only the proxy is reachable (it strips identity headers)"
        assert str(APP_PORT) in [str(p) for p in app["expose"]]
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
    env = first["environment"]

    url = urlsplit(interpolate(env["MODELHUNTER_DATABASE_URL"]))
    db_env = {k: interpolate(str(v)) for k, v in services["db"]["environment"].items()}
    assert url.scheme == "postgresql+psycopg", "psycopg 3 is the driver in requirements.txt"
    assert (url.hostname, url.port) == ("db", 5432)
    assert (url.username, url.password) == (db_env["POSTGRES_USER"], db_env["POSTGRES_PASSWORD"])
    assert url.path == "/" + db_env["POSTGRES_DB"]

    data_dir = env["MODELHUNTER_DATA_DIR"]
    volume = _named_volume_mounts(first).get(data_dir)
    assert volume in set(compose["volumes"]), "the data dir is a named volume, shared"
    assert data_dir == _dockerfile_env()["MODELHUNTER_DATA_DIR"]


def test_secrets_toml_is_mounted_read_only_and_found_by_streamlit(
    compose: dict[str, Any],
) -> None:
    app = compose["services"][APP_SERVICES[0]]
    secrets_files = app["environment"]["STREAMLIT_SECRETS_FILES"].split()
    mounts = _bind_mounts(app)
    for path in secrets_files:
        folder, name = path.rsplit("/", 1)
        host, read_only = mounts[folder]
        assert read_only
        assert (ROOT / host / name) == DEPLOY / "secrets.toml"
    ignored = subprocess.run(["git", "check-ignore", "-q", "deploy/secrets.toml"], cwd=ROOT)
    assert ignored.returncode == 0, "deploy/secrets.toml must be gitignored"


def test_every_modelhunter_variable_named_in_the_recipe_is_a_setting(
    compose: dict[str, Any],
) -> None:
    fields = set(Settings.model_fields)
    texts = {
        path.relative_to(ROOT): path.read_text()
        for path in [
            ROOT / "compose.yaml",
            ROOT / "Dockerfile",
            NGINX_CONF,
            DEPLOY / "secrets.example.toml",
            *sorted(DEPLOY.glob("*.md")),
        ]
    }
    named = {(name, str(path)) for path, text in texts.items() for name in ENV_NAME.findall(text)}
    for name in compose["services"]["app1"]["environment"]:
        if name.startswith("MODELHUNTER_"):
            named.add((name, "compose.yaml environment"))
    unknown = sorted(
        f"{name} ({where})"
        for name, where in named
        if name.removeprefix("MODELHUNTER_").lower() not in fields
    )
    assert not unknown, f"not in playground.settings.Settings: {unknown}"


def test_the_secrets_example_has_placeholders_for_auth_and_settings(
    compose: dict[str, Any],
) -> None:
    example = tomllib.loads((DEPLOY / "secrets.example.toml").read_text())
    auth = example["auth"]
    for key in ("redirect_uri", "cookie_secret", "client_id", "client_secret"):
        assert key in auth
    assert auth["server_metadata_url"].endswith("/.well-known/openid-configuration")
    for key in ("cookie_secret", "client_id", "client_secret"):
        assert "REPLACE" in auth[key], f"[auth] {key} must be a placeholder, not a secret"
    redirect = urlsplit(auth["redirect_uri"])
    assert redirect.path == "/oauth2callback"
    published = [str(p).split(":")[0] for p in compose["services"]["proxy"]["ports"]]
    assert str(redirect.port) in published, "the redirect URI is the proxy's address"
    settings = {k: v for k, v in example.items() if k.startswith("MODELHUNTER_")}
    assert settings
    assert all(isinstance(v, str) for v in settings.values()), "the app reads strings"
    Settings.load(settings)  # values the settings accept


# ------------------------------------------------------------------------------------------
# Dockerfile and .dockerignore


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def _dockerfile_env() -> dict[str, str]:
    env = {}
    for instruction, args in _dockerfile():
        if instruction == "ENV":
            env.update(dict(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", args)))
    return env


def _dockerfile_copies() -> set[str]:
    sources = set()
    for instruction, args in _dockerfile():
        if instruction in ("COPY", "ADD"):
            assert not args.startswith("--from"), "single-stage build expected"
            parts = [p for p in args.split() if not p.startswith("--")]
            sources.update(p.rstrip("/") for p in parts[:-1])
    return sources


def _local_packages_the_app_imports() -> set[str]:
    """Top-level folders/modules of this repo reached from app.py (its pages included)."""

    def local(name: str) -> str | None:
        top = name.split(".")[0]
        if (ROOT / top / "__init__.py").exists() or (ROOT / f"{top}.py").exists():
            return top
        return None

    todo, seen, tops = [ROOT / "app.py"], set(), set()
    pages = _pages()  # st.Page("app_pages/x.py", …): run by path, not imported
    assert pages, "no st.Page found in app.py"
    for page in pages:
        todo.append(ROOT / page)
        tops.add(Path(page).parts[0])
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = local(name)
                if top and top not in tops:
                    tops.add(top)
                    package = ROOT / top
                    todo.extend(package.rglob("*.py") if package.is_dir() else [ROOT / f"{top}.py"])
    return tops


def test_the_image_copies_every_package_the_app_imports() -> None:
    copies = _dockerfile_copies()
    needed = _local_packages_the_app_imports()
    assert {"app_pages", "components", "playground", "modelhunter", "fake_modelhunter"} <= needed
    for top in needed:
        assert top in copies or f"{top}.py" in copies, f"the image lacks {top}"
    # data the code reads from disk, and Streamlit's config (upload limit, headless, no traces)
    assert {"app.py", "assets", ".streamlit/config.toml", "requirements.txt"} <= copies
    assert "." not in copies, "copy only the app, not the whole folder"
    for source in copies:
        assert (ROOT / source).exists(), f"COPY {source}: no such file or folder"


_RUN_EVERY_PAGE = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=120)
# signed in as an admin (sign-in by [auth]), so the admins' Team page is there too
at.secrets["auth"] = {"client_id": "image-check", "server_metadata_url": "http://127.0.0.1:1/"}
at.user = {"is_logged_in": True, "email": "admin@example.com", "name": "Admin"}
at.run()
failures = {}
for page in json.loads(sys.argv[1]):
    at.switch_page(page)
    at.run()
    if at.exception:
        failures[page] = [e.value for e in at.exception]
print(json.dumps(failures))
"""


def _pages() -> list[str]:
    """The page scripts app.py's st.navigation runs (by path: they are not imported)."""
    pages = []
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            assert isinstance(node.args[0], ast.Constant), "page paths are literals"
            pages.append(node.args[0].value)
    return pages


def test_the_app_runs_from_the_images_files_alone(tmp_path: Path) -> None:
    """Every page of app.py, run (AppTest, Demo mode) from a folder holding only what the
    Dockerfile copies: a file the code needs but the image lacks shows here."""
    app = tmp_path / "app"
    for source in _dockerfile_copies() - {"requirements.txt"}:
        target = app / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / source, target)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELHUNTER_", "PYTHON"))}
    env |= {"MODELHUNTER_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    env["MODELHUNTER_ADMIN_EMAILS"] = "admin@example.com"
    result = subprocess.run(
        [sys.executable, "-c", _RUN_EVERY_PAGE, json.dumps(_pages())],
        cwd=app,  # imports resolve here (sys.path[0]), not in the repository
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}


def test_the_dockerignore_keeps_secrets_and_clutter_out_but_not_the_app() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith("!")
    ]

    def ignored(path: str) -> bool:
        parts = Path(path).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(
            fnmatch.fnmatch(prefix, pattern)
            or (pattern.startswith("**/") and fnmatch.fnmatch(Path(prefix).name, pattern[3:]))
            for prefix in prefixes
            for pattern in patterns
        )

    for path in (".venv", "data", ".git", "test-artifacts", ".streamlit/secrets.toml"):
        assert ignored(path), f".dockerignore must exclude {path}"
    for source in _dockerfile_copies():
        assert not ignored(source), f".dockerignore excludes {source}, which the image copies"


def test_the_dockerfile_runs_the_app_as_a_user_with_a_health_check_and_a_volume() -> None:
    steps = _dockerfile()
    instructions = [instruction for instruction, _ in steps]
    args = dict(reversed(steps))  # the first of each instruction
    assert args["FROM"].split()[0] == "python:3.11-slim"
    users = [a for i, a in steps if i == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "runs as a non-root user"
    assert instructions.index("USER") < instructions.index("CMD")
    runs = " ".join(a for i, a in steps if i == "RUN")
    assert re.search(r"pip install (-\S+ )*-r requirements\.txt", runs)
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][^\s;]*", line), f"unpinned: {line}"

    data_dir = _dockerfile_env()["MODELHUNTER_DATA_DIR"]
    volumes = [json.loads(a) if a.startswith("[") else a.split() for i, a in steps if i == "VOLUME"]
    assert any(data_dir in v for v in volumes), "the data dir is a VOLUME"

    cmd = json.loads(dict(steps)["CMD"])
    assert cmd[:5] == ["python", "-m", "streamlit", "run", "app.py"]
    options = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert options["--server.port"] == str(APP_PORT)
    assert options["--server.address"] == "0.0.0.0"
    assert options["--server.headless"] == "true"
    health = args["HEALTHCHECK"]
    assert f"127.0.0.1:{APP_PORT}/_stcore/health" in health
    assert "curl" not in health and "wget" not in health, "the slim image has neither"


# ------------------------------------------------------------------------------------------
# deploy/nginx.conf, read


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None


def parse_nginx(text: str) -> list[Directive]:
    tokens = re.findall(r"#[^\n]*|\"(?:\\.|[^\"])*\"|'(?:\\.|[^'])*'|[{};]|[^\s{};\"'#]+", text)
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for token in tokens:
        if token.startswith("#"):
            continue
        if token == ";":
            stack[-1].append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            block: list[Directive] = []
            stack[-1].append(Directive(words[0], words[1:], block))
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"missing ';' before '}}' after {words}"
            stack.pop()
        else:
            words.append(token[1:-1] if token[0] in "\"'" else token)
    assert len(stack) == 1 and not words, "unbalanced braces"
    return stack[0]


def _nginx_directives(block: list[Directive], name: str) -> list[Directive]:
    return [d for d in block if d.name == name]


def _nginx_one(block: list[Directive], name: str, *args: str) -> Directive:
    found = [d for d in _nginx_directives(block, name) if d.args[: len(args)] == list(args)]
    assert len(found) == 1, f"expected one {name} {' '.join(args)}, found {len(found)}"
    return found[0]


def _nginx_server(conf: list[Directive]) -> list[Directive]:
    http_block = _nginx_one(conf, "http").block
    assert http_block is not None
    block = _nginx_one(http_block, "server").block
    assert block is not None
    return block


def _location(server: list[Directive], path: str) -> list[Directive]:
    """The location block nginx picks for `path` (exact, else longest prefix; no regexes)."""
    locations = _nginx_directives(server, "location")
    assert all(d.args[0] in ("=", "/") or d.args[0].startswith("/") for d in locations)
    for d in locations:
        if d.args[0] == "=" and d.args[1] == path:
            assert d.block is not None
            return d.block
    prefixes = [d for d in locations if d.args[0] != "=" and path.startswith(d.args[0])]
    best = max(prefixes, key=lambda d: len(d.args[0]))
    assert best.block is not None
    return best.block


def _effective(contexts: list[list[Directive]], name: str) -> list[Directive]:
    """nginx's inheritance: the innermost context that has `name` at all wins, entirely."""
    for block in reversed(contexts):
        found = _nginx_directives(block, name)
        if found:
            return found
    return []


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value).groups()  # type: ignore[union-attr]
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit or "s"]


def _sso_variant(text: str) -> str:
    """deploy/nginx.conf with its commented oauth2-proxy block switched on."""
    return re.sub(r"(?m)^(\s*)#sso ?", r"\1", text)


@pytest.fixture(scope="module")
def nginx_conf() -> list[Directive]:
    return parse_nginx(NGINX_CONF.read_text())


def test_nginx_proxies_to_both_replicas_with_cookie_stickiness(
    nginx_conf: list[Directive],
) -> None:
    http_block = _nginx_one(nginx_conf, "http").block
    assert http_block is not None
    upstream = _nginx_one(http_block, "upstream").block
    assert upstream is not None
    servers = {d.args[0] for d in _nginx_directives(upstream, "server")}
    assert servers == {f"{name}:{APP_PORT}" for name in APP_SERVICES}
    hash_directive = _nginx_one(upstream, "hash")
    assert hash_directive.args[1:] == ["consistent"]

    # the hash key is a map of a cookie, and the proxy itself sets that cookie when missing
    key_map = _nginx_one(http_block, "map", "$cookie_kp_replica", hash_directive.args[0])
    assert key_map.block is not None
    entries = {d.name: d.args for d in key_map.block}
    assert entries[""] == ["$request_id"] and entries["default"] == ["$cookie_kp_replica"]
    server = _nginx_server(nginx_conf)
    for path in ("/", "/_stcore/stream", "/_stcore/upload_file/s/f", "/media/x.mp4"):
        headers = _effective([http_block, server, _location(server, path)], "add_header")
        (set_cookie,) = [d for d in headers if d.args[0].lower() == "set-cookie"]
        cookie_map = _nginx_one(http_block, "map", "$cookie_kp_replica", set_cookie.args[1])
        assert cookie_map.block is not None
        values = {d.name: d.args for d in cookie_map.block}
        assert values[""][0].startswith("kp_replica=$request_id;")
        assert values["default"] == [""], "set only when the browser has none"


def test_nginx_upgrades_the_websocket_and_keeps_it_open(nginx_conf: list[Directive]) -> None:
    http_block = _nginx_one(nginx_conf, "http").block
    assert http_block is not None
    server = _nginx_server(nginx_conf)
    stream = [http_block, server, _location(server, "/_stcore/stream")]
    assert [d.args for d in _effective(stream, "proxy_pass")] == [["http://playground"]]
    assert [d.args for d in _effective(stream, "proxy_http_version")] == [["1.1"]]
    headers = {d.args[0].lower(): d.args[1] for d in _effective(stream, "proxy_set_header")}
    assert headers["upgrade"] == "$http_upgrade"
    upgrade_map = _nginx_one(http_block, "map", "$http_upgrade", headers["connection"]).block
    assert upgrade_map is not None
    assert {d.name: d.args for d in upgrade_map}["default"] == ["upgrade"]
    (timeout,) = _effective(stream, "proxy_read_timeout")
    assert _seconds(timeout.args[0]) >= 3600


@pytest.mark.parametrize("variant", ["plain", "sso"])
def test_nginx_passes_host_and_never_a_browsers_identity_header(variant: str) -> None:
    text = NGINX_CONF.read_text()
    conf = parse_nginx(_sso_variant(text) if variant == "sso" else text)
    http_block = _nginx_one(conf, "http").block
    assert http_block is not None
    server = _nginx_server(conf)
    cleared = {d.args[0] for d in _nginx_directives(server, "set") if d.args[1:] == [""]}
    from_sso = {d.args[0] for d in _nginx_directives(server, "auth_request_set")}
    for location in _nginx_directives(server, "location"):
        assert location.block is not None
        if not any(
            d.args == ["http://playground"] for d in location.block if d.name == "proxy_pass"
        ):
            continue  # e.g. /oauth2/: to the SSO proxy, not the app
        chain = [http_block, server, location.block]
        headers = {d.args[0].lower(): d.args[1] for d in _effective(chain, "proxy_set_header")}
        assert headers["host"] == "$http_host", "Streamlit compares Origin with Host:port"
        for name in IDENTITY_HEADERS:
            value = headers.get(name.lower())
            assert value is not None, f"{location.args}: a browser's {name} would pass"
            assert value == "" or value in cleared, f"{location.args}: {name} = {value}"
            if variant == "sso" and name == "X-Forwarded-Email":
                assert value in from_sso
    if variant == "sso":
        assert _nginx_one(server, "auth_request").args == ["/oauth2/auth"]


def test_nginx_takes_uploads_as_large_as_streamlit(nginx_conf: list[Directive]) -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    max_upload_mb = config["server"]["maxUploadSize"]  # MB of 1,000,000 bytes
    (limit,) = _effective([_nginx_server(nginx_conf)], "client_max_body_size")
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", limit.args[0]).groups()  # type: ignore[union-attr]
    limit_bytes = int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
    assert limit_bytes >= max_upload_mb * 1_000_000 + 64 * 1024  # the multipart envelope too


# ------------------------------------------------------------------------------------------
# deploy/nginx.conf, run by a real nginx (which must be installed)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def nginx_bin() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        pytest.fail(
            "nginx is not installed, so deploy/nginx.conf cannot be checked for real. "
            "Install it: apt-get install -y nginx (Debian)."
        )
    return found


@dataclass
class Nginx:
    url: str
    port: int


@contextlib.contextmanager
def run_nginx(
    nginx: str, text: str, upstreams: dict[str, int], check_only: bool = False
) -> Iterator[Nginx]:
    """deploy/nginx.conf (or a variant) on a loopback port with `upstreams` (host -> port)."""
    # Not under pytest's 0700 tmp_path: nginx's workers (nobody, when root runs this) write
    # request bodies to its temp folders.
    folder = Path(tempfile.mkdtemp(prefix="nginx-recipe-"))
    folder.chmod(0o755)
    port = _free_port()
    for host, target in upstreams.items():
        text = re.sub(rf"\b{re.escape(host)}:\d+", f"127.0.0.1:{target}", text)
    text = re.sub(r"(?m)^(\s*)listen 80;", rf"\1listen 127.0.0.1:{port};", text)
    assert f"127.0.0.1:{port}" in text
    temp = "".join(
        f"\n    {kind}_temp_path {folder}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = re.sub(r"(?m)^http \{", "http {" + temp, text, count=1)
    conf = folder / "nginx.conf"
    conf.write_text(text)
    command = [nginx, "-p", str(folder), "-e", "stderr", "-c", str(conf)]
    command += ["-g", f"pid {folder}/nginx.pid;" + ("" if check_only else " daemon off;")]
    try:
        if check_only:
            result = subprocess.run(
                [*command, "-t"], capture_output=True, text=True, timeout=30, check=False
            )
            assert result.returncode == 0, result.stderr
            yield Nginx(f"http://127.0.0.1:{port}", port)
            return
        log = folder / "nginx.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=out)
        try:

            def listening() -> bool:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), 0.2),
                ):
                    return True
                return False

            try:
                assert until_up(listening, proc, 15), log.read_text()
            except TimeoutError:
                raise AssertionError("nginx did not start: " + log.read_text()) from None
            yield Nginx(f"http://127.0.0.1:{port}", port)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _Echo(http.server.BaseHTTPRequestHandler):
    """A stand-in replica: answers with its name and the headers it was sent."""

    protocol_version = "HTTP/1.1"
    name = "?"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        remaining = length
        while remaining:
            remaining -= len(self.rfile.read(min(remaining, 1 << 20)))
        body = json.dumps(
            {"backend": self.name, "headers": dict(self.headers.items()), "received": length}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


class _FakeOauth2Proxy(http.server.BaseHTTPRequestHandler):
    """oauth2-proxy's side of nginx's auth_request: 202 and who it is, or 401."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/oauth2/auth"):
            if "_oauth2_proxy=signed-in" in (self.headers.get("Cookie") or ""):
                self.send_response(202)
                self.send_header("X-Auth-Request-Email", "alice@example.com")
                self.send_header("X-Auth-Request-User", "alice")
            else:
                self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"sign in with your company account"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(handler: type[http.server.BaseHTTPRequestHandler], **attrs: Any) -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (handler,), attrs))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("variant", ["plain", "sso"])
def test_nginx_accepts_the_config(nginx_bin: str, variant: str) -> None:
    text = NGINX_CONF.read_text()
    text = _sso_variant(text) if variant == "sso" else text
    ports = {"app1": _free_port(), "app2": _free_port(), "oauth2-proxy": _free_port()}
    with run_nginx(nginx_bin, text, ports, check_only=True):
        pass


def test_nginx_live_sticky_sessions_identity_headers_and_uploads(nginx_bin: str) -> None:
    with (
        serve(_Echo, name="app1") as app1,
        serve(_Echo, name="app2") as app2,
        run_nginx(nginx_bin, NGINX_CONF.read_text(), {"app1": app1, "app2": app2}) as nginx,
    ):
        first_replicas = set()
        for _ in range(24):  # a browser's first request, then its session's requests
            with httpx.Client(base_url=nginx.url, timeout=10) as browser:
                first = browser.get("/")
                cookie = first.cookies.get("kp_replica")
                assert cookie, "the proxy sets its stickiness cookie on the first answer"
                replica = first.json()["backend"]
                first_replicas.add(replica)
                for path in ("/_stcore/stream", "/_stcore/upload_file/s/f", "/media/a.mp4"):
                    later = browser.get(path)
                    assert later.json()["backend"] == replica, "a session changed replica"
                    assert "kp_replica" not in later.headers.get("set-cookie", "")
        assert first_replicas == {"app1", "app2"}, "both replicas take sessions"

        forged = {name: "mallory@example.com" for name in IDENTITY_HEADERS}
        for path in ("/", "/_stcore/stream"):
            seen = httpx.get(nginx.url + path, headers=forged, timeout=10).json()["headers"]
            lowered = {k.lower(): v for k, v in seen.items()}
            assert not {name.lower() for name in IDENTITY_HEADERS} & set(lowered), path
            assert lowered["host"] == f"127.0.0.1:{nginx.port}", "Host keeps the port"

        # as large as Streamlit's upload box takes (60 MB) plus the multipart envelope
        size = 60_000_000 + 64 * 1024
        chunk = b"\0" * (1 << 20)

        def body() -> Iterator[bytes]:
            left = size
            while left:
                yield chunk[: min(left, len(chunk))]
                left -= min(left, len(chunk))

        put = httpx.put(
            nginx.url + "/_stcore/upload_file/s/f",
            content=body(),
            headers={"Content-Length": str(size)},
            timeout=60,
        )
        assert put.status_code == 200 and put.json()["received"] == size
        with socket.create_connection(("127.0.0.1", nginx.port), 10) as raw:
            raw.sendall(
                b"PUT /_stcore/upload_file/s/f HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 100000000\r\n\r\n"
            )
            assert raw.recv(64).startswith(b"HTTP/1.1 413"), "beyond the limit: refused"


def test_nginx_live_sso_variant_sends_the_sso_identity_only(nginx_bin: str) -> None:
    with (
        serve(_Echo, name="app1") as app1,
        serve(_FakeOauth2Proxy) as sso,
        run_nginx(
            nginx_bin,
            _sso_variant(NGINX_CONF.read_text()),
            {"app1": app1, "app2": app1, "oauth2-proxy": sso},
        ) as nginx,
    ):
        stranger = httpx.get(nginx.url + "/", timeout=10)
        assert stranger.status_code == 403 and "sign in" in stranger.text
        assert httpx.get(nginx.url + "/oauth2/auth", timeout=10).status_code == 404
        forged = {"X-Forwarded-Email": "mallory@example.com", "X-Forwarded-User": "mallory"}
        cookies = {"_oauth2_proxy": "signed-in"}
        for path in ("/", "/_stcore/stream"):
            seen = httpx.get(nginx.url + path, headers=forged, cookies=cookies, timeout=10)
            lowered = {k.lower(): v for k, v in seen.json()["headers"].items()}
            assert lowered["x-forwarded-email"] == "alice@example.com", path
            assert lowered["x-forwarded-user"] == "alice", path


def _websocket_handshake(port: int, host: str, origin: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}\r\nOrigin: {origin}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), 10) as raw:
        raw.settimeout(10)
        raw.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            part = raw.recv(4096)
            if not part:
                break
            answer += part
    return answer


def test_nginx_live_websocket_to_a_real_streamlit(nginx_bin: str, tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text("import streamlit as st\nst.write('hello')\n")
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("wb")
    command = [sys.executable, "-m", "streamlit", "run", "hello.py"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def healthy() -> bool:
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).text == "ok"
            return False

        assert until_up(healthy, proc, 60, pause_s=0.2), "streamlit did not start"
        upstreams = {"app1": port, "app2": port}
        with run_nginx(nginx_bin, NGINX_CONF.read_text(), upstreams) as nginx:
            health = httpx.get(nginx.url + "/_stcore/health", timeout=10)
            assert health.text == "ok" and "kp_replica=" in health.headers["set-cookie"]
            # A name, not a loopback address: Streamlit lets any loopback origin in, so only
            # here does the same-origin check (Origin == Host, port included) decide.
            here = f"playground.example:{nginx.port}"
            answer = _websocket_handshake(nginx.port, here, f"http://{here}")
            assert answer.startswith(b"HTTP/1.1 101"), answer[:300]
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
