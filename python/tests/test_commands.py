"""fit, sweep, compare, plan and validate against their commands' --json output for the same
inputs; lists repeat an option, True sets a flag; profile directories as --profiles."""
import re

import pytest

import llmsizer
from conftest import SOURCE_DIR, cli_error, cli_json


def test_fit_equals_the_command_json():
    answer = llmsizer.fit(model="glm-4.5", gpu="h20", context=32768, concurrency=4)
    assert answer == cli_json("fit", "--model", "glm-4.5", "--gpu", "h20", "--context", "32768", "--concurrency", "4")
    assert [row["weights"] for row in answer][0] == answer[0]["weights"] and len(answer) >= 1


def test_fit_of_a_config_json_path():
    path = "tests/data/hf/deepseek-v3.json"
    assert llmsizer.fit(model=path, gpu="h200") == cli_json("fit", "--model", path, "--gpu", "h200")


def test_sweep_equals_the_command_json_with_repeated_options():
    answer = llmsizer.sweep(model="deepseek-v3", gpu=["h200", "h20"], isl=1000, osl=1000, tpot_ms=50,
                            concurrency=[16, 64, 256], max_gpus=16)
    expected = cli_json("sweep", "--model", "deepseek-v3", "--gpu", "h200", "--gpu", "h20", "--isl", "1000", "--osl",
                        "1000", "--tpot-ms", "50", "--concurrency", "16", "--concurrency", "64", "--concurrency", "256",
                        "--max-gpus", "16")
    assert answer == expected
    assert answer["frontier"] and {row["gpu"] for row in answer["frontier"]} <= {"h200-sxm", "h20"}


def test_a_flag_is_true_or_false():
    options = dict(model="llama-3.1-8b", isl=1000, osl=200, max_gpus=2, concurrency=[1, 8])
    answer = llmsizer.sweep(all_gpus=True, **options)
    assert answer == cli_json("sweep", "--model", "llama-3.1-8b", "--all-gpus", "--isl", "1000", "--osl", "200",
                              "--max-gpus", "2", "--concurrency", "1", "--concurrency", "8")
    with pytest.raises(llmsizer.InputError, match=r"^error: --all-gpus: a flag takes True or False, got 'yes'"):
        llmsizer.sweep(all_gpus="yes", **options)
    # False leaves the flag out: then a GPU is needed, as on the command line
    assert llmsizer.sweep(all_gpus=False, gpu="h100-sxm", **options) == llmsizer.sweep(gpu="h100-sxm", **options)


def test_overlap_keyword_reaches_the_sweep_and_the_estimate():
    options = dict(model="deepseek-r1", gpu="h200-sxm", tp=1, dp=8, ep=8, weights="fp8", isl=1000, osl=1000, mtp=0,
                   concurrency=256)
    serial = llmsizer.sweep(overlap="none", **options)
    overlapped = llmsizer.sweep(overlap="two-batch", **options)
    assert overlapped == cli_json("sweep", "--model", "deepseek-r1", "--gpu", "h200-sxm", "--tp", "1", "--dp", "8",
                                  "--ep", "8", "--weights", "fp8", "--isl", "1000", "--osl", "1000", "--mtp", "0",
                                  "--concurrency", "256", "--overlap", "two-batch")
    assert overlapped["frontier"][0]["tpot_ms"] != serial["frontier"][0]["tpot_ms"]
    one = llmsizer.estimate(model="deepseek-r1", gpu="h200-sxm", tp=1, dp=8, ep=8, weights="fp8", isl=1000, osl=1000,
                            concurrency=256, mtp=1, overlap="two-batch")
    assert (one["mtp"], one["overlap"]) == (1, "two-batch")


def test_compare_equals_the_command_json():
    answer = llmsizer.compare(model=["glm-4.5", "llama-3.1-405b"], gpu="h20", isl=1000, osl=1000)
    assert answer == cli_json("compare", "--model", "glm-4.5", "--model", "llama-3.1-405b", "--gpu", "h20", "--isl",
                              "1000", "--osl", "1000")
    assert {row["model"] for row in answer} == {"glm-4.5", "llama-3.1-405b"}


def test_plan_equals_the_command_json():
    answer = llmsizer.plan(model="deepseek-r1", gpu=["h20", "h200"], output_tokens_per_day=2e9, tpot_ms=50)
    assert answer == cli_json("plan", "--model", "deepseek-r1", "--gpu", "h20", "--gpu", "h200",
                              "--output-tokens-per-day", "2e9", "--tpot-ms", "50")
    assert set(answer) == {"demand", "options", "recommendation", "price_note", "warnings"}
    assert answer["warnings"] == []
    assert answer["demand"]["output_tokens_per_day"] == 2e9


def test_validate_equals_the_command_json():
    assert llmsizer.validate() == cli_json("validate")
    assert llmsizer.validate(calibration="default")["overall"] == cli_json("validate", "--calibration",
                                                                           "default")["overall"]


def test_command_errors_carry_the_command_line_text():
    with pytest.raises(llmsizer.InputError) as raised:
        llmsizer.plan(model="deepseek-r1", gpu="h20", output_tokens_per_day="lots")
    assert str(raised.value) == cli_error("plan", "--model", "deepseek-r1", "--gpu", "h20",
                                          "--output-tokens-per-day", "lots")
    with pytest.raises(llmsizer.InputError) as raised:
        llmsizer.sweep(model="deepseek-v3", gpu="h200", isl=0)  # below the range of --isl
    assert str(raised.value) == cli_error("sweep", "--model", "deepseek-v3", "--gpu", "h200", "--isl", "0")


