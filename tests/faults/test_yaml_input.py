"""YAML input: 1.2 floats, duplicate and unhashable keys, non-UTF-8 bytes (issue 11).

Each used to be accepted wrongly (``1.0e4`` as text, the last of two equal
keys silently) or to end in a traceback (binary input, a list as a key), and
syntax errors named ``<unicode string>`` instead of the file.
"""

import pytest

from igesweep import InputError
from igesweep.scenario import load_yaml
from tests.processes import igesweep


def test_yaml_12_floats_are_numbers(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("bounds: [1.0e4, 1e6, 2.5E-3, 1.0e+4, 10, 1_000]\nname: e5\n")
    assert load_yaml(path) == {"bounds": [1.0e4, 1.0e6, 2.5e-3, 1.0e4, 10, 1000], "name": "e5"}


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\nb: 2\na: 3\n", "duplicate key 'a'"),
    ("? [1, 2]\n: 3\n", "a mapping key must be a plain value"),
    ("a: [1, 2\n", "f.yaml"),
])
def test_bad_yaml_names_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "f.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_yaml(path)
    assert message in err.value.problems[0][1] and err.value.source == str(path)


def test_syntax_errors_show_the_offending_line(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("therapy: omalizumab\nregimen: {dose_mg: 300: 1}\n")
    with pytest.raises(InputError) as err:
        load_yaml(path)
    message = err.value.problems[0][1]
    assert "line 2" in message and "\n    regimen: {dose_mg: 300: 1}\n" in message
    assert message.splitlines()[-1].strip() == "^"


def test_binary_input_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"therapy: \xff\xfe\x00omalizumab\n")
    proc = igesweep("simulate", path, "-o", tmp_path / "o.zarr", timeout=300)
    assert proc.returncode == 2
    assert "not UTF-8" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("therapy: omalizumab\ntimes: [0, 1]\nx: " + "[" * 2100 + "]" * 2100 + "\n",
     "nested too deeply"),
    # libyaml's composer recurses in C: this depth crashed the process before the check
    ("x: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n", "nested too deeply"),
    ("therapy: omalizumab\ntimes: [0, 1]\npatient: {weight_kg: " + "9" * 5000 + "}\n",
     "more than 4,300 digits"),
], ids=["deep-nesting", "deep-nesting-1e5", "huge-integer"])
def test_pathological_yaml_is_an_input_error(tmp_path, text, message):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_yaml(path)
    assert message in err.value.problems[0][1]
