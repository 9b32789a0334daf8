#include "python/session.hpp"

#include <cmath>

#include "io/config_error.hpp"

namespace py = pybind11;

namespace llmsizer::python {
namespace {

/// A str that never fails on bytes that are not UTF-8 (a name read from a config.json): they become
/// U+FFFD, where the JSON writer would have refused the whole document.
py::str python_text(const std::string& text) {
  return py::reinterpret_steal<py::str>(
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "replace"));
}

/// The text of one keyword argument, as it would be written on the command line: str as is, a number
/// by Python's str() (the shortest text that reads back as the same float), a path by os.fspath.
std::string option_text(const ScenarioField& field, py::handle value) {
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  // Numbers first: asking an int for __fspath__ costs a raised and cleared AttributeError per call.
  if (PyLong_CheckExact(value.ptr())) {
    const long long whole = PyLong_AsLongLong(value.ptr());
    if (whole != -1 || !PyErr_Occurred()) return std::to_string(whole);
    PyErr_Clear();  // beyond 64 bits: its text, which the field's parser rejects by name
  }
  if (PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr()))
    return py::str(value).cast<std::string>();  // bool: "True"
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    throw ConfigError(option_name(field), "estimate takes one value here, got a list (sweep and compare take several)");
  }
  if (PyObject_HasAttrString(value.ptr(), "__fspath__")) {
    return py::module_::import("os").attr("fsdecode")(value).cast<std::string>();
  }
  return py::str(value).cast<std::string>();
}

/// An interned str: Python's keyword names are interned, so a lookup by one compares pointers only.
py::str interned(const std::string& text) {
  PyObject* str = PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
  if (str == nullptr) throw py::error_already_set();
  PyUnicode_InternInPlace(&str);
  return py::reinterpret_steal<py::str>(str);
}

void warn(py::handle category, const std::string& message) {
  if (PyErr_WarnEx(category.ptr(), message.c_str(), 1) != 0) throw py::error_already_set();  // warnings as errors
}

}  // namespace

py::object python_value(const Cell& cell) {
  struct ToPython {
    py::object operator()(std::monostate) const { return py::none(); }
    py::object operator()(bool flag) const { return py::bool_(flag); }
    py::object operator()(std::int64_t count) const { return py::int_(count); }
    py::object operator()(double value) const {
      return std::isfinite(value) ? py::object(py::float_(value)) : py::object(py::none());
    }
    py::object operator()(const std::string& text) const { return python_text(text); }
    py::object operator()(const std::vector<std::string>& items) const {
      py::list list;
      for (const std::string& item : items) list.append(python_text(item));
      return list;
    }
  };
  return std::visit(ToPython{}, cell);
}

Session::Session(const std::string& installed_beside, const std::vector<std::string>& profiles)
    : installed_beside_(installed_beside), catalog_(load_catalog(profile_directories(profiles, installed_beside))) {
  const std::vector<ScenarioField>& fields = scenario_fields();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    fields_by_name_[interned(fields[i].name)] = py::int_(i);
    options_.push_back(option_name(fields[i]));
  }
  for (const Column& column : cli::estimate_columns()) {
    keys_.push_back(interned(column.key));
  }
}

cli::CommandOutput Session::run(const std::vector<std::string>& args) const {
  return cli::run_command(args, catalog_, installed_beside_);
}

ScenarioResolver& Session::resolver(const std::string& calibration) {
  auto it = resolvers_.find(calibration);
  if (it == resolvers_.end()) {
    it = resolvers_.emplace(calibration, std::make_unique<ScenarioResolver>(catalog_, calibration)).first;
  }
  return *it->second;
}

ScenarioInput Session::scenario_input(const py::dict& options, std::string& calibration) const {
  ScenarioInput input;
  const std::vector<ScenarioField>& fields = scenario_fields();
  for (const auto& [key, value] : options) {
    if (value.is_none()) continue;                                                // as if the option were not given
    PyObject* index = PyDict_GetItemWithError(fields_by_name_.ptr(), key.ptr());  // borrowed
    if (index == nullptr) {
      if (PyErr_Occurred()) throw py::error_already_set();
      if (key.cast<std::string>() != "calibration") throw NotAScenarioField();
      calibration = value.cast<std::string>();
      continue;
    }
    const std::size_t i = PyLong_AsSize_t(index);
    fields[i].parse(input, option_text(fields[i], value), options_[i]);
  }
  return input;
}

py::dict Session::estimate(const py::dict& options, py::handle warning_category) {
  std::string calibration = "default";
  const ScenarioInput input = scenario_input(options, calibration);
  const cli::AnsweredEstimate answer = cli::answer_estimate(resolver(calibration), input);
  const ModelSpec& model = *answer.resolved.model;
  // As the command line prints them: the model's import warnings, then what the request stretches.
  for (const std::string& warning : model.warnings) warn(warning_category, model.name + ": " + warning);
  for (const std::string& warning : answer.resolved.warnings) warn(warning_category, warning);
  const cli::EstimateRow row{&input, &answer.resolved, &answer.estimate, {}, &bands_.of(answer.resolved)};
  const Schema<cli::EstimateRow>& schema = cli::estimate_schema();
  // Sized for every key up front, so it is filled without rehashing as it grows.
  py::dict result = py::reinterpret_steal<py::dict>(_PyDict_NewPresized(static_cast<Py_ssize_t>(keys_.size())));
  if (!result) throw py::error_already_set();
  for (std::size_t column = 0; column < keys_.size(); ++column) {
    const py::object value = python_value(schema.value(row, column));
    if (PyDict_SetItem(result.ptr(), keys_[column].ptr(), value.ptr()) != 0) throw py::error_already_set();
  }
  return result;
}

}  // namespace llmsizer::python
