// io/model_schema.hpp — the model/1 profile schema, written once.
//
// One row per key of a model/1 document, in document order: where it sits, its type, whether it is
// required, its limits and unit, what it means, and how it reads and writes its ModelSpec member.
// The loader (io/model_loader.cpp), the Hugging Face importer's limits (io/hf_import.cpp), the YAML
// writer (io/model_yaml.cpp) and the JSON view (io/spec_json.cpp) all iterate this table, so a key
// added here is read, checked, written and shown in one step.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "estimator/model_spec.hpp"

namespace llmsizer {

enum class FieldType : unsigned char {
  integer,
  boolean,
  text,
  section,  // a map of its own keys (rows whose `section` is this key)
  custom,   // lists, precisions, the header: each consumer reads and writes it by key
};

/// Which architectures a row describes; a row that does not apply is neither stored nor written (a
/// GQA key an MLA profile keeps is range-checked and ignored).
enum class Applies : unsigned char { always, gqa, mla };

/// When a writer shows a value: always, only when it differs from the row's fallback, or never.
enum class Emit : unsigned char { always, unless_default, never };

struct ModelField {
  std::string_view section = {};  // "" for a top-level key, else the key of its section row
  std::string_view key = {};
  FieldType type = FieldType::integer;
  bool required = false;
  Applies applies = Applies::always;
  std::int64_t min = 0;        // limits as the loader checks them: inclusive for integers, min exclusive for
  std::int64_t max = 0;        // the parameter counts (real numbers)
  std::string_view unit = {};  // of a number; for other rows the shape of the value ("bool", "map")
  std::string_view description = {};
  bool needs_source = false;  // a `sources` entry must cover the key when it is present
  Emit yaml = Emit::always;
  std::string_view json_path = {};  // where `show --json` puts it ("attention.head_dim"); empty: not shown
  Emit json = Emit::never;
  // Integer and boolean rows (booleans as 0 / 1). The owner (attention variant, MoE block) exists
  // whenever the row applies; the loader makes it before reading the section.
  std::int64_t (*get)(const ModelSpec&) = nullptr;
  void (*set)(ModelSpec&, std::int64_t) = nullptr;
  std::int64_t fallback = 0;           // the value of an absent optional key (booleans: 0 / 1) ...
  std::string_view fallback_row = {};  // ... or the value of this other row ("moe.expert_ffn_size")
  // Text rows.
  const std::string& (*get_text)(const ModelSpec&) = nullptr;
  void (*set_text)(ModelSpec&, std::string) = nullptr;

  /// "moe.num_experts", as in error messages and `sources` fields.
  [[nodiscard]] std::string path() const;
  /// Read and written by the table's accessors (integer, boolean and text rows).
  [[nodiscard]] bool generic() const {
    return type == FieldType::integer || type == FieldType::boolean || type == FieldType::text;
  }
};

/// Every row of the model/1 schema, in document order.
[[nodiscard]] std::span<const ModelField> model_fields();

/// The row at `path` ("hidden_size", "moe.num_experts"); the path must exist (asserted).
[[nodiscard]] const ModelField& model_field(std::string_view path);

/// The keys a map of the document may hold: the top level for "", else the section's.
[[nodiscard]] std::vector<std::string_view> model_keys(std::string_view section);

/// Whether the row describes `model` (GQA rows for GQA attention, MLA rows for MLA).
[[nodiscard]] bool applies_to(const ModelField& field, const ModelSpec& model);

/// The value an absent optional (integer or boolean) row takes in `model`.
[[nodiscard]] std::int64_t fallback_value(const ModelField& field, const ModelSpec& model);

/// Whether a writer following `emit` shows the (generic) row's value for `model`.
[[nodiscard]] bool shown_for(const ModelField& field, Emit emit, const ModelSpec& model);

/// The table as Markdown (key, unit, required and default, range, meaning), as docs/profiles.md
/// shows it; a test keeps the two equal.
[[nodiscard]] std::string model_schema_markdown();

}  // namespace llmsizer
