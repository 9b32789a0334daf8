"""as_dataframe=True and to_dataframe(): the rows each result hands to pandas, and the error when
pandas is not installed (it is not on the build machines; a stand-in module records the rows)."""
import sys
import types

import pytest

import llmsizer

ESTIMATE = dict(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, isl=1000, osl=100)


@pytest.fixture
def fake_pandas(monkeypatch):
    module = types.ModuleType("pandas")

    class DataFrame:
        def __init__(self, rows):
            self.rows = rows

    module.DataFrame = DataFrame
    monkeypatch.setitem(sys.modules, "pandas", module)
    return module


@pytest.fixture
def no_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` then raises ImportError


def test_without_pandas_the_error_says_what_to_install(no_pandas):
    with pytest.raises(ImportError, match=r"need pandas, which is not installed \(Debian: apt-get install "
                                          r"python3-pandas\)"):
        llmsizer.estimate(as_dataframe=True, **ESTIMATE)
    with pytest.raises(ImportError, match="need pandas"):
        llmsizer.to_dataframe([{"a": 1}])
    assert llmsizer.estimate(**ESTIMATE)["gpus"] == 8  # the plain result needs nothing


def test_each_result_gives_its_rows(fake_pandas):
    assert llmsizer.estimate(as_dataframe=True, **ESTIMATE).rows == [llmsizer.estimate(**ESTIMATE)]
    fit = dict(model="glm-4.5", gpu="h20")
    assert llmsizer.fit(as_dataframe=True, **fit).rows == llmsizer.fit(**fit)
    sweep = dict(model="llama-3.1-8b", gpu="h100-sxm", isl=1000, osl=200, max_gpus=2, concurrency=[1, 8])
    assert llmsizer.sweep(as_dataframe=True, **sweep).rows == llmsizer.sweep(**sweep)["frontier"]
    plan = dict(model="deepseek-r1", gpu=["h20", "h200"], output_tokens_per_day=2e9)
    assert llmsizer.plan(as_dataframe=True, **plan).rows == llmsizer.plan(**plan)["options"]
    assert llmsizer.validate(as_dataframe=True).rows == llmsizer.validate()["rows"]
    assert llmsizer.to_dataframe({"frontier": [{"a": 1}]}, "frontier").rows == [{"a": 1}]
