// `estimate --scenarios FILE.csv`: many scenarios, one per row, answered in order.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "cli/estimate_output.hpp"
#include "io/config_error.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_reader.hpp"

namespace llmsizer::cli {
namespace {

enum class Field { mtp_acceptance, memory_utilization, id, model, gpu, gpus, tp, pp, dp, ep, weights, experts, kv, engine, phase, isl, osl, concurrency, mtp, price,
                   usd_per_gpu_hour, ignored };

const std::vector<std::pair<std::string, Field>> known_columns = {
    {"id", Field::id},       {"model", Field::model},   {"gpu", Field::gpu},         {"gpus", Field::gpus},
    {"tp", Field::tp},       {"pp", Field::pp},         {"dp", Field::dp},           {"ep", Field::ep},
    {"weights", Field::weights}, {"experts", Field::experts}, {"kv", Field::kv},     {"engine", Field::engine},   {"phase", Field::phase}, {"isl", Field::isl},
    {"osl", Field::osl},     {"concurrency", Field::concurrency}, {"mtp", Field::mtp}, {"price", Field::price},
    {"usd_per_gpu_hour", Field::usd_per_gpu_hour}, {"mtp_acceptance", Field::mtp_acceptance},
    {"memory_utilization", Field::memory_utilization}};

std::int64_t parse_whole(const std::string& text, const std::string& column) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (result.ec == std::errc() && result.ptr == end) return value;
  double real = 0;
  const auto r2 = std::from_chars(text.data(), end, real);  // accept 1e3 and 8.0
  const bool parsed = r2.ptr == end && (r2.ec == std::errc() || r2.ec == std::errc::result_out_of_range);
  if (!parsed || std::isnan(real)) throw ConfigError(column, fmt::format("expected a whole number, got '{}'", text));
  if (std::isinf(real)) throw ConfigError(column, fmt::format("'{}' is not a finite number", text));
  // Beyond int64 or 2^53 (1e30, 99999999999999999999): named here, as a cast would wrap it.
  if (r2.ec == std::errc::result_out_of_range || std::fabs(real) >= 9e15) {
    throw ConfigError(column, fmt::format("'{}' is out of range for a count", text));
  }
  if (std::floor(real) != real) throw ConfigError(column, fmt::format("expected a whole number, got '{}'", text));
  return static_cast<std::int64_t>(real);
}

double parse_positive(const std::string& v, const std::string& column) {
  double d = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || !(d > 0) || !std::isfinite(d)) {
    throw ConfigError(column, fmt::format("expected a positive number, got '{}'", v));
  }
  return d;
}

int parse_degree(const std::string& text, const std::string& column) {
  const std::int64_t v = parse_whole(text, column);
  if (v < 1 || v > (1 << 20)) throw ConfigError(column, fmt::format("{} is out of range (must be >= 1 and <= 1048576)", v));
  return static_cast<int>(v);
}

void apply(ScenarioInput& in, Field field, const std::string& v, const std::string& column) {
  switch (field) {
    case Field::id: in.id = v; break;
    case Field::model: in.model = v; break;
    case Field::gpu: in.gpu = v; break;
    case Field::gpus: in.gpus = parse_degree(v, column); break;
    case Field::tp: in.tp = parse_degree(v, column); break;
    case Field::pp: in.pp = parse_degree(v, column); break;
    case Field::dp: in.dp = parse_degree(v, column); break;
    case Field::ep: in.ep = parse_degree(v, column); break;
    case Field::weights: in.weights = v; break;
    case Field::experts: in.experts = v; break;
    case Field::kv: in.kv = v; break;
    case Field::engine: in.engine = v; break;
    case Field::phase: in.phase = v; break;
    case Field::isl: in.isl = parse_whole(v, column); break;
    case Field::osl: in.osl = parse_whole(v, column); break;
    case Field::concurrency: in.concurrency = parse_whole(v, column); break;
    case Field::mtp: {
      const std::int64_t mtp = parse_whole(v, column);  // range-checked before it narrows to int
      if (mtp < 0 || mtp > 16) throw ConfigError(column, fmt::format("{} is out of range (must be >= 0 and <= 16)", mtp));
      in.mtp = static_cast<int>(mtp);
      break;
    }
    case Field::price: in.price = v; break;
    case Field::usd_per_gpu_hour: in.usd_per_gpu_hour = parse_positive(v, column); break;
    case Field::mtp_acceptance: in.mtp_acceptance = parse_positive(v, column); break;
    case Field::memory_utilization: in.memory_utilization = parse_positive(v, column); break;
    case Field::ignored: break;
  }
}

std::vector<Field> map_header(const std::vector<std::string>& header, const std::string& file, std::ostream& err) {
  std::vector<Field> fields;
  std::vector<std::string> unknown;
  std::vector<std::string> names;
  for (const auto& [key, value] : known_columns) names.push_back(key);
  std::set<Field> seen;
  for (const std::string& name : header) {
    Field f = Field::ignored;
    for (const auto& [key, value] : known_columns) {
      if (key == name) f = value;
    }
    if (f != Field::ignored && !seen.insert(f).second) {
      throw ConfigError(file, 1, 0, name, "the column appears twice; which value would count is ambiguous");
    }
    if (f == Field::ignored) {
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
    err << fmt::format("{}:1: warning: ignoring unknown column{} {}\n", file, unknown.size() > 1 ? "s" : "", list);
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
  const std::vector<Field> fields = map_header(csv.header, file, *context.err);
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
        if (!record.fields[c].empty()) apply(inputs[i], fields[c], record.fields[c], column);
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
