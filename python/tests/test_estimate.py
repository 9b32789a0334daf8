"""llmsizer.estimate against `llmsizer estimate --json` for the same inputs: values, keys, errors."""
import pytest

import llmsizer
from conftest import cli_error, cli_json

CASES = [
    # dense, a layout from the GPU count, the default price
    dict(model="llama-3.1-70b", gpu="h100-sxm", gpus=8, isl=1000, osl=100, concurrency=32),
    # MoE on a priced GPU, FP8 weights and KV, an engine, a user price as a float
    dict(model="deepseek-v3", gpu="h200", gpus=8, isl=2000, osl=500, concurrency=64, weights="fp8", kv="fp8",
         engine="sglang", usd_per_gpu_hour=2.5),
    # no GPU count: the smallest layout that holds it; a price label
    dict(model="glm-4.5", gpu="h200", isl=1000, osl=1000, concurrency=16, price="neocloud-tco"),
    # explicit degrees, speculative decoding, a memory utilization, a phase
    dict(model="deepseek-r1", gpu="h200", tp=8, pp=2, isl=1000, osl=1000, concurrency=8, mtp=1,
         memory_utilization=0.85, phase="decode"),
]


def command_line(options):
    args = ["estimate"]
    for name, value in options.items():
        args += ["--" + name.replace("_", "-"), str(value)]
    return args


@pytest.mark.parametrize("options", CASES, ids=lambda o: o["model"])
def test_estimate_equals_the_command_json(options):
    answer = llmsizer.estimate(**options)
    expected = cli_json(*command_line(options))
    assert set(answer) == set(expected)
    for key in expected:
        assert answer[key] == expected[key], key
    assert type(answer["gpus"]) is int and type(answer["tpot_ms"]) is float and type(answer["fits"]) is bool


def test_numbers_may_be_given_as_text_or_whole_floats():
    base = CASES[0]
    assert llmsizer.estimate(**{**base, "isl": "1000", "gpus": 8.0}) == llmsizer.estimate(**base)


def test_none_leaves_an_option_out():
    assert llmsizer.estimate(**CASES[0], price=None, engine=None) == llmsizer.estimate(**CASES[0])


def test_a_calibration_is_chosen_by_name():
    options = dict(CASES[0], calibration="default")
    assert llmsizer.estimate(**options) == cli_json(*command_line(options))


def test_a_config_json_path_works_as_on_the_command_line():
    options = dict(model="tests/data/hf/qwen2.5-72b.json", gpu="h100-sxm", gpus=4, isl=1000, osl=200, concurrency=8)
    answer = llmsizer.estimate(**options)
    assert answer == cli_json(*command_line(options))
    assert answer["model"] == cli_json("estimate", "--model", "tests/data/hf/qwen2.5-72b.json", "--gpu", "h100-sxm",
                                       "--gpus", "4", "--isl", "1000", "--osl", "200")["model"]


def test_an_import_warning_is_a_python_warning():
    options = dict(model="tests/data/hf/unknown-family.json", gpu="h100-sxm", gpus=1, isl=100, osl=10)
    with pytest.warns(llmsizer.InputWarning, match="config key 'use_cla' .* was ignored"):
        answer = llmsizer.estimate(**options)
    assert answer == cli_json(*command_line(options))


def test_a_bad_number_raises_the_command_line_error_text():
    with pytest.raises(llmsizer.InputError) as raised:
        llmsizer.estimate(model="llama-3.1-70b", gpu="h100-sxm", isl="abc", osl=10)
    assert str(raised.value) == cli_error("estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm", "--isl", "abc",
                                          "--osl", "10")
    assert str(raised.value) == "error: --isl: expected a whole number, got 'abc'"
    assert isinstance(raised.value, ValueError)


def test_an_unknown_gpu_gets_the_command_line_suggestions():
    with pytest.raises(llmsizer.InputError) as raised:
        llmsizer.estimate(model="llama-3.1-70b", gpu="h100-sxmm", isl=1000, osl=10)
    assert str(raised.value) == cli_error("estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxmm", "--isl",
                                          "1000", "--osl", "10")
    assert "did you mean 'h100-sxm'" in str(raised.value)


def test_out_of_range_and_missing_fields_name_the_option():
    with pytest.raises(llmsizer.InputError, match=r"^error: --concurrency: -1 is out of range"):
        llmsizer.estimate(model="llama-3.1-70b", gpu="h100-sxm", isl=1000, osl=10, concurrency=-1)
    with pytest.raises(llmsizer.InputError, match=r"^error: --osl: missing"):
        llmsizer.estimate(model="llama-3.1-70b", gpu="h100-sxm", isl=1000)
    with pytest.raises(llmsizer.InputError, match=r"^error: --gpu: estimate takes one value"):
        llmsizer.estimate(model="llama-3.1-70b", gpu=["h100-sxm", "h200"], isl=1000, osl=10)


