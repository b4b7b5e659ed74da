"""Shared fixtures of the Python package's tests: the bundled news sample and the CLI."""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "datasets" / "news" / "sample.jsonl"
GOLD = ROOT / "datasets" / "news" / "gold.jsonl"


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def sample():
    return read_jsonl(SAMPLE)


@pytest.fixture(scope="session")
def gold():
    return read_jsonl(GOLD)


@pytest.fixture(scope="session")
def cli():
    """Runs the neardup CLI (NEARDUP_CLI, set by ctest); skips when it is not built."""
    exe = os.environ.get("NEARDUP_CLI", "")
    if not exe or not os.path.exists(exe):
        pytest.skip("the neardup CLI is not built (NEARDUP_CLI)")

    def run(*args, stdin=None):
        p = subprocess.run(
            [exe, *map(str, args)],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert p.returncode == 0, p.stderr
        return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]

    return run