def test_unknown_keywords_of_each_command():
    with pytest.raises(llmsizer.UnknownArgumentError, match=r"^sweep\(\): unknown keyword argument 'all_gpu'; did "
                                                            r"you mean 'all_gpus'\?"):
        llmsizer.sweep(model="deepseek-v3", all_gpu=True, isl=1000, osl=1000)
    with pytest.raises(llmsizer.UnknownArgumentError, match=r"did you mean 'output_tokens_per_day'"):
        llmsizer.plan(model="deepseek-r1", gpu="h20", output_token_per_day=2e9)
    with pytest.raises(llmsizer.UnknownArgumentError, match=r"'xlsx' does not apply here"):
        llmsizer.plan(model="deepseek-r1", gpu="h20", output_tokens_per_day=2e9, xlsx="fleet.xlsx")


def gpu_profile_copy(directory, name, text_change=None):
    """A copy of the shipped H100 profile under another name, in a profile directory of its own."""
    source = (SOURCE_DIR / "profiles" / "gpus" / "h100-sxm.yaml").read_text()
    text = source.replace("name: h100-sxm", f"name: {name}")
    assert text != source
    lines = [line for line in text.splitlines() if not line.startswith("aliases:")]
    text = "\n".join(lines) + "\n"
    if text_change:
        text = text_change(text)
    (directory / "gpus").mkdir(parents=True, exist_ok=True)
    path = directory / "gpus" / f"{name}.yaml"
    path.write_text(text)
    return path


def test_a_profile_directory_works_as_on_the_command_line(tmp_path):
    gpu_profile_copy(tmp_path, "my-h100")
    options = dict(model="llama-3.1-70b", gpu="my-h100", gpus=8, isl=1000, osl=100)
    answer = llmsizer.estimate(profiles=tmp_path, **options)
    expected = cli_json("estimate", "--profiles", tmp_path, "--model", "llama-3.1-70b", "--gpu", "my-h100", "--gpus",
                        "8", "--isl", "1000", "--osl", "100")
    assert answer == expected and answer["gpu"] == "my-h100"
    assert llmsizer.fit(profiles=[tmp_path], model="llama-3.1-70b", gpu="my-h100") == cli_json(
        "fit", "--profiles", tmp_path, "--model", "llama-3.1-70b", "--gpu", "my-h100")
    with pytest.raises(llmsizer.InputError, match="unknown GPU 'my-h100'"):
        llmsizer.estimate(**options)  # not without the directory


def test_a_broken_profile_raises_its_file_line_col_error(tmp_path):
    path = gpu_profile_copy(tmp_path, "broken-h100", lambda text: text + "memory_bandwith_gb_per_s: 3350\n")
    with pytest.raises(llmsizer.InputError) as raised:
        llmsizer.estimate(profiles=tmp_path, model="llama-3.1-70b", gpu="broken-h100", isl=1000, osl=100)
    message = str(raised.value)
    assert message == cli_error("estimate", "--profiles", tmp_path, "--model", "llama-3.1-70b", "--gpu",
                                "broken-h100", "--isl", "1000", "--osl", "100")
    assert message.startswith(f"{path}:")
    assert ": error: memory_bandwith_gb_per_s: unknown key" in message and "^" in message


def test_reload_reads_an_edited_profile(tmp_path):
    path = gpu_profile_copy(tmp_path, "edited-h100")
    options = dict(profiles=tmp_path, model="llama-3.1-70b", gpu="edited-h100", gpus=8, isl=1000, osl=100)
    before = llmsizer.estimate(**options)
    edited = path.read_text().replace("memory_visible_gib: 79.65", "memory_visible_gib: 60")
    assert edited != path.read_text()
    path.write_text(edited)
    assert llmsizer.estimate(**options) == before  # the session keeps what it loaded
    llmsizer.reload()
    after = llmsizer.estimate(**options)
    assert after["usable_gb_per_gpu"] < before["usable_gb_per_gpu"]


def test_option_words_in_any_case_as_on_the_command_line():
    options = dict(model="deepseek-r1", gpu="h200-sxm", tp=1, dp=8, ep=8, isl=1000, osl=1000, concurrency=256)
    lower = llmsizer.estimate(overlap="two-batch", engine="sglang", phase="decode", weights="fp8", **options)
    upper = llmsizer.estimate(overlap="TWO-BATCH", engine="SGLang", phase="Decode", weights="FP8", **options)
    assert upper == lower and (upper["overlap"], upper["engine"]) == ("two-batch", "sglang")
    assert llmsizer.sweep(overlap="Two-Batch", max_gpus=8, **options) == llmsizer.sweep(overlap="two-batch",
                                                                                        max_gpus=8, **options)
    with pytest.raises(llmsizer.InputError, match=r"did you mean 'two-batch'\?$"):
        llmsizer.estimate(overlap="TWO-BACH", **options)


def test_a_measurements_file_among_the_profiles_is_skipped_with_a_warning(tmp_path):
    copied = tmp_path / "measurements.yaml"
    copied.write_bytes((SOURCE_DIR / "validation" / "measurements.yaml").read_bytes())
    llmsizer.reload()
    with pytest.warns(llmsizer.InputWarning, match="^" + re.escape(f"{copied}: a measurements file, not a profile: skipped")):
        answer = llmsizer.estimate(profiles=tmp_path, model="llama-3.1-8b", gpu="h100-sxm", isl=100, osl=100)
    assert answer["gpu"] == "h100-sxm"
