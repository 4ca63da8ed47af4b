"""The supported Pythons and the lock agree with pyproject.toml; make picks its interpreter."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
MAKEFILE = (REPO / "Makefile").read_text()
MAKE = shutil.which("make")


def makefile_pythons() -> list[str]:
    return re.search(r"^PYTHONS := (.+)$", MAKEFILE, re.MULTILINE).group(1).split()


def test_makefile_pythons_are_exactly_those_requires_python_allows():
    allowed = SpecifierSet(PYPROJECT["project"]["requires-python"])
    for minor in range(30):
        version = f"3.{minor}"
        in_bound = f"{version}.0" in allowed and f"{version}.99" in allowed
        assert (version in makefile_pythons()) == in_bound, version
    assert makefile_pythons() == sorted(makefile_pythons(), key=lambda v: -int(v.split(".")[1]))
    oldest = makefile_pythons()[-1]
    assert PYPROJECT["tool"]["ruff"]["target-version"] == "py" + oldest.replace(".", "")


def test_lock_holds_every_pin_of_pyproject_at_its_version():
    lock = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            assert str(requirement.specifier).startswith("=="), line
            lock[canonicalize_name(requirement.name)] = str(requirement.specifier)
    project = PYPROJECT["project"]
    pins = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        pins += extra
    assert canonicalize_name(project["name"]) not in lock
    for pin in map(Requirement, pins):
        assert lock.get(canonicalize_name(pin.name)) == str(pin.specifier), pin.name


# -- make's choice of interpreter, with stand-ins on PATH -------------------------------


def fake_python(path: Path, version: str | None) -> Path:
    """An interpreter called ``path.name`` that runs ``-c CODE`` as Python ``version`` would,
    or (``None``) a pyenv shim of an inactive version: it exists and does not run."""
    if version is None:
        body = 'echo "pyenv: ${0##*/}: command not found" >&2; exit 127'
    else:
        info = tuple(int(part) for part in version.split("."))
        pretend = (
            f"import sys, platform; sys.version_info = {info}; "
            f'platform.python_version = lambda: "{version}"; exec(sys.argv[1])'
        )
        body = f'exec "{sys.executable}" -c \'{pretend}\' "$2"'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def run_make(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    # a bare environment: no PYTHON, VENV or MAKEFLAGS of a make this test may run under
    env = {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path)}
    return subprocess.run(
        [MAKE, "-s", "-C", str(REPO), "python", f"VENV={tmp_path / 'venv'}", *args],
        env=env,
        capture_output=True,
        text=True,
    )


pytestmark = pytest.mark.skipif(MAKE is None, reason="needs make")


@pytest.mark.parametrize(
    ("version", "supported"),
    [("3.10.13", False), ("3.11.0", True), ("3.12.1", True), ("3.13.0", True), ("3.14.0", False)],
)
def test_a_new_venv_gets_the_first_candidate_whose_version_is_supported(
    tmp_path, version, supported
):
    bin_ = tmp_path / "bin"
    fake_python(bin_ / "python3.13", None)
    fake_python(bin_ / "python3.12", version)
    fake_python(bin_ / "python3.11", None)
    fake_python(bin_ / "python3", "3.11.7")
    result = run_make(tmp_path)
    assert result.returncode == 0, result.stderr
    chosen = ("python3.12", version) if supported else ("python3", "3.11.7")
    assert result.stdout == f"{tmp_path / 'venv'}: new, with {chosen[0]} (Python {chosen[1]})\n"


def test_newer_supported_python_is_preferred(tmp_path):
    fake_python(tmp_path / "bin" / "python3.13", "3.13.0")
    fake_python(tmp_path / "bin" / "python3.12", "3.12.1")
    fake_python(tmp_path / "bin" / "python3", "3.11.7")
    assert "with python3.13 (Python 3.13.0)" in run_make(tmp_path).stdout


def test_no_supported_python_is_one_line_naming_the_versions(tmp_path):
    fake_python(tmp_path / "bin" / "python3.13", None)
    fake_python(tmp_path / "bin" / "python3", "3.10.13")
    result = run_make(tmp_path)
    assert result.returncode != 0
    message = result.stderr.splitlines()[0]
    assert message.startswith("No supported Python found (tried python3.13 python3.12")
    assert "this project needs Python 3.11 to 3.13" in message


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("3.14.0", "PYTHON={python} is Python 3.14.0; this project needs Python 3.11 to 3.13"),
        (None, "PYTHON={python} does not run; this project needs Python 3.11 to 3.13"),
    ],
)
def test_a_given_python_is_checked_too(tmp_path, version, message):
    python = fake_python(tmp_path / "bin" / "python-x", version)
    fake_python(tmp_path / "bin" / "python3", "3.12.1")
    result = run_make(tmp_path, f"PYTHON={python}")
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == message.format(python=python)


def test_an_existing_venv_of_an_unsupported_python_is_refused_by_name(tmp_path):
    fake_python(tmp_path / "venv" / "bin" / "python", "3.10.13")
    result = run_make(tmp_path)
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        f"{tmp_path / 'venv'} was built with Python 3.10.13; this project needs Python 3.11"
        f" to 3.13: rm -rf {tmp_path / 'venv'}, then make again"
    )


def test_an_existing_venv_whose_python_is_gone_is_refused(tmp_path):
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").symlink_to(tmp_path / "removed" / "python3.12")
    result = run_make(tmp_path)
    assert result.returncode != 0
    assert "was built with Python that no longer runs" in result.stderr


def test_an_existing_supported_venv_is_kept_unless_python_names_another_version(tmp_path):
    fake_python(tmp_path / "venv" / "bin" / "python", "3.12.1")
    fake_python(tmp_path / "bin" / "python3.13", "3.13.0")  # preferred for a new venv only
    fake_python(tmp_path / "bin" / "python3.12", "3.12.7")
    kept = run_make(tmp_path)
    assert (kept.returncode, kept.stdout) == (0, f"{tmp_path / 'venv'}: Python 3.12.1\n")
    same = run_make(tmp_path, "PYTHON=python3.12")
    assert same.returncode == 0, same.stderr
    other = run_make(tmp_path, "PYTHON=python3.13")
    assert other.returncode != 0
    assert other.stderr.splitlines()[0] == (
        f"{tmp_path / 'venv'} has Python 3.12.1, PYTHON=python3.13 is 3.13.0: rm -rf"
        f" {tmp_path / 'venv'}, or name another venv (make VENV=.venv-3.13 ...)"
    )
