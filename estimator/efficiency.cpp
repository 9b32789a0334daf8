#include "estimator/efficiency.hpp"

namespace llmsizer {

EfficiencyParams Calibration::resolve(const std::string& generation, const std::string& engine) const {
  EfficiencyParams params;
  params.memory_utilization = memory_utilization;
  params.power_utilization = power_utilization;
  params.comm_overlap = comm_overlap;
  const HardwareEfficiency* hw_default = nullptr;
  const HardwareEfficiency* hw = nullptr;
  for (const HardwareEfficiency& h : generations) {
    if (h.generation == generation) hw = &h;
    if (h.generation == "default") hw_default = &h;
  }
  if (hw) params.hardware = *hw;
  else if (hw_default) params.hardware = *hw_default;
  const std::string& wanted = engine.empty() ? default_engine : engine;
  const EngineEfficiency* e_default = nullptr;
  const EngineEfficiency* e = nullptr;
  for (const EngineEfficiency& candidate : engines) {
    if (candidate.engine == wanted) e = &candidate;
    if (candidate.engine == "default") e_default = &candidate;
  }
  if (e) params.engine = *e;
  else if (e_default) params.engine = *e_default;
  if (params.engine.memory_utilization > 0) params.memory_utilization = params.engine.memory_utilization;
  return params;
}

}  // namespace llmsizer
