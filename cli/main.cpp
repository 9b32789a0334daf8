// llmsizer — how many accelerators an LLM needs, how fast it serves, and what it costs.
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  const int code = llmsizer::cli::run_cli(args, std::cout, std::cerr);
  // Output that did not reach its destination (a full disk, a closed pipe) is not a success.
  errno = 0;
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "error: cannot write to standard output: " << (errno != 0 ? std::strerror(errno) : "write failed")
              << "\n";
    return code == 0 ? 2 : code;
  }
  return code;
}
