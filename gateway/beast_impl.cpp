// The one translation unit that compiles Beast (BOOST_BEAST_SEPARATE_COMPILATION, STYLE.md rule 4).
#include <boost/beast/src.hpp>
