// The one translation unit that compiles Asio (BOOST_ASIO_SEPARATE_COMPILATION, STYLE.md rule 4).
#include <boost/asio/impl/src.hpp>
