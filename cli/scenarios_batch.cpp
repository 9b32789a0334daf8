// `estimate --scenarios FILE.csv`: many scenarios, one per row, answered in order.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "cli/estimate_output.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer::cli {
namespace {

// The scenario field of each header column; nullptr for a column that is not one (notes, labels).
using ColumnFields = std::vector<const ScenarioField*>;

ColumnFields map_header(const std::vector<std::string>& header, const std::string& file, std::ostream& err) {
  ColumnFields fields;
  std::vector<std::string> unknown;
  std::vector<std::string> names;
  for (const ScenarioField& f : scenario_fields()) names.push_back(f.name);
  std::set<const ScenarioField*> seen;
  for (const std::string& name : header) {
    const ScenarioField* f = find_scenario_field(name);
    if (f && !seen.insert(f).second) {
      throw ConfigError(file, 1, 0, name, "the column appears twice; which value would count is ambiguous");
    }
    if (!f) {
      // Extra columns (notes, labels) are fine; a near-miss of a known one is a typo that would
      // silently drop the setting.
      const std::string near = closest_match(name, names, std::max<int>(1, static_cast<int>(name.size()) / 4));
      if (!near.empty()) {
        throw ConfigError(file, 1, 0, name, fmt::format("unknown column; did you mean '{}'?", near));
      }
      unknown.push_back(name);
    }
    fields.push_back(f);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& u : unknown) list += (list.empty() ? "'" : ", '") + u + "'";
    err << fmt::format("{}:1: warning: ignoring unknown column{} {}\n", printable(file), unknown.size() > 1 ? "s" : "",
                       printable(list));
  }
  return fields;
}

std::string render_table(const std::vector<EstimateRow>& rows) {
  const std::vector<std::string> keys = {"id", "model", "gpu", "gpus", "weights", "concurrency", "fits", "ttft_ms",
                                         "tpot_ms", "output_tok_s_per_gpu", "usd_per_mtok_output", "error"};
  std::vector<size_t> index;
  for (const std::string& k : keys) {
    for (size_t i = 0; i < estimate_columns().size(); ++i) {
      if (estimate_columns()[i].key == k) index.push_back(i);
    }
  }
  TextTable table(keys);
  for (const EstimateRow& row : rows) {
    std::vector<std::string> cells;
    for (size_t i : index) {
      const nlohmann::json v = estimate_value(row, i);
      if (v.is_null()) cells.emplace_back("-");
      else if (v.is_string()) cells.push_back(v.get<std::string>());
      else if (v.is_boolean()) cells.emplace_back(v.get<bool>() ? "yes" : "no");
      else if (v.is_number_integer()) cells.push_back(std::to_string(v.get<long long>()));
      else cells.push_back(fmt::format("{:.4g}", v.get<double>()));
    }
    table.add_row(std::move(cells));
  }
  return table.render();
}

}  // namespace

int run_scenarios(const std::string& file, const ScenarioInput& defaults, const std::string& calibration,
                  ScenarioBatchFormat format, Context& context) {
  const CsvTable csv = parse_csv(read_file(file), file);
  if (csv.header.empty()) throw ConfigError(file, 1, 0, "", "empty scenarios file: expected a header row");
  const ColumnFields fields = map_header(csv.header, file, *context.err);
  ScenarioResolver resolver(context, calibration);
  const size_t n = csv.records.size();
  std::vector<ScenarioInput> inputs(n, defaults);
  std::vector<ScenarioResolver::Resolved> resolved(n);
  std::vector<Estimate> estimates(n);
  std::vector<EstimateRow> rows(n);
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    const CsvRecord& record = csv.records[i];
    rows[i].input = &inputs[i];
    std::string column;
    try {
      if (record.fields.size() > fields.size()) {
        throw ConfigError("", fmt::format("{} fields but the header has {}", record.fields.size(), fields.size()));
      }
      for (size_t c = 0; c < record.fields.size(); ++c) {
        column = csv.header[c];
        if (fields[c] && !record.fields[c].empty()) fields[c]->parse(inputs[i], record.fields[c], column);
      }
      resolved[i] = resolver.resolve(inputs[i]);
      const auto& r = resolved[i];
      estimates[i] = estimate(*r.prepared, *r.gpu, r.deployment, r.workload, r.efficiency, r.usd_per_gpu_hour);
      rows[i].resolved = &resolved[i];
      rows[i].estimate = &estimates[i];
    } catch (const ConfigError& e) {
      ++bad;
      std::string where = e.path();
      if (!where.empty() && where.rfind("--", 0) == 0) {
        where = where.substr(2);  // the option's CSV column: --usd-per-gpu-hour is usd_per_gpu_hour
        std::replace(where.begin(), where.end(), '-', '_');
      }
      rows[i].error = (where.empty() ? "" : where + ": ") + e.message();
      *context.err << fmt::format("{}:{}: error: {}\n", file, record.line, rows[i].error);
    }
  }
  std::ostream& out = *context.out;
  if (format == ScenarioBatchFormat::csv) {
    out << estimate_csv(rows);
  } else if (format == ScenarioBatchFormat::json) {
    nlohmann::json array = nlohmann::json::array();
    for (const EstimateRow& row : rows) array.push_back(estimate_json(row));
    out << array.dump(2) << "\n";
  } else {
    out << render_table(rows);
  }
  return bad == 0 ? 0 : 2;
}

}  // namespace llmsizer::cli
