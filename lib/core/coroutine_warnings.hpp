// Include in a .cpp that defines Asio coroutines (asio::awaitable), after its other includes.
//
// GCC 12 false positive: after inlining Asio's recycling allocator into a coroutine frame's
// destruction it pairs the frame's operator new with the allocator's free() and warns
// -Wmismatched-new-delete, although the two do match (aligned_alloc/free). Known GCC issue with
// coroutine frames; nothing in our code allocates by hand. Kept in one place so that the day the
// compiler is fixed, one file changes.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
