// llmsizer — how many accelerators an LLM needs, how fast it serves, and what it costs.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return llmsizer::cli::run_cli(args, std::cout, std::cerr);
}
