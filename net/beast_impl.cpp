// The one translation unit that compiles Beast (BOOST_BEAST_SEPARATE_COMPILATION, STYLE.md rule 4)
// and Asio's TLS (BOOST_ASIO_SEPARATE_COMPILATION; the rest of Asio is store/asio_impl.cpp).
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
