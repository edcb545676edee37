#include "net/descriptor_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace gateway {

namespace {
std::size_t as_size(rlim_t v) {
  if (v == RLIM_INFINITY || v > std::numeric_limits<std::size_t>::max())
    return std::numeric_limits<std::size_t>::max();
  return static_cast<std::size_t>(v);
}
}  // namespace

std::size_t raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return as_size(lim.rlim_cur);
}

std::size_t descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  return as_size(lim.rlim_cur);
}

std::size_t connections_for_descriptors(std::size_t descriptors, std::size_t upstream_pool_size) {
  // An unlimited soft limit (root, some containers) still gets a finite cap: the kernel's
  // fs.nr_open (1,048,576 by default) bounds descriptors per process anyway.
  descriptors = std::min<std::size_t>(descriptors, 1u << 20);
  const auto fixed = upstream_pool_size + reserved_descriptors;
  if (descriptors <= fixed + 2) return 1;
  return (descriptors - fixed) / 2;
}

}  // namespace gateway
