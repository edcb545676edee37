// Asio, Asio.SSL and Beast are header-only by default; compiled here once instead of in every
// translation unit that uses them (BOOST_*_SEPARATE_COMPILATION is set on the library target).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
