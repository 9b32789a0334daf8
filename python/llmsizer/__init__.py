"""llmsizer: size LLM inference deployments from Python (docs/python.md).

Each function is the command of the same name with its ``--json`` output: keyword arguments are the
command's long options with dashes as underscores (``usd_per_gpu_hour=`` for ``--usd-per-gpu-hour``),
a list repeats an option (``gpu=["h20", "h200"]``), ``True`` sets a flag (``all_gpus=True``) and
``None`` leaves an option out. Results are plain dicts and lists with the keys of the ``--json``
output; ``as_dataframe=True`` returns a pandas DataFrame of the result's rows instead.

``profiles=`` (a directory or a list of them) adds profile directories as ``--profiles`` does, after
the shipped profiles and ``LLMSIZER_PROFILES``. Each set of directories is loaded once and kept with
its prepared models; after editing a profile or a config.json, call ``reload()``.
"""

import json as _json
import os as _os
import warnings as _warnings

from . import _llmsizer
from ._llmsizer import InputError, InputWarning

__all__ = ["fit", "estimate", "sweep", "compare", "plan", "validate", "to_dataframe", "reload",
           "InputError", "InputWarning", "UnknownArgumentError"]


class UnknownArgumentError(InputError, TypeError):
    """A keyword argument that is not an option of the command (with a did-you-mean when one is close)."""


# The shipped profiles sit beside the module as they sit beside the executable: the package is
# build/python/llmsizer/, the profiles build/profiles/.
_INSTALLED_BESIDE = _os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))))

# The rows of a result that is not itself a list, for to_dataframe().
_TABLE_KEYS = {"sweep": "frontier", "plan": "options", "validate": "rows"}

_sessions = {}  # (profile directories, LLMSIZER_PROFILES) -> _llmsizer.Session
_options = {}   # command -> (accepted, excluded by --json, flags), keyword spellings


def reload():
    """Forgets every loaded catalog and prepared model; the next call reads the profiles again."""
    _sessions.clear()


def _session(profiles):
    if profiles is None:
        directories = ()
    elif isinstance(profiles, (str, bytes, _os.PathLike)):
        directories = (_os.fsdecode(profiles),)
    else:
        directories = tuple(_os.fsdecode(p) for p in profiles)
    key = (directories, _llmsizer.profiles_environment())  # a tenth of os.environ.get's time
    session = _sessions.get(key)
    if session is None:
        session = _sessions[key] = _llmsizer.Session(_INSTALLED_BESIDE, list(directories))
        for warning in session.warnings:  # once per load, as the command line prints them
            _warnings.warn(warning, InputWarning, stacklevel=4)
    return session


def _command_options(command):
    found = _options.get(command)
    if found is None:
        accepted, excluded, flags = _llmsizer.command_options(command)
        spell = lambda names: frozenset(n.replace("-", "_") for n in names)  # noqa: E731
        found = _options[command] = (spell(accepted), spell(excluded), spell(flags))
    return found


def _unknown_argument(command, name):
    accepted, excluded, _ = _command_options(command)
    if name in excluded:
        return UnknownArgumentError(
            f"{command}(): '{name}' does not apply here: the module returns the --json result "
            f"(run `llmsizer {command} --{name.replace('_', '-')}` for that output)")
    hint = _llmsizer.closest_match(name, sorted(accepted | {"profiles", "as_dataframe"}))
    return UnknownArgumentError(f"{command}(): unknown keyword argument '{name}'"
                                + (f"; did you mean '{hint}'?" if hint else "")
                                + f" (options of `llmsizer {command}` with '-' as '_')")


def _check_names(command, options):
    accepted = _command_options(command)[0]
    for name in options:
        if name not in accepted:
            raise _unknown_argument(command, name)


def _option_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, _os.PathLike)):
        return _os.fsdecode(value)
    return str(value)  # a float's str() is the shortest text that reads back as the same number


