// The dispatcher: parses arguments, runs the chosen subcommand, maps exceptions to exit codes.
#include <algorithm>
#include <cassert>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/command.hpp"
#include "io/catalog_index.hpp"
#include "io/config_error.hpp"
#include "io/did_you_mean.hpp"
#include "io/number_text.hpp"
#include "request/scenario_fields.hpp"

namespace llmsizer::cli {

std::vector<std::filesystem::path> Context::directories() const {
  return profile_directories(profile_dirs, installed_beside.empty() ? executable_directory() : installed_beside);
}

const Catalog& Context::catalog() {
  if (preloaded) return *preloaded;
  if (!catalog_) {
    catalog_ = load_catalog(directories());
    print_warnings(catalog_->warnings, *err);
  }
  return *catalog_;
}

const Catalog& Context::catalog_for(std::optional<Catalog>& storage, const std::vector<std::string>& gpu_names,
                                    const std::vector<std::string>& model_names) {
  if (preloaded) return *preloaded;
  if (catalog_) return *catalog_;
  const Catalog& catalog = storage.emplace(load_catalog_for(directories(), gpu_names, model_names));
  print_warnings(catalog.warnings, *err);
  return catalog;
}

void print_model_warnings(const ModelSpec& model, std::ostream& err) {
  for (const std::string& warning : model.warnings) err << "warning: " << model.name << ": " << warning << "\n";
}

void print_warnings(const std::vector<std::string>& warnings, std::ostream& err) {
  for (const std::string& warning : warnings) err << "warning: " << warning << "\n";
}

void add_profiles_option(CLI::App& app, Context& context) {
  app.add_option("--profiles", context.profile_dirs,
                 "Extra profile directory (repeatable); later directories override earlier ones by name")
      ->type_name("DIR");
}

namespace {
constexpr int exit_ok = 0;
constexpr int exit_usage = 2;
constexpr int exit_internal = 3;

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

/// The subcommand word: the first argument that is neither an option nor the value of --profiles.
/// Empty when there is none, or when --help comes first (CLI11 answers that).
std::string command_word(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help" || arg == "--") return {};
    if (arg == "--profiles") {
      ++i;
      continue;
    }
    if (arg.empty() || arg[0] != '-') return arg;
  }
  return {};
}

/// CLI11 reports a mistyped subcommand as "A subcommand is required"; name it, with a did-you-mean.
bool unknown_command(const std::vector<std::string>& args, const std::vector<Command>& commands, std::ostream& err) {
  const std::string word = command_word(args);
  std::vector<std::string> names;
  for (const Command& command : commands) names.push_back(command.app->get_name());
  if (word.empty() || std::find(names.begin(), names.end(), word) != names.end()) return false;
  err << "error: unknown command '" << word << "'" << did_you_mean(word, names)
      << "\nhint: run 'llmsizer --help' for usage\n";
  return true;
}
/// The option a mistyped `word` most likely meant: the one option it begins (--tpot for --tpot-ms),
/// else the closest by edit distance; none for a one-letter word (-q is no typo of -h).
std::string option_hint(const std::string& word, const std::vector<std::string>& names) {
  if (word.size() <= 2) return {};
  std::vector<std::string> extended;
  for (const std::string& name : names) {
    if (name.size() > word.size() && name.compare(0, word.size(), word) == 0) extended.push_back(name);
  }
  return extended.size() == 1 ? extended.front() : closest_match(word, names);
}

/// Every option name `app` accepts ("--gpu", "-h"), its parent's (--profiles before the subcommand) included.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* node = &app; node != nullptr; node = node->get_parent()) {
    for (const CLI::Option* option : node->get_options()) {
      for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
      for (const std::string& name : option->get_snames()) names.push_back("-" + name);
    }
  }
  return names;
}

/// CLI11 reports a mistyped option as "arguments were not expected: 8 --concurency"; name the first
/// word that looks like an option (its "=value" left off), with a did-you-mean among the options of
/// the chosen subcommand. False when every extra word is a stray value (CLI11's message stands).
bool unknown_option(const std::vector<std::string>& args, const CLI::App& app, const CLI::App& chosen,
                    std::ostream& err) {
  const std::vector<std::string> extras = app.remaining(true);
  for (const std::string& arg : args) {
    if (arg.size() < 2 || arg[0] != '-' || std::find(extras.begin(), extras.end(), arg) == extras.end()) continue;
    const std::string word = arg.substr(0, arg.find('='));
    const std::string hint = option_hint(word, option_names(chosen));
    err << "error: unknown option '" << word << "'" << did_you_mean(hint) << "\nhint: run '"
        << chosen.get_parent()->get_name() << " " << chosen.get_name() << " --help' for usage\n";
    return true;
  }
  return false;
}