def test_an_unknown_keyword_names_it_with_a_did_you_mean():
    with pytest.raises(llmsizer.UnknownArgumentError) as raised:
        llmsizer.estimate(moddel="llama-3.1-70b", gpu="h100-sxm", isl=1000, osl=10)
    message = str(raised.value)
    assert message.startswith("estimate(): unknown keyword argument 'moddel'; did you mean 'model'?")
    assert isinstance(raised.value, TypeError) and isinstance(raised.value, llmsizer.InputError)
    with pytest.raises(llmsizer.UnknownArgumentError, match="did you mean 'usd_per_gpu_hour'"):
        llmsizer.estimate(model="llama-3.1-70b", gpu="h100-sxm", isl=1000, osl=10, usd_per_gpu_hours=2)
    with pytest.raises(llmsizer.UnknownArgumentError, match=r"unknown keyword argument 'colour'(?!; did you mean)"):
        llmsizer.estimate(model="llama-3.1-70b", colour="blue")


def test_output_format_options_are_refused_with_the_reason():
    with pytest.raises(llmsizer.UnknownArgumentError, match=r"'csv' does not apply here: the module returns the "
                                                           r"--json result"):
        llmsizer.estimate(model="llama-3.1-70b", gpu="h100-sxm", isl=1000, osl=10, csv=True)


def test_a_scenarios_file_gives_one_dict_per_row():
    args = ["estimate", "--scenarios", "tests/data/scenarios/batch.csv", "--isl", "512"]
    with pytest.raises(llmsizer.InputError) as raised:  # batch.csv has bad rows on purpose: exit 2, good rows answered
        llmsizer.estimate(scenarios="tests/data/scenarios/batch.csv", isl=512)
    assert str(raised.value) == cli_error(*args)
    assert raised.value.result == cli_json_allowing_errors(*args)
    assert [row["id"] for row in raised.value.result] == ["zeta", "alpha", "mid", "beta"]


def cli_json_allowing_errors(*args):
    import json

    from conftest import run_cli

    code, out, _ = run_cli(*args, "--json")
    assert code == 2
    return json.loads(out)


def test_a_good_scenarios_file_returns_its_rows(tmp_path):
    scenarios = tmp_path / "runs.csv"
    scenarios.write_text("id,model,gpu,gpus,isl,osl,concurrency\n"
                         "a,llama-3.1-8b,h100-sxm,1,1024,256,8\n"
                         "b,llama-3.1-70b,h200,4,2048,512,32\n")
    rows = llmsizer.estimate(scenarios=scenarios)
    assert rows == cli_json("estimate", "--scenarios", scenarios)
    assert [row["id"] for row in rows] == ["a", "b"]
    # each row is what a single estimate of the same fields answers
    single = llmsizer.estimate(id="b", model="llama-3.1-70b", gpu="h200", gpus=4, isl=2048, osl=512, concurrency=32)
    assert rows[1] == single


def warnings_of(call):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    assert all(issubclass(w.category, llmsizer.InputWarning) for w in caught)
    return result, [str(w.message) for w in caught]


def test_warnings_are_the_command_line_warnings():
    from conftest import run_cli

    # a RoPE-scaled context (beyond max_position_embeddings, within the model card's YaRN reach), and a
    # config.json with keys the importer ignores: what stderr says, one warning per line
    for options in (dict(model="qwen2.5-72b", gpu="h200", gpus=8, isl=60000, osl=1000),
                    dict(model="tests/data/hf/unknown-family.json", gpu="h100-sxm", gpus=1, isl=100, osl=10)):
        code, _, err = run_cli(*command_line(options), "--json")
        assert code == 0 and err
        answer, messages = warnings_of(lambda: llmsizer.estimate(**options))
        assert messages == [line.removeprefix("warning: ") for line in err.splitlines()]
    _, messages = warnings_of(lambda: llmsizer.fit(model="tests/data/hf/unknown-family.json", gpu="h100-sxm"))
    assert any("config key 'use_cla'" in message for message in messages)


def test_answers_carry_the_warnings_as_the_json_does():
    path = "tests/data/hf/unknown-family.json"
    answer, messages = warnings_of(lambda: llmsizer.estimate(model=path, gpu="h100-sxm", gpus=1, isl=100, osl=10))
    assert answer["warnings"] and all(any(w in m for m in messages) for w in answer["warnings"])
    rows, _ = warnings_of(lambda: llmsizer.fit(model=path, gpu="h100-sxm"))
    assert all(row["warnings"] == answer["warnings"] for row in rows)
    assert llmsizer.estimate(model="llama-3.1-8b", gpu="h100-sxm", isl=100, osl=10)["warnings"] == []
