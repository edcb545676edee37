// The process's file-descriptor limit (RLIMIT_NOFILE) and the client-connection cap it allows.
// Every client connection is a descriptor, and so is each upstream connection a request leases
// while it is in flight: a cap derived from the limit keeps accept() and the upstream's connect()
// from ever failing with EMFILE (a connection left in the kernel's backlog to time out, or a
// request failed for want of a socket). Start-up only (main, gateway_server's constructor).
#pragma once

#include <cstddef>

namespace gateway {

/// Descriptors kept for what is not a client or upstream connection: the listener, Redis's two
/// connections, the log pipes, the resolver, the health check, files opened at start-up, room.
inline constexpr std::size_t reserved_descriptors = 64;

/// Raises the soft RLIMIT_NOFILE to the hard limit when it is lower; returns the soft limit then
/// in force (unchanged when raising fails).
std::size_t raise_descriptor_limit();

/// The soft RLIMIT_NOFILE now.
std::size_t descriptor_limit();

/// The default MAX_CONNECTIONS for `descriptors`: what is left after the upstream pool's idle
/// connections and the reserve, halved because a client connection may lease one upstream
/// connection while its request is in flight (two descriptors). At least 1.
std::size_t connections_for_descriptors(std::size_t descriptors, std::size_t upstream_pool_size);

}  // namespace gateway
