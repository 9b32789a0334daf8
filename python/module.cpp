// python/module.cpp — the bindings of the native module `llmsizer._llmsizer`; the public API, its
// keyword checks and the pandas helper are Python (python/llmsizer/__init__.py).
//
// Input errors (ConfigError) become llmsizer.InputError (a ValueError) carrying the text the command
// line prints: "file:line:col: error: <field path>: message", source line and caret included.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdlib>

#include "io/config_error.hpp"
#include "python/session.hpp"

namespace py = pybind11;

namespace {

PyObject* new_class(py::module_& module, const char* name, PyObject* base, const char* doc) {
  const std::string qualified = std::string("llmsizer.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (type == nullptr) throw py::error_already_set();
  module.add_object(name, py::handle(type));
  return type;
}

}  // namespace

PYBIND11_MODULE(_llmsizer, module) {
  module.doc() = "Native part of llmsizer: a catalog session and the commands over it (see docs/python.md)";
  // Created once per interpreter and kept by the module object; the translator below reads them.
  static PyObject* input_error = new_class(module, "InputError", PyExc_ValueError,
                                           "Bad input: the message is the command line's "
                                           "'file:line:col: error: <field path>: message' text.");
  new_class(module, "InputWarning", PyExc_UserWarning,
            "Input that was accepted but deserves a look (a config.json key that was ignored, an unknown CSV column).");

  static PyObject* not_a_field =
      new_class(module, "NotAScenarioField", PyExc_Exception,
                "Internal: estimate() was given a keyword its one-estimate path does not read.");

  py::register_local_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const llmsizer::ConfigError& e) {
      PyErr_SetString(input_error, e.format().c_str());
    } catch (const llmsizer::python::NotAScenarioField&) {
      PyErr_SetNone(not_a_field);
    }
  });

  py::class_<llmsizer::python::Session>(module, "Session")
      .def(py::init<const std::string&, const std::vector<std::string>&>(), py::arg("installed_beside"),
           py::arg("profiles"))
      .def(
          "run",
          [](const llmsizer::python::Session& session, const std::vector<std::string>& args) {
            const llmsizer::cli::CommandOutput output = session.run(args);
            return py::make_tuple(output.exit_code, py::bytes(output.out), py::bytes(output.err));
          },
          py::arg("args"), "Runs a command line on this catalog: (exit code, stdout bytes, stderr bytes).")
      .def("estimate", &llmsizer::python::Session::estimate, py::arg("options"), py::arg("warning_category"),
           "One estimate from scenario-field keyword arguments, as `estimate --json` prints it.")
      .def_property_readonly("warnings", &llmsizer::python::Session::catalog_warnings,
                             "What loading the profiles warned of, as the command line prints it once per load.");

  module.def(
      "command_options",
      [](const std::string& command) {
        const llmsizer::cli::CommandOptions options = llmsizer::cli::command_options(command);
        return py::make_tuple(options.accepted, options.excluded_by_json, options.flags);
      },
      py::arg("command"), "(accepted, excluded by --json, flags): long option names of a subcommand, without '--'.");
  module.def(
      "profiles_environment",
      []() -> py::object {
        const char* value = std::getenv("LLMSIZER_PROFILES");
        return value ? py::object(py::str(value)) : py::object(py::none());
      },
      "LLMSIZER_PROFILES as the catalog loader reads it (getenv), or None.");
  module.def(
      "closest_match",
      [](const std::string& word, const std::vector<std::string>& candidates) {
        return llmsizer::closest_match(word, candidates);
      },
      py::arg("word"), py::arg("candidates"),
      "The candidate within typo distance of `word` (as the CLI suggests), or ''.");
}
