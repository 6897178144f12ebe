#pragma once
// Drives one hiredis async context from an Asio executor: waits for readability and writability
// of hiredis's socket and calls redisAsyncHandleRead/Write. It never closes the socket (hiredis
// owns it) and survives hiredis's cleanup hook firing from inside its own read callback: the
// watcher object lives on while any wait is outstanding and simply stops.

#include <boost/asio/any_io_executor.hpp>

struct redisAsyncContext;

namespace switchboard::store {

// Installs the event hooks on `ctx`. Must run before redisAsyncSetConnectCallback (hiredis 0.14
// registers its first write wait there). Returns false if the hooks could not be attached.
// Call only on `ex`'s thread; `ctx` must not be attached already.
bool attach_to_asio(redisAsyncContext* ctx, const boost::asio::any_io_executor& ex) noexcept;

}  // namespace switchboard::store
