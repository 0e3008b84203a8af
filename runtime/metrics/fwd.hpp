// runtime/metrics/fwd.hpp — forward declarations of the metrics types, for
// headers that only hold references (G15).
#pragma once

namespace skald::metrics {

class counter;
class gauge;
class histogram;
class family_base;
template <class T>
class family;
using counter_family = family<counter>;
using gauge_family = family<gauge>;
using histogram_family = family<histogram>;
class registry;
struct build_info;

} // namespace skald::metrics