/// CLI11 converts numbers itself: "0100" as octal 64, "0x10" as hex, "nan" and "inf" as values. Every
/// option holding a number reads its text first by the readers of a scenario field (request/), which
/// follow the one number rule of io/number_text.hpp: a text they reject is the same error as in a
/// CSV cell, and CLI11 then converts plain digits, so "0100" is one hundred and "1e3" a count.
void apply_number_rule(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    const bool whole = type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0;
    const bool real = type.rfind("FLOAT", 0) == 0 || type.rfind("NUMBER", 0) == 0;
    if ((!whole && !real) || option->get_type_size() == 0) continue;
    const std::string name = option->get_name();
    option->transform(CLI::Validator(
        [name, whole](std::string& text) {
          if (whole) {
            text = std::to_string(parse_whole(text, name));
          } else {
            (void)parse_number(text, name);
            text = plain_number_text(text);
          }
          return std::string();
        },
        ""));
  }
}
}  // namespace

namespace {
/// Every subcommand by name, in the order --help lists them.
struct Registration {
  const char* name;
  Command (*add)(CLI::App&, Context&);
};
constexpr Registration registrations[] = {
    {"list", add_list}, {"show", add_show},         {"check", add_check},       {"import-hf", add_import_hf},
    {"fit", add_fit},   {"estimate", add_estimate}, {"sweep", add_sweep},       {"compare", add_compare},
    {"plan", add_plan}, {"report", add_report},     {"validate", add_validate}, {"calibrate", add_calibrate}};

Command registered(CLI::App& app, Context& context, const Registration& entry) {
  Command command = entry.add(app, context);
  assert(command.app->get_name() == entry.name);  // the table names each command as it registers itself
  return command;
}
}  // namespace

std::vector<Command> add_commands(CLI::App& app, Context& context) {
  std::vector<Command> commands;
  for (const Registration& entry : registrations) commands.push_back(registered(app, context, entry));
  return commands;
}

std::vector<Command> add_commands(CLI::App& app, Context& context, const std::string& word) {
  const auto chosen = std::find_if(std::begin(registrations), std::end(registrations),
                                   [&](const Registration& entry) { return word == entry.name; });
  if (chosen == std::end(registrations)) return add_commands(app, context);
  // Only the chosen subcommand's options are built (most of a short command's start-up otherwise);
  // the others are bare names, so that a second command word still reads as one, as with all built.
  std::vector<Command> commands;
  for (const Registration& entry : registrations) {
    if (&entry == chosen)
      commands.push_back(registered(app, context, entry));
    else
      commands.push_back({app.add_subcommand(entry.name), [] { return exit_internal; }});
  }
  return commands;
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run_cli(args, out, err, nullptr, {});
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Catalog* catalog,
            const std::filesystem::path& installed_beside) {
  Context context;
  context.out = &out;
  context.err = &err;
  context.preloaded = catalog;
  context.installed_beside = installed_beside;
  CLI::App app{"llmsizer: how many accelerators an LLM needs, how fast it serves, and what it costs"};
  app.name("llmsizer");
  app.require_subcommand(1, 1);
  app.fallthrough();
  add_profiles_option(app, context);
  std::vector<Command> commands = add_commands(app, context, command_word(args));
  apply_number_rule(app);
  for (const Command& command : commands) apply_number_rule(*command.app);
  if (unknown_command(args, commands, err)) return exit_usage;
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    std::ostringstream help;
    app.exit(e, help, help);
    out << help.str();
    return exit_ok;
  } catch (const CLI::CallForAllHelp& e) {
    std::ostringstream help;
    app.exit(e, help, help);
    out << help.str();
    return exit_ok;
  } catch (const CLI::ParseError& e) {
    std::string where = "llmsizer";
    for (const Command& command : commands) {
      if (!command.app->parsed()) continue;
      where += " " + command.app->get_name();
      if (dynamic_cast<const CLI::ExtrasError*>(&e) && unknown_option(args, app, *command.app, err)) return exit_usage;
    }
    err << "error: " << first_line(e.what()) << "\nhint: run '" << where << " --help' for usage\n";
    return exit_usage;
  } catch (const ConfigError& e) {  // an option's value rejected by its field's parser (request/)
    err << e.format() << "\n";
    return exit_usage;
  }
  try {
    for (const Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
    err << "error: no subcommand given\nhint: run 'llmsizer --help'\n";
    return exit_usage;
  } catch (const ConfigError& e) {
    err << e.format() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    err << "internal error: " << e.what()
        << "\nThis is a bug in llmsizer; please report it with the command line that caused it.\n";
    return exit_internal;
  }
}

}  // namespace llmsizer::cli
