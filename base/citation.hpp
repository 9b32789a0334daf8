// base/citation.hpp — where a profile's numbers come from: the fields a source covers and the source.
#pragma once

#include <string>
#include <vector>

namespace llmsizer {

/// One `sources:` entry of a profile: the fields it covers and the citation text.
struct Citation {
  std::vector<std::string> fields;
  std::string cite;
};

}  // namespace llmsizer
