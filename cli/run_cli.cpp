// The dispatcher: parses arguments, runs the chosen subcommand, maps exceptions to exit codes.
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "io/config_error.hpp"

namespace llmsizer::cli {

const Catalog& Context::catalog() {
  if (!catalog_) catalog_ = load_catalog(profile_directories(profile_dirs));
  return *catalog_;
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

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }
}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Context context;
  context.out = &out;
  context.err = &err;
  CLI::App app{"llmsizer: how many accelerators an LLM needs, how fast it serves, and what it costs"};
  app.name("llmsizer");
  app.require_subcommand(1, 1);
  app.fallthrough();
  add_profiles_option(app, context);
  std::vector<Command> commands = {add_list(app, context),     add_show(app, context),     add_check(app, context),
                                   add_import_hf(app, context), add_fit(app, context),      add_estimate(app, context),
                                   add_sweep(app, context),     add_compare(app, context),  add_plan(app, context),
                                   add_report(app, context),    add_validate(app, context), add_calibrate(app, context)};
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
      if (command.app->parsed()) where += " " + command.app->get_name();
    }
    err << "error: " << first_line(e.what()) << "\nhint: run '" << where << " --help' for usage\n";
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
