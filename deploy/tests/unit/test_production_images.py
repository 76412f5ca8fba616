"""Production fails closed: an image installs its deployable's packages, never the dev tools.

Each production image is `uv sync --no-dev --package <its package>` (deploy/Dockerfile), so what
it holds is that package's runtime closure in uv.lock. None of them may reach SecantusDB,
testcontainers, the test SMTP server, pytest or the local runner's own package.
"""

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# The packages production images are built from (deploy/Dockerfile's PACKAGE): the five
# services, the gateway, and the kit alone for the topology step.
PRODUCTION_PACKAGES = (
    "sportello-identity",
    "sportello-billing",
    "sportello-metering",
    "sportello-requests",
    "sportello-notifications",
    "sportello-gateway",
    "sportello-kit",
)
DEVELOPMENT_ONLY = ("secantusdb", "testcontainers", "docker", "aiosmtpd", "sportello-deploy")


def _development_only(names: set[str]) -> set[str]:
    return {n for n in names if n in DEVELOPMENT_ONLY or n.startswith("pytest")}


def _runtime_closure(lock: dict[str, list[dict]], package: str) -> set[str]:
    """Every package `package` needs at run time, per uv.lock: dependencies and the extras
    asked for, never dependency groups. Markers are ignored, so this is a superset."""
    packages = {p["name"]: p for p in lock["package"]}
    seen: set[str] = set()
    wanted: list[tuple[str, tuple[str, ...]]] = [(package, ())]
    while wanted:
        name, extras = wanted.pop()
        entry = packages[name]
        needs = list(entry.get("dependencies", []))
        for extra in extras:
            needs += entry.get("optional-dependencies", {}).get(extra, [])
        for need in needs:
            key = (need["name"], tuple(need.get("extra", ())))
            if key[0] not in seen or key[1]:
                seen.add(key[0])
                wanted.append(key)
    return seen


@pytest.mark.parametrize("package", PRODUCTION_PACKAGES)
def test_no_production_package_needs_a_development_tool_at_run_time(package: str) -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    closure = _runtime_closure(lock, package)
    assert "pydantic" in closure  # the walk does reach third-party packages
    assert _development_only(closure) == set()


def test_the_local_runner_is_where_the_development_tools_are() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    assert {"secantusdb", "testcontainers", "aiosmtpd"} <= _runtime_closure(
        lock, "sportello-deploy"
    )


def _uv() -> str | None:
    local = ROOT / ".tools" / "bin" / "uv"
    return str(local) if local.is_file() else shutil.which("uv")


EXPORT = ("export", "--frozen", "--no-dev", "--no-hashes", "--no-header", "--no-annotate")


def _exported_name(line: str) -> str:
    """`-e ./services/identity` is sportello-identity; `aio-pika==10.2.1 ; ...` is aio-pika."""
    if line.startswith("-e "):
        return "sportello-" + line.rstrip("/").rsplit("/", 1)[-1]
    return re.split(r"[=<>~!; \[]", line, maxsplit=1)[0].lower()


@pytest.mark.parametrize("package", PRODUCTION_PACKAGES)
def test_what_uv_would_install_for_a_production_image_holds_no_development_tool(
    package: str,
) -> None:
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed (./sportello test installs it in .tools)")
    exported = subprocess.run(
        [uv, *EXPORT, "--package", package],
        cwd=ROOT,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_OFFLINE": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {
        _exported_name(line)
        for line in exported.splitlines()
        if line[:1].isalnum() or line.startswith("-e ")
    }
    assert {package, "sportello-kit", "pydantic"} <= names
    assert _development_only(names) == set()


def test_the_image_installs_only_the_package_it_is_built_for() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    syncs = [line for line in dockerfile.replace("\\\n", " ").splitlines() if "uv sync" in line]
    assert len(syncs) == 2  # the dependencies' layer, then the packages themselves
    for sync in syncs:
        assert '--package "${PACKAGE}"' in sync
        assert "--no-dev" in sync
        assert "--frozen" in sync
    # And the build refuses a production image in which a development tool got anyway.
    assert "not for a production image" in dockerfile
