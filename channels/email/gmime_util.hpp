#pragma once
// GMime's objects owned by unique_ptr, and GMime's one-time start: for the files of channels/email
// that use GMime (mime.cpp reads mail, compose.cpp writes it). Include only from .cpp files: no
// header of ours shows GMime (channels/CMakeLists.txt links it PRIVATE).

#include <gmime/gmime.h>

#include <memory>
#include <mutex>

namespace switchboard::channels::email {

struct unref {
  void operator()(gpointer p) const noexcept {
    if (p) g_object_unref(p);
  }
};
template <class T>
using gobject = std::unique_ptr<T, unref>;

struct gfree {
  void operator()(void* p) const noexcept { g_free(p); }
};
using gstring = std::unique_ptr<char, gfree>;

inline void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

}  // namespace switchboard::channels::email