def _command_line(command, options):
    flags = _command_options(command)[2]
    args = [command]
    for name, value in options.items():
        if value is None:
            continue
        option = "--" + name.replace("_", "-")
        if name in flags:
            if not isinstance(value, bool):
                raise InputError(f"error: {option}: a flag takes True or False, got {value!r}")
            if value:
                args.append(option)
            continue
        # "--isl=-5" keeps a value that starts with '-' a value, as the option's own parser sees it.
        for item in value if isinstance(value, (list, tuple)) else (value,):
            args.append(f"{option}={_option_text(item)}")
    args.append("--json")
    return args


def _run(command, profiles, options):
    _check_names(command, options)
    exit_code, out, err = _session(profiles).run(_command_line(command, options))
    err_text = err.decode("utf-8", "replace").rstrip("\n")
    if exit_code == 2:
        error = InputError(err_text)
        # `estimate --scenarios` answers the good rows even when some are bad.
        error.result = _json.loads(out) if out.strip() else None
        raise error
    if exit_code != 0:
        raise RuntimeError(f"llmsizer {command}: internal error (exit {exit_code}): {err_text}")
    for line in err_text.splitlines():
        _warnings.warn(line.removeprefix("warning: "), InputWarning, stacklevel=3)
    return _json.loads(out)


def _result(command, result, as_dataframe):
    return to_dataframe(result, _TABLE_KEYS.get(command)) if as_dataframe else result


def to_dataframe(result, table=None):
    """The rows of a result as a pandas DataFrame: a list of dicts as it is, a dict's list `table`
    ('frontier' of a sweep, 'options' of a plan, 'rows' of validate), or one flat dict as one row."""
    try:
        import pandas
    except ImportError as missing:
        raise ImportError("as_dataframe=True and to_dataframe() need pandas, which is not installed "
                          "(Debian: apt-get install python3-pandas); without it the result is a plain "
                          "dict or list") from missing
    if isinstance(result, dict):
        rows = result[table] if table is not None else [result]
    else:
        rows = result
    return pandas.DataFrame(rows)


def estimate(*, profiles=None, as_dataframe=False, **options):
    """TTFT, TPOT, throughput, $/Mtok and J/token of one deployment: the object `llmsizer estimate
    --json` prints. With scenarios="runs.csv", a list with one object per row."""
    try:
        # Scenario fields and calibration= are read in place, without a command line: the same
        # field parsers, resolver and estimate schema as `estimate --json`, at 1e5 calls a second.
        answer = _session(profiles).estimate(options, InputWarning)
    except _llmsizer.NotAScenarioField:
        answer = _run("estimate", profiles, options)  # scenarios=, or unknown (raised by name there)
    return to_dataframe(answer) if as_dataframe else answer


def fit(*, profiles=None, as_dataframe=False, **options):
    """Smallest GPU count that holds a model, one dict per weight precision (`llmsizer fit --json`)."""
    return _result("fit", _run("fit", profiles, options), as_dataframe)


def sweep(*, profiles=None, as_dataframe=False, **options):
    """Pareto frontier over GPU count, layout, precision and concurrency (`llmsizer sweep --json`):
    {model, configs_evaluated, ..., frontier: [rows]}; as_dataframe=True gives the frontier."""
    return _result("sweep", _run("sweep", profiles, options), as_dataframe)


def compare(*, profiles=None, as_dataframe=False, **options):
    """Models and GPUs side by side, one dict per (model, GPU) (`llmsizer compare --json`)."""
    return _result("compare", _run("compare", profiles, options), as_dataframe)


def plan(*, profiles=None, as_dataframe=False, **options):
    """Fleet, nodes, $/month and power for a daily demand (`llmsizer plan --json`): {demand, options,
    recommendation}; as_dataframe=True gives the options."""
    return _result("plan", _run("plan", profiles, options), as_dataframe)


def validate(*, profiles=None, as_dataframe=False, **options):
    """The estimator's error against published measurements (`llmsizer validate --json`);
    as_dataframe=True gives the per-row errors."""
    return _result("validate", _run("validate", profiles, options), as_dataframe)
