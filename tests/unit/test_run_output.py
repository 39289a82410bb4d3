"""Run folders left by interrupted runs: which are junk, which are runs."""

from __future__ import annotations

import logging

from samm_pipeline.run import check_output


def test_leftovers_are_told_apart(tmp_path, caplog):
    output = tmp_path / "run"
    partial = tmp_path / ".run.partial-abc"
    partial.mkdir()
    (partial / "INCOMPLETE").write_text("")
    (partial / "model.json").write_text("{}")
    replaced = tmp_path / ".run.replaced-def" / "run"
    replaced.mkdir(parents=True)
    (replaced / "model.json").write_text("{}")
    with caplog.at_level(logging.WARNING):
        check_output(output, overwrite=False)
    messages = [record.getMessage() for record in caplog.records]
    assert any(str(partial) in text and "safe to delete" in text for text in messages)
    assert any(
        str(replaced) in text
        and f"restore it with `mv '{replaced}' '{output}'`" in text
        for text in messages
    )
    assert len(messages) == 2
