"""The README's Python examples run as written (with a small crawl and feed supplied)."""

import re

import pytest

from conftest import ROOT, read_jsonl, SAMPLE


def readme_examples():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_has_the_four_examples():
    blocks = readme_examples()
    assert len(blocks) == 4
    assert "pandas" in blocks[0] and "dedup" in blocks[1]
    assert "add_if_new" in blocks[2] and "StoryStream" in blocks[3]


@pytest.mark.parametrize("index", range(4))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    block = readme_examples()[index]
    if "pandas" in block:
        pytest.importorskip("pandas")
    monkeypatch.chdir(ROOT)
    sample = read_jsonl(SAMPLE)
    env = {
        "neardup": __import__("neardup"),
        "crawl": lambda: [(r["id"], r["text"]) for r in sample],
        "articles": sample,
    }
    block = block.replace('"crawl.ndx"', repr(str(tmp_path / "crawl.ndx")))
    exec(compile(block, f"README.md example {index + 1}", "exec"), env)
    if index == 0:
        assert len(env["deduped"]) < len(env["df"])
    if index == 1:
        assert [r["id"] for r in env["kept"]] == [1, 3]
    if index == 2:
        assert "duplicates" in capsys.readouterr().out  # the sample has copies
        assert (tmp_path / "crawl.ndx").exists()
    if index == 3:
        out = capsys.readouterr().out
        assert "opens a story" in out and "joins" in out
